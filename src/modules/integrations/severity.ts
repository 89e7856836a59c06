/**
 * Label-to-severity mapping of an integration: rules "label=value" -> Sev 1..4. An alert takes the
 * most severe rule its labels match (values compared case-insensitively); with no match, the
 * integration's default severity.
 *
 * Written as text (the page's textarea, or the API as a string), one rule a line:
 *   severity=critical: 1
 *   team=payments: 2
 * or in the API as an object: {"severity=critical": 1, "team=payments": 2}.
 */

export type SeverityMap = Record<string, number>;

export const DEFAULT_SEVERITY_MAP: SeverityMap = {
  'severity=critical': 1,
  'severity=high': 2,
  'severity=error': 2,
  'severity=warning': 3,
  'severity=info': 4,
};

export const MAX_RULES = 50;
const LABEL = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const VALUE_MAX = 200;
const LINE = /^([^=]+?)\s*=\s*(.*\S)\s*:\s*(\S+)$/;

export type ParsedMap = { map: SeverityMap | null; error?: undefined } | { map?: undefined; error: string };

function ruleKey(label: string, value: string): string | { error: string } {
  const l = label.trim();
  const v = value.trim();
  if (!LABEL.test(l)) return { error: `“${l.slice(0, 40)}” is not a label name (letters, digits and _, not starting with a digit).` };
  if (!v) return { error: `The rule for label “${l}” needs a value.` };
  if (v.length > VALUE_MAX || /[\r\n]/.test(v)) return { error: `The value of label “${l}” is too long.` };
  return `${l}=${v}`;
}

function severityOf(raw: unknown): number | null {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[1-4]\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 4 ? n : null;
}

/** Reads a mapping from text or an object; empty text, {} or null mean "no rules". */
export function parseSeverityMap(raw: unknown): ParsedMap {
  if (raw === null || raw === undefined) return { map: null };
  const map: SeverityMap = {};
  if (typeof raw === 'string') {
    const lines = raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const [i, line] of lines.entries()) {
      const m = LINE.exec(line);
      if (!m) return { error: `Line ${i + 1} should look like “severity=critical: 1”.` };
      const key = ruleKey(m[1], m[2]);
      if (typeof key !== 'string') return { error: `Line ${i + 1}: ${key.error}` };
      const sev = severityOf(m[3]);
      if (sev === null) return { error: `Line ${i + 1}: the severity must be 1, 2, 3 or 4.` };
      map[key] = sev;
    }
  } else if (typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      const eq = k.indexOf('=');
      if (eq < 0) return { error: `“${k.slice(0, 40)}” should be label=value, e.g. severity=critical.` };
      const key = ruleKey(k.slice(0, eq), k.slice(eq + 1));
      if (typeof key !== 'string') return { error: key.error };
      const sev = severityOf(v);
      if (sev === null) return { error: `The severity of “${key.slice(0, 60)}” must be 1, 2, 3 or 4.` };
      map[key] = sev;
    }
  } else {
    return { error: 'The severity mapping must be text (one “label=value: severity” a line) or an object.' };
  }
  if (Object.keys(map).length > MAX_RULES) return { error: `At most ${MAX_RULES} rules.` };
  return { map: Object.keys(map).length ? map : null };
}

/** The text form of a mapping, for the edit form. */
export function formatSeverityMap(map: SeverityMap | null): string {
  return map ? Object.entries(map).map(([k, v]) => `${k}: ${v}`).join('\n') : '';
}

/** The stored JSON text of a mapping, read back (a damaged value counts as no rules). */
export function storedSeverityMap(text: string | null): SeverityMap | null {
  if (!text) return null;
  try {
    const parsed = parseSeverityMap(JSON.parse(text));
    return parsed.map ?? null;
  } catch {
    return null;
  }
}

/** The severity of an alert with these labels: the most severe matching rule, else `fallback`. */
export function severityFor(labels: Record<string, string>, map: SeverityMap | null, fallback: number): number {
  if (!map) return fallback;
  let best: number | null = null;
  const lower = new Map(Object.entries(labels).map(([k, v]) => [k, v.toLowerCase()]));
  for (const [rule, sev] of Object.entries(map)) {
    const eq = rule.indexOf('=');
    const value = lower.get(rule.slice(0, eq));
    if (value !== undefined && value === rule.slice(eq + 1).toLowerCase() && (best === null || sev < best)) best = sev;
  }
  return best ?? fallback;
}
