import { validationFailed, type FieldErrors } from './errors.js';

/** An ISO-8601 instant with an explicit zone: date, hour, minute, optional seconds and milliseconds. */
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** The instants both databases store faithfully (MariaDB's DATETIME ends at 9999; years before 1000 come back wrong). */
const MIN_INSTANT = new Date('1970-01-01T00:00:00.000Z');
const MAX_INSTANT = new Date('9999-12-31T23:59:59.999Z');

/** False for dates JavaScript would silently roll over (2026-02-30 -> 2026-03-02) and out-of-range clock fields. */
function isRealDateTime(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = Number(m[6] ?? 0);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59
    && Number(m[7] ?? 0) <= 23 && Number(m[8] ?? 0) <= 59;
}

/** C0 control characters (NUL, escape, backspace…) and DEL; tab and line breaks are text. */
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Small input readers shared by every module: each returns the clean value or records a message
 * for its field, so a form or API call gets every problem at once.
 */
export class Fields {
  readonly errors: FieldErrors = {};

  constructor(private readonly input: Record<string, unknown>) {}

  has(name: string): boolean {
    return this.input[name] !== undefined;
  }

  fail(name: string, message: string): void {
    this.errors[name] ??= message;
  }

  text(name: string, opts: { required?: boolean; max: number; label?: string }): string | null {
    const raw = this.input[name];
    const label = opts.label ?? 'This field';
    if (raw === undefined || raw === null || raw === '') {
      if (opts.required) this.fail(name, `${label} is required.`);
      return null;
    }
    if (typeof raw !== 'string') {
      this.fail(name, `${label} must be text.`);
      return null;
    }
    const value = raw.trim();
    if (!value) {
      if (opts.required) this.fail(name, `${label} is required.`);
      return null;
    }
    if (value.length > opts.max) {
      this.fail(name, `${label} must be at most ${opts.max.toLocaleString('en-US')} characters.`);
      return null;
    }
    if (CONTROL_RE.test(value)) {
      this.fail(name, `${label} contains a control character (such as NUL); remove it.`);
      return null;
    }
    return value;
  }

  int(name: string, opts: { required?: boolean; min: number; max: number; label?: string }): number | null {
    const raw = this.input[name];
    const label = opts.label ?? 'This field';
    if (raw === undefined || raw === null || raw === '') {
      if (opts.required) this.fail(name, `${label} is required.`);
      return null;
    }
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(n)) {
      this.fail(name, `${label} must be a whole number.`);
      return null;
    }
    if (n < opts.min || n > opts.max) {
      this.fail(name, `${label} must be between ${opts.min} and ${opts.max}.`);
      return null;
    }
    return n;
  }

  /** An id reference, or null for "none" (empty string, null). */
  optionalId(name: string, label = 'This field'): number | null {
    const raw = this.input[name];
    if (raw === undefined || raw === null || raw === '') return null;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      this.fail(name, `${label} is not a valid choice.`);
      return null;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], opts: { required?: boolean; label?: string } = {}): T | null {
    const raw = this.input[name];
    const label = opts.label ?? 'This field';
    if (raw === undefined || raw === null || raw === '') {
      if (opts.required) this.fail(name, `${label} is required.`);
      return null;
    }
    if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
      this.fail(name, `${label} must be one of: ${allowed.join(', ')}.`);
      return null;
    }
    return raw as T;
  }

  /** An instant from an ISO string (API) or a datetime-local value with an explicit offset. */
  instant(name: string, opts: { required?: boolean; label?: string } = {}): Date | null {
    const raw = this.input[name];
    const label = opts.label ?? 'This field';
    if (raw === undefined || raw === null || raw === '') {
      if (opts.required) this.fail(name, `${label} is required.`);
      return null;
    }
    const m = typeof raw === 'string' ? INSTANT_RE.exec(raw) : null;
    if (!m) {
      this.fail(name, `${label} must be a date and time with a time zone, e.g. 2026-05-09T06:26:00Z.`);
      return null;
    }
    const d = new Date(raw as string);
    if (Number.isNaN(d.getTime()) || !isRealDateTime(m)) {
      this.fail(name, `${label} is not a valid date.`);
      return null;
    }
    if (d < MIN_INSTANT || d > MAX_INSTANT) {
      this.fail(name, `${label} must be between the years 1970 and 9999.`);
      return null;
    }
    return d;
  }

  /**
   * Looks up the record an id field points at (a process, an assignee, a linked incident…) and records
   * `message` on the field when there is none; skipped when there is no id or the field already failed.
   * Services look every reference up before check(), not after it, so one 422 names every field at
   * once. `find` must stay scoped to the actor's process.
   */
  async ref<T>(name: string, id: number | null, find: (id: number) => Promise<T | null | undefined>, message: string): Promise<T | null> {
    if (id === null || this.errors[name] !== undefined) return null;
    const found = await find(id);
    if (found === null || found === undefined) this.fail(name, message);
    return found ?? null;
  }

  /** Throws a 422 with every field message when anything failed. */
  check(): void {
    if (Object.keys(this.errors).length) throw validationFailed(this.errors);
  }
}
