import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfSafeText, wrapText } from '../../src/modules/reporting/pdf.js';
import { csvCell } from '../../src/modules/reporting/csv.js';
import { BATCH, keyset, type After } from '../../src/modules/reporting/sources.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const ARTIFACTS = join(process.cwd(), 'tests/.artifacts/reports');

interface ErrorJson { error: { code: string; fields?: Record<string, string> } }

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** RFC 4180 parsing (quoted fields, doubled quotes, CRLF inside quotes), for checking what we write. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) throw new Error(`CSV does not end with CRLF: ${JSON.stringify(text.slice(-40))}`);
  return rows;
}

/** The CSV as records keyed by header, after checking the BOM. */
async function csvRecords(res: Response): Promise<{ header: string[]; records: Record<string, string>[]; raw: string }> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const raw = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).slice(1);
  const [header, ...rows] = parseCsv(raw);
  for (const r of rows) expect(r).toHaveLength(header.length);
  return { header, raw, records: rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
}

function pdftotext(file: string, first?: number, last?: number): string {
  const args = ['-layout', '-enc', 'UTF-8'];
  if (first) args.push('-f', String(first));
  if (last) args.push('-l', String(last));
  return execFileSync('pdftotext', [...args, file, '-'], { encoding: 'utf8' });
}

function pdfPages(file: string): number {
  return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
}

describe('CSV cells and PDF text', () => {
  it('neutralises formulas and quotes as RFC 4180 says', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('draws accents and arrows, and replaces what the font lacks (CJK, emoji) with "?" instead of failing', () => {
    expect(pdfSafeText('Łódź → café naïve Ωmega ✓')).toBe('Łódź → café naïve Ωmega ✓');
    expect(pdfSafeText('東京 outage 🚀')).toBe('?? outage ?');
    expect(pdfSafeText('family 👨‍👩‍👧 ok 👍🏽 ❤️')).toBe('family ??? ok ? ❤');
    expect(pdfSafeText('tab\tline\nbreak\u0000nul')).toBe('tab line break nul');
    expect(pdfSafeText('\uD800 lone')).toBe('? lone');
  });

  it('wraps long text into the lines allowed and cuts the last one cleanly', () => {
    const lines = wrapText('word '.repeat(80).trim(), 100, 7.5, 3);
    expect(lines).toHaveLength(3);
    expect(lines[2].endsWith('…')).toBe(true);
    const long = wrapText('x'.repeat(300), 100, 7.5, 2);
    expect(long).toHaveLength(2);
    expect(long[1].endsWith('…')).toBe(true);
    expect(wrapText('short', 100, 7.5, 3)).toEqual(['short']);
    expect(wrapText('', 100, 7.5, 3)).toEqual(['']);
  });
});

describe('batches by keyset in a moving window', () => {
  /** What a database would answer for [lower, upper) after the cursor, in (at, id) order. */
  const fetcher = (rows: { id: number; at: Date }[]) => async (lower: Date, upper: Date, after: After) => rows
    .filter((r) => r.at >= lower && r.at < upper && (!after || r.at > after.at || (r.at.getTime() === after.at.getTime() && r.id > after.id)))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id)
    .slice(0, BATCH);

  it('returns every row once, in order, however the rows are spread: dense, sparse, bursts and ties', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const end = Date.parse('2027-01-01T00:00:00Z');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const rows: { id: number; at: Date }[] = [];
    let id = 0;
    for (let i = 0; i < 3000; i++) rows.push({ id: ++id, at: new Date(start + Math.floor(rand() * (end - start))) });
    for (let i = 0; i < 2500; i++) rows.push({ id: ++id, at: new Date(start + 40 * 86_400_000) });
    for (let i = 0; i < 4000; i++) rows.push({ id: ++id, at: new Date(start + 200 * 86_400_000 + Math.floor(rand() * 60_000)) });
    rows.push({ id: ++id, at: new Date(end - 1) }, { id: ++id, at: new Date(start) }, { id: ++id, at: new Date(end) });
    const seen: { id: number; at: Date }[] = [];
    let queries = 0;
    const fetch = fetcher(rows);
    for await (const batch of keyset({ start: new Date(start), end: new Date(end) }, async (l, u, a) => { queries++; return fetch(l, u, a); }, (r) => r.at)) seen.push(...batch);
    const expected = rows.filter((r) => r.at.getTime() < end).sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
    expect(seen.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    expect(queries).toBeLessThan(200);
  });

  it('finishes on an empty range and on a range of one millisecond', async () => {
    const none = keyset({ start: new Date(0), end: new Date(86_400_000 * 3650) }, fetcher([]), (r: { id: number; at: Date }) => r.at);
    expect((await none.next()).done).toBe(true);
    const at = new Date('2026-05-09T08:00:00.000Z');
    const one = [];
    for await (const b of keyset({ start: at, end: new Date(at.getTime() + 1) }, fetcher([{ id: 1, at }]), (r) => r.at)) one.push(...b);
    expect(one).toHaveLength(1);
  });
});

describe.each(DIALECTS)('reporting on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  const ids: Record<string, number> = {};
  let dir: string;

  const at = async <T,>(iso: string, fn: () => Promise<T>): Promise<T> => {
    const saved = t.clock.now();
    t.clock.set(iso);
    try {
      return await fn();
    } finally {
      t.clock.set(saved);
    }
  };
  const incident = async (email: string, iso: string, body: Record<string, unknown>) => at(iso, async () => {
    const res = await t.api(email, 'POST', '/incidents', body);
    expect(res.status).toBe(201);
    return (await json<{ id: number }>(res)).id;
  });
  const save = async (res: Response, name: string) => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = join(dir, name);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    return file;
  };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    dir = mkdtempSync(join(tmpdir(), 'd2c-reports-'));
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    // Tokens issued now stay valid while the clock is moved back to write older records.
    for (const email of [momo.operator, momo.manager, ignite.operator]) await t.token(email);
    // March 2026 in Johannesburg (UTC+2): the range 10-12 March runs from 9 March 22:00 UTC to 12 March 22:00 UTC.
    ids.before = await incident(momo.operator, '2026-03-09T21:59:00.000Z', { title: 'Just before the range', severity: 3 });
    ids.first = await incident(momo.operator, '2026-03-10T10:00:00.000Z', { title: 'Inside: first', severity: 2 });
    ids.last = await incident(momo.operator, '2026-03-12T21:59:59.999Z', { title: 'Inside: last moment', severity: 4 });
    ids.after = await incident(momo.operator, '2026-03-12T22:00:00.000Z', { title: 'Just after the range', severity: 3 });
    ids.ignite = await incident(ignite.operator, '2026-03-11T09:00:00.000Z', { title: 'Ignite in range', severity: 1 });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports incidents of the date range (days in the zone) and of the tenant only, as UTF-8 CSV with a BOM and ISO times', async () => {
    const res = await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="d2c-ops-incidents-2026-03-10-to-2026-03-12-momo.csv"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { header, records, raw } = await csvRecords(res);
    expect(header).toEqual(['ID', 'Title', 'Severity', 'Status', 'Assignee', 'Opened At', 'Acknowledged At', 'Resolved At', 'Minutes To Resolve', 'Source', 'RCA']);
    expect(raw.split('\r\n').length).toBe(records.length + 2);
    expect(records.map((r) => Number(r.ID))).toEqual([ids.first, ids.last]);
    expect(records[0]).toMatchObject({ Title: 'Inside: first', Severity: '2', Status: 'open', 'Opened At': '2026-03-10T10:00:00.000Z', 'Resolved At': '' });
    expect(records[1]['Opened At']).toBe('2026-03-12T21:59:59.999Z');
    // The same days in UTC move the window by two hours.
    const utc = await csvRecords(await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12&tz=UTC'));
    expect(utc.records.map((r) => Number(r.ID))).toEqual([ids.first, ids.last, ids.after]);
    // Ignite's manager sees Ignite's incident only.
    const other = await csvRecords(await t.api(ignite.manager, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12'));
    expect(other.records.map((r) => Number(r.ID))).toEqual([ids.ignite]);
  });

  it('lets the super admin export across processes with a Process column, or one process', async () => {
    const all = await csvRecords(await t.api(SUPER_ADMIN, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12&tz=Africa/Johannesburg'));
    expect(all.header[1]).toBe('Process');
    expect(all.records.map((r) => [Number(r.ID), r.Process])).toEqual([[ids.first, 'Momo'], [ids.ignite, 'Ignite'], [ids.last, 'Momo']]);
    const one = await t.api(SUPER_ADMIN, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12&process=ignite');
    expect(one.headers.get('content-disposition')).toContain('-ignite.csv');
    const parsed = await csvRecords(one);
    expect(parsed.header).not.toContain('Process');
    expect(parsed.records.map((r) => Number(r.ID))).toEqual([ids.ignite]);
    // The page's switcher choice is overridden by the card's "All processes".
    const page = await t.request('/reporting/incidents.csv?from=2026-03-10&to=2026-03-12&process=all', { headers: { cookie: `${await t.cookie(SUPER_ADMIN)}; d2c_view=momo` } });
    expect((await csvRecords(page)).records).toHaveLength(3);
  });

  it('neutralises spreadsheet formulas and keeps commas, quotes and line breaks intact', async () => {
    const titles = ['=HYPERLINK("http://evil.example","open me")', '+SUM(1,2)', '-2+3', '@cmd|calc', 'Comma, "quoted" text'];
    for (const [i, title] of titles.entries()) await incident(momo.operator, `2026-03-20T0${i}:00:00.000Z`, { title, severity: 3 });
    await at('2026-03-20T06:00:00.000Z', async () => {
      const id = (await json<{ id: number }>(await t.api(momo.operator, 'POST', '/incidents', { title: 'RCA probe', severity: 3 }))).id;
      expect((await t.api(momo.operator, 'PATCH', `/incidents/${id}`, { status: 'resolved', rca: '=1+1\r\nsecond line' })).status).toBe(200);
    });
    const { records, raw } = await csvRecords(await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-03-20&to=2026-03-20&tz=UTC'));
    expect(records.map((r) => r.Title)).toEqual([...titles.map((s) => (/^[=+\-@]/.test(s) ? `'${s}` : s)), 'RCA probe']);
    expect(records[5].RCA).toBe("'=1+1\r\nsecond line");
    expect(raw).not.toMatch(/(^|,)[=+@-]/m);
  });

  it('streams the CSV: the BOM and header arrive before the rows, and thousands of rows with tied times come out once each', async () => {
    const user = (await t.db.selectFrom('users').select('id').where('email', '=', momo.operator).executeTakeFirstOrThrow()).id;
    const times = ['2026-01-15T08:00:00.000Z', '2026-01-15T09:00:00.000Z', '2026-01-15T10:00:00.000Z'].map((s) => new Date(s));
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      process_id: momoId, title: `Bulk ${i}`, severity: 3, status: 'open' as const, opened_by: user, opened_at: times[i % 3],
      source: 'manual', updated_at: times[i % 3],
    }));
    for (let i = 0; i < rows.length; i += 500) await t.db.insertInto('incidents').values(rows.slice(i, i + 500)).execute();
    const res = await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-01-15&to=2026-01-15&tz=UTC');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(first.value)).toBe('\uFEFFID,Title,Severity,Status,Assignee,Opened At,Acknowledged At,Resolved At,Minutes To Resolve,Source,RCA\r\n');
    await reader.cancel();
    const { records } = await csvRecords(await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-01-15&to=2026-01-15&tz=UTC'));
    expect(records).toHaveLength(2500);
    expect(new Set(records.map((r) => r.ID)).size).toBe(2500);
    const opened = records.map((r) => r['Opened At']);
    expect([...opened].sort()).toEqual(opened);
  });

  it('renders a branded PDF with Unicode titles: header bar, Generated, filter, repeated column headers and "Page N / M" footers', async () => {
    const unicode = 'Łódź → 東京 gateway 🚀 café – naïve ✓';
    await incident(momo.operator, '2026-02-02T08:00:00.000Z', { title: unicode, severity: 1 });
    await incident(momo.operator, '2026-02-02T08:01:00.000Z', { title: `Long ${'WIDE WORDS '.repeat(20)}`.slice(0, 200), severity: 2 });
    for (let i = 0; i < 45; i++) await incident(momo.operator, `2026-02-03T${String(8 + Math.floor(i / 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`, { title: `Filler incident ${i}`, severity: 3 });
    const file = await save(await t.api(momo.manager, 'GET', '/reports/incidents.pdf?from=2026-02-01&to=2026-02-28'), 'incidents.pdf');
    const pages = pdfPages(file);
    expect(pages).toBeGreaterThanOrEqual(2);
    const first = pdftotext(file, 1, 1);
    expect(first).toContain('D2C OPs — Incident Report');
    expect(first).toMatch(/Generated: 9 May 2026, 10:00 \(Africa\/Johannesburg\) by Momo Manager/);
    expect(first).toContain('Filter: Opened 2026-02-01 to 2026-02-28 · Momo · 47 incidents');
    expect(first).toContain('Łódź → ?? gateway ? café – naïve ✓');
    expect(first).toMatch(/ID\s+TITLE\s+SEVERITY\s+STATUS\s+ASSIGNEE\s+OPENED AT\s+RESOLVED AT/);
    expect(first).toContain('2026-02-02 10:00');
    expect(first).toContain('…');
    expect(first).toContain(`D2C Telcare | D2C OPs Platform | Confidential | Page 1 / ${pages}`);
    const last = pdftotext(file, pages, pages);
    expect(last).toContain('D2C OPs — Incident Report');
    expect(last).toMatch(/ID\s+TITLE\s+SEVERITY/);
    expect(last).toContain(`Page ${pages} / ${pages}`);
    expect(last).not.toContain('Generated:');
    // Look at the first page the way a person would.
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, `incidents-${dialect}`);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, png]);
    expect(statSync(`${png}.png`).size).toBeGreaterThan(20_000);
  });

  it('counts a duration in whole minutes rounded down, in the CSV as in the API and on the page', async () => {
    const d = await at('2026-03-12T09:00:00.000Z', async () => json<{ id: number }>(await t.api(momo.operator, 'POST', '/downtime', {
      started_at: '2026-03-12T06:00:00Z', services_affected: ['Rounding'], impact_level: 'low',
    })));
    await at('2026-03-12T09:00:00.000Z', async () => expect((await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-03-12T07:59:50Z' })).status).toBe(200));
    const api = await json<{ duration_minutes: number; duration_text: string }>(await t.api(momo.manager, 'GET', `/downtime/${d.id}`));
    expect(api).toMatchObject({ duration_minutes: 119, duration_text: '1h 59m' });
    const { records } = await csvRecords(await t.api(momo.manager, 'GET', '/reports/downtime.csv?from=2026-03-12&to=2026-03-12&tz=UTC'));
    expect(records.find((r) => r.ID === String(d.id))?.['Duration Minutes']).toBe('119');
  });

  it('exports downtime with durations, CSV and PDF', async () => {
    const d = await at('2026-03-11T09:00:00.000Z', async () => {
      const res = await t.api(momo.operator, 'POST', '/downtime', { started_at: '2026-03-11T08:00:00Z', services_affected: ['Checkout API', 'Wallet, "core"'], impact_level: 'high', notes: '@risk' });
      expect(res.status).toBe(201);
      return json<{ id: number }>(res);
    });
    await at('2026-03-11T10:00:00.000Z', async () => expect((await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-03-11T09:35:00Z' })).status).toBe(200));
    const { header, records } = await csvRecords(await t.api(momo.manager, 'GET', '/reports/downtime.csv?from=2026-03-11&to=2026-03-11'));
    expect(header).toEqual(['ID', 'Services Affected', 'Impact', 'Status', 'Started At', 'Ended At', 'Duration Minutes', 'Incident', 'Notes']);
    expect(records).toEqual([{
      ID: String(d.id), 'Services Affected': 'Checkout API; Wallet, "core"', Impact: 'high', Status: 'ended',
      'Started At': '2026-03-11T08:00:00.000Z', 'Ended At': '2026-03-11T09:35:00.000Z', 'Duration Minutes': '95', Incident: '', Notes: "'@risk",
    }]);
    const file = await save(await t.api(momo.manager, 'GET', '/reports/downtime.pdf?from=2026-03-11&to=2026-03-11'), 'downtime.pdf');
    const text = pdftotext(file);
    expect(text).toContain('D2C OPs — Downtime Summary');
    expect(text).toContain('1h 35m');
    expect(text).toContain('Checkout API; Wallet, "core"');
    const empty = pdftotext(await save(await t.api(momo.manager, 'GET', '/reports/downtime.pdf?from=2025-01-01&to=2025-01-02'), 'empty.pdf'));
    expect(empty).toContain('No downtime events in this range.');
    expect(empty).toContain('Page 1 / 1');
  });

  it('exports the audit log with its hashes to admins only', async () => {
    expect((await t.api(momo.manager, 'GET', '/reports/audit.csv')).status).toBe(403);
    expect((await t.api(momo.manager, 'GET', '/reports/audit.pdf')).status).toBe(403);
    expect((await t.page(momo.manager, '/reporting/audit.csv')).status).toBe(403);
    const { header, records } = await csvRecords(await t.api(momo.admin, 'GET', '/reports/audit.csv?from=2026-03-10&to=2026-03-12'));
    expect(header).toEqual(['ID', 'Time', 'User', 'User Email', 'Action', 'Entity Type', 'Entity ID', 'IP', 'User Agent', 'Changes', 'Previous Hash', 'Hash']);
    expect(records.filter((r) => r.Action === 'incident.create').map((r) => Number(r['Entity ID']))).toEqual([ids.first, ids.last]);
    expect(records.every((r) => r.Time >= '2026-03-09T22:00:00.000Z' && r.Time < '2026-03-12T22:00:00.000Z')).toBe(true);
    const rows = await t.db.selectFrom('audit_log').select(['id', 'hash', 'prev_hash']).where('id', 'in', records.map((r) => Number(r.ID))).orderBy('created_at').orderBy('id').execute();
    expect(records.map((r) => [Number(r.ID), r['Previous Hash'], r.Hash])).toEqual(rows.map((r) => [r.id, r.prev_hash, r.hash]));
    expect(records[0]).toMatchObject({ User: 'Momo Operator', 'User Email': momo.operator, Action: 'incident.create', Time: '2026-03-10T10:00:00.000Z' });
    expect(JSON.parse(records[0].Changes)).toMatchObject({ title: 'Inside: first' });
    const file = await save(await t.api(SUPER_ADMIN, 'GET', '/reports/audit.pdf?from=2026-03-10&to=2026-03-12'), 'audit.pdf');
    const text = pdftotext(file);
    expect(text).toContain('D2C OPs — Audit Log Export');
    expect(text).toMatch(/PROCESS/);
    expect(text).toContain(`${rows[0].hash!.slice(0, 12)}…`);
    expect(text).toContain('Ignite');
  });

  it('adds SLA times up to the millisecond: at the target is within it, a millisecond later is not; a skewed clock counts 0, not less', async () => {
    const onTime = await incident(momo.operator, '2026-04-20T10:00:00.000Z', { title: 'SLA exact', severity: 1 });
    await at('2026-04-20T10:00:10.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${onTime}`, { status: 'in_progress' }));
    await at('2026-04-20T14:00:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${onTime}`, { status: 'resolved' }));
    const late = await incident(momo.operator, '2026-04-21T10:00:00.000Z', { title: 'SLA late', severity: 1 });
    await at('2026-04-21T14:00:00.001Z', () => t.api(momo.operator, 'PATCH', `/incidents/${late}`, { status: 'resolved' }));
    // An acknowledgement stamped before the opening (a clock moved back) adds nothing, not minus an hour.
    await t.db.updateTable('incidents').set({ acknowledged_at: new Date('2026-04-21T09:00:00.000Z') }).where('id', '=', late).execute();
    const r = await json<{ total: Record<string, unknown> }>(await t.api(momo.manager, 'GET', '/reports/sla?from=2026-04-20&to=2026-04-21&tz=UTC'));
    // MTTA: (10 s + 0) / 2 = 5 s = 0.08 min -> 0.1; MTTR: (240 min + 240 min 1 ms) / 2 -> 240.
    expect(r.total).toMatchObject({ opened: 2, acknowledged: 2, mtta_minutes: 0.1, resolved: 2, mttr_minutes: 240, resolved_within_target: 1, within_target_pct: 50 });
  });

  it('groups the SLA report by process for the super admin, each process with its own figures', async () => {
    const m = await incident(momo.operator, '2026-04-25T10:00:00.000Z', { title: 'SLA momo', severity: 2 });
    await at('2026-04-25T10:20:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${m}`, { status: 'resolved' }));
    const i = await incident(ignite.operator, '2026-04-25T11:00:00.000Z', { title: 'SLA ignite', severity: 2 });
    await at('2026-04-25T12:00:00.000Z', () => t.api(ignite.operator, 'PATCH', `/incidents/${i}`, { status: 'in_progress' }));
    const r = await json<{ total: Record<string, unknown>; by_process: Record<string, unknown>[] }>(await t.api(SUPER_ADMIN, 'GET', '/reports/sla?from=2026-04-25&to=2026-04-25&tz=UTC'));
    expect(r.total).toMatchObject({ opened: 2, acknowledged: 2, mtta_minutes: 40, resolved: 1, mttr_minutes: 20 });
    expect(r.by_process.map((g) => [g.label, g.opened, g.mtta_minutes, g.mttr_minutes, g.unresolved])).toEqual([
      ['Ignite', 1, 60, null, 1],
      ['Momo', 1, 20, 20, 0],
    ]);
    // ?process=all (as the README and the page's links spell it) is the same; a slug narrows to it.
    const all = await t.api(SUPER_ADMIN, 'GET', '/reports/sla?from=2026-04-25&to=2026-04-25&tz=UTC&process=all');
    expect(all.status).toBe(200);
    expect((await json<{ total: Record<string, unknown> }>(all)).total).toEqual(r.total);
    const csv = await t.api(SUPER_ADMIN, 'GET', '/reports/sla.csv?from=2026-04-25&to=2026-04-25&tz=UTC&process=all');
    expect(csv.status).toBe(200);
    const one = await json<{ total: Record<string, unknown> }>(await t.api(SUPER_ADMIN, 'GET', '/reports/sla?from=2026-04-25&to=2026-04-25&tz=UTC&process=ignite'));
    expect(one.total).toMatchObject({ opened: 1, mtta_minutes: 60 });
  });

  it('computes the SLA report: MTTA and MTTR by severity and process, within target, as JSON, CSV, PDF and a chart', async () => {
    const a = await incident(momo.operator, '2026-04-01T10:00:00.000Z', { title: 'SLA one', severity: 1 });
    await at('2026-04-01T10:10:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${a}`, { status: 'in_progress' }));
    await at('2026-04-01T11:10:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${a}`, { status: 'resolved' }));
    const b = await incident(momo.operator, '2026-04-02T10:00:00.000Z', { title: 'SLA two', severity: 1 });
    await at('2026-04-02T15:00:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${b}`, { status: 'resolved' }));
    const c = await incident(momo.operator, '2026-04-03T10:00:00.000Z', { title: 'SLA three', severity: 2 });
    await at('2026-04-03T10:30:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${c}`, { status: 'in_progress' }));
    const res = await t.api(momo.manager, 'GET', '/reports/sla?from=2026-04-01&to=2026-04-03');
    expect(res.status).toBe(200);
    const r = await json<{ total: Record<string, unknown>; by_severity: Record<string, unknown>[]; by_process: Record<string, unknown>[]; process: string }>(res);
    expect(r.process).toBe('momo');
    expect(r.total).toMatchObject({ opened: 3, acknowledged: 3, mtta_minutes: 113.3, resolved: 2, mttr_minutes: 185, resolved_within_target: 1, within_target_pct: 50, unresolved: 1 });
    expect(r.by_severity[0]).toMatchObject({ label: 'Sev 1', opened: 2, mtta_minutes: 155, mttr_minutes: 185, within_target_pct: 50 });
    expect(r.by_severity[1]).toMatchObject({ label: 'Sev 2', opened: 1, mtta_minutes: 30, resolved: 0, mttr_minutes: null, unresolved: 1 });
    expect(r.by_severity[2]).toMatchObject({ label: 'Sev 3', opened: 0, mtta_minutes: null });
    expect(r.by_process).toEqual([expect.objectContaining({ label: 'Momo', opened: 3 })]);
    const { records } = await csvRecords(await t.api(momo.manager, 'GET', '/reports/sla.csv?from=2026-04-01&to=2026-04-03'));
    expect(records[0]).toMatchObject({ Group: 'total', 'Incidents Opened': '3', 'MTTA Minutes': '113.3', 'MTTR Minutes': '185' });
    const pdf = pdftotext(await save(await t.api(momo.manager, 'GET', '/reports/sla.pdf?from=2026-04-01&to=2026-04-03'), 'sla.pdf'));
    expect(pdf).toContain('D2C OPs — SLA Report');
    expect(pdf).toMatch(/severity\s+Sev 1\s+2\s+2\s+155\s+2\s+185/);
    const panel = await t.request('/reporting/sla?from=2026-04-01&to=2026-04-03', { headers: { cookie: await t.cookie(momo.manager), 'hx-request': 'true' } });
    const html = await panel.text();
    expect(html).toContain('data-testid="sla-severity-chart"');
    expect(html).toContain('Sev 1: MTTA 2h 35m, MTTR 3h 5m.');
    expect(html).toContain('data-testid="sla-mtta">1h 53m<');
    const bad = await t.request('/reporting/sla?from=2026-04-03&to=2026-04-01', { headers: { cookie: await t.cookie(momo.manager), 'hx-request': 'true' } });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('The end date must be on or after the start date.');
  });

  it('refuses bad input with a clear 4xx, writes nothing, and never answers 500', async () => {
    const audit = Number((await t.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    for (const [query, field] of [
      ['from=2026-13-01', 'from'], ['to=31/12/2026', 'to'], ['from=2026-05-09&to=2026-05-01', 'to'], ['tz=Not%2FA_Zone', 'tz'],
      ['from=%3Cscript%3E', 'from'], [`tz=${'x'.repeat(100)}`, 'tz'], ['from=0001-01-01', 'from'], ['to=9999-12-31', 'to'],
    ] as const) {
      for (const file of ['incidents.csv', 'downtime.pdf', 'sla.csv']) {
        const res = await t.api(momo.manager, 'GET', `/reports/${file}?${query}`);
        expect(res.status, `${file}?${query}`).toBe(422);
        expect((await json<ErrorJson>(res)).error.fields?.[field], `${file}?${query}`).toBeTruthy();
      }
    }
    expect((await t.api(momo.manager, 'GET', '/reports/sla?from=x')).status).toBe(422);
    const unknown = await t.api(SUPER_ADMIN, 'GET', '/reports/incidents.csv?process=atlantis');
    expect(unknown.status).toBe(422);
    expect((await json<ErrorJson>(unknown)).error.fields?.process).toBe('Unknown process.');
    // A non-super-admin's ?process= is ignored: always their own process.
    const own = await csvRecords(await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12&process=ignite'));
    expect(own.records.map((r) => Number(r.ID))).toEqual([ids.first, ids.last]);
    for (const file of ['users.csv', 'incidents.xlsx', 'incidents', '..%2Fetc%2Fpasswd']) {
      expect((await t.api(momo.manager, 'GET', `/reports/${file}`)).status, file).toBe(404);
    }
    // The page shows the card again, with the message and what was typed.
    const page = await t.page(momo.manager, '/reporting/incidents.pdf?from=2026-05-09&to=2026-05-01');
    expect(page.status).toBe(422);
    const html = await page.text();
    expect(html).toContain('The end date must be on or after the start date.');
    expect(html).toContain('value="2026-05-09"');
    expect(Number((await t.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)).toBe(audit);
  });

  it('answers each role: viewer, client and operator 403; manager all but the audit export; admin and super admin everything', async () => {
    const files = ['incidents.csv', 'incidents.pdf', 'downtime.csv', 'downtime.pdf', 'sla.csv', 'sla.pdf', 'audit.csv', 'audit.pdf'];
    for (const email of [momo.viewer, momo.client, momo.operator]) {
      expect((await t.page(email, '/reporting')).status, email).toBe(403);
      expect((await t.api(email, 'GET', '/reports/sla')).status, email).toBe(403);
      for (const f of files) {
        expect((await t.api(email, 'GET', `/reports/${f}`)).status, `${email} ${f}`).toBe(403);
        expect((await t.page(email, `/reporting/${f}`)).status, `${email} ${f}`).toBe(403);
      }
    }
    for (const f of files) {
      const range = 'from=2026-03-10&to=2026-03-12';
      expect((await t.api(momo.manager, 'GET', `/reports/${f}?${range}`)).status, f).toBe(f.startsWith('audit') ? 403 : 200);
      expect((await t.api(momo.admin, 'GET', `/reports/${f}?${range}`)).status, f).toBe(200);
      expect((await t.api(SUPER_ADMIN, 'GET', `/reports/${f}?${range}`)).status, f).toBe(200);
      expect((await t.page(momo.admin, `/reporting/${f}?${range}`)).status, f).toBe(200);
    }
    expect((await t.api(null, 'GET', '/reports/incidents.csv')).status).toBe(401);
    expect((await t.request('/reporting/incidents.csv')).status).toBe(302);
  });

  it('shows the Reporting page as Figure 6.12a: a card per report with its own dates and CSV/PDF buttons, and the SLA chart', async () => {
    const manager = await (await t.page(momo.manager, '/reporting')).text();
    expect(manager).toContain('data-report="incidents"');
    expect(manager).toContain('data-report="downtime"');
    expect(manager).not.toContain('data-report="audit"');
    expect(manager).toContain('data-report="sla"');
    expect(manager).toContain('formaction="/reporting/incidents.csv"');
    expect(manager).toContain('formaction="/reporting/incidents.pdf"');
    expect(manager).toContain('id="incidents-from" name="from" type="date" required="" value="2026-04-10"');
    expect(manager).toContain('id="incidents-to" name="to" type="date" required="" value="2026-05-09"');
    expect(manager).toContain('name="tz" value="Africa/Johannesburg"');
    expect(manager).not.toContain('name="process"');
    expect(manager).toContain('data-testid="sla-panel"');
    const admin = await (await t.page(momo.admin, '/reporting')).text();
    expect(admin).toContain('data-report="audit"');
    const sup = await (await t.page(SUPER_ADMIN, '/reporting')).text();
    expect(sup).toContain('<option value="all" selected="">All processes (with a Process column)</option>');
    expect(sup).toContain('<option value="ignite">Ignite</option>');
  });

  it('sends the file as an attachment through a real form submission (same origin, GET, no state change)', async () => {
    const res = await t.request('/reporting/incidents.csv?from=2026-03-10&to=2026-03-12&tz=Africa%2FJohannesburg', {
      headers: { cookie: await t.cookie(momo.manager), origin: BASE, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="d2c-ops-incidents-/);
    expect((await csvRecords(res)).records).toHaveLength(2);
  });

  it('hands the export button\'s token back in a cookie the page reads, only a plain token and only on the page route', async () => {
    const cookie = await t.cookie(momo.manager);
    const get = (path: string) => t.request(path, { headers: { cookie } });
    const pdf = await get('/reporting/incidents.pdf?from=2026-03-10&to=2026-03-12&download_token=k3j9x0abc123');
    expect(pdf.status).toBe(200);
    const set = pdf.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^d2c_download=k3j9x0abc123; Max-Age=120; Path=\//);
    expect(set).not.toMatch(/HttpOnly/i);
    // Anything but 8-40 letters and digits is ignored: the file still comes, without the cookie.
    for (const bad of ['%3Cscript%3E12345678', 'short', 'a'.repeat(41), 'abc%3Bdomain%3Devil.example']) {
      const res = await get(`/reporting/incidents.csv?from=2026-03-10&to=2026-03-12&download_token=${bad}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      await res.arrayBuffer();
    }
    const api = await t.api(momo.manager, 'GET', '/reports/incidents.csv?from=2026-03-10&to=2026-03-12&download_token=k3j9x0abc123');
    expect(api.status).toBe(200);
    expect(api.headers.get('set-cookie')).toBeNull();
    await api.arrayBuffer();
  });
});
