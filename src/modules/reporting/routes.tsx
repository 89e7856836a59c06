import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { ReportingPage, type CardKey, type CardValues } from '../../../views/reporting/ReportingPage.js';
import { SlaPanel } from '../../../views/reporting/SlaPanel.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { DomainError, forbidden, notFound } from '../../errors.js';
import { iso } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { isHtmx, renderPage, shellProps } from '../../http/render.js';
import { can } from '../../roles.js';
import { crossesProcesses, processFilter, type Actor } from '../../tenancy.js';
import { formatInZone } from '../../time.js';
import { csvLine, csvStream } from './csv.js';
import { actorForProcess, defaultZone, parseRange, type DateRange } from './range.js';
import { slaReport, type SlaGroup, type SlaReport } from './sla.js';
import { columnsFor, pdfCell, pdfColumns, REPORTS, type ReportDef, type ReportKey } from './sources.js';

/**
 * Reporting (manager+; the audit export admin+): CSV and PDF of incidents, downtime and the audit
 * log over a date range, and the SLA report. Pages download from /reporting/<report>.<csv|pdf>, the
 * API from /api/v1/reports/<report>.<csv|pdf>; both run the same code.
 */

/** Without dates, a report covers the last 30 days. */
const DEFAULT_DAYS = 30;
/** A PDF holds at most this many rows (the CSV has them all). */
export const PDF_MAX_ROWS = 20_000;

type Format = 'csv' | 'pdf';
type Kind = ReportKey | 'sla';

function parseFile(file: string): { kind: Kind; format: Format } {
  const m = /^(incidents|downtime|audit|sla)\.(csv|pdf)$/.exec(file);
  if (!m) throw notFound('Report');
  return { kind: m[1] as Kind, format: m[2] as Format };
}

interface Request {
  actor: Actor;
  range: DateRange & { start: Date; end: Date };
  scopeLabel: string;
  slug: string | null;
}

/** The actor (process chosen by a super_admin), the range and what the report covers; 422 on bad input. */
async function readRequest(c: Ctx): Promise<Request> {
  const { db, clock } = c.get('deps');
  const q = c.req.query();
  const actor = await actorForProcess(db, actorOf(c), q.process);
  const range = parseRange({ from: q.from, to: q.to, tz: q.tz }, { tz: await defaultZone(db, actor), now: clock(), defaultDays: DEFAULT_DAYS });
  const pid = processFilter(actor);
  const p = pid === null ? null : await db.selectFrom('processes').select(['name', 'slug']).where('id', '=', pid).executeTakeFirst();
  return { actor, range: range as Request['range'], scopeLabel: p ? p.name : 'All processes', slug: p?.slug ?? null };
}

function fileName(kind: Kind, req: Request, format: Format): string {
  return `d2c-ops-${kind}-${req.range.from}-to-${req.range.to}${req.slug ? `-${req.slug}` : ''}.${format}`;
}

function downloadHeaders(name: string, type: string): Record<string, string> {
  return {
    'Content-Type': type,
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
  };
}

const SLA_HEADER = ['Group', 'Name', 'Incidents Opened', 'Acknowledged', 'MTTA Minutes', 'Resolved', 'MTTR Minutes',
  'Resolved Within Target', 'Within Target Percent', 'Unresolved'];

function slaCells(group: string, g: SlaGroup) {
  return [group, g.label, g.opened, g.acknowledged, g.mtta_minutes, g.resolved, g.mttr_minutes, g.resolved_within_target,
    g.within_target_pct, g.unresolved];
}

function slaRows(r: SlaReport) {
  return [
    slaCells('total', r.total),
    ...r.by_severity.map((g) => slaCells('severity', g)),
    ...r.by_process.map((g) => slaCells('process', g)),
  ];
}

/** pdf-lib and fontkit (~40 MB resident) load with the first PDF, not with the server. */
const loadPdf = () => import('./pdf.js');

async function download(c: Ctx, kind: Kind, format: Format): Promise<Response> {
  const { db, clock, log } = c.get('deps');
  if (kind === 'audit' && !can(actorOf(c).role, 'reporting.export_audit')) throw forbidden('Only admins can export the audit log.');
  const req = await readRequest(c);
  const { actor, range } = req;
  const now = clock();

  if (kind === 'sla') {
    const report = await slaReport(db, actor, range);
    if (format === 'csv') {
      const body = '\uFEFF' + csvLine(SLA_HEADER) + slaRows(report).map(csvLine).join('');
      return c.body(body, 200, downloadHeaders(fileName(kind, req, format), 'text/csv; charset=utf-8'));
    }
    const { PdfReport } = await loadPdf();
    const pdf = await PdfReport.create({
      title: 'SLA Report',
      intro: introLines(req, now, `Incidents opened ${range.from} to ${range.to}`, `${report.total.opened} incidents`),
      columns: [
        { header: 'Group', width: 9 }, { header: 'Name', width: 18 }, { header: 'Opened', width: 7, align: 'right' },
        { header: 'Acknowledged', width: 9, align: 'right' }, { header: 'MTTA (min)', width: 8, align: 'right' },
        { header: 'Resolved', width: 7, align: 'right' }, { header: 'MTTR (min)', width: 8, align: 'right' },
        { header: 'Within target', width: 9, align: 'right' }, { header: 'Within target %', width: 9, align: 'right' },
        { header: 'Unresolved', width: 8, align: 'right' },
      ],
    }, { now, author: actor.name });
    for (const row of slaRows(report)) pdf.addRow(row.map((v) => (v === null ? '—' : String(v))));
    return c.body(await pdf.finish() as Uint8Array<ArrayBuffer>, 200, downloadHeaders(fileName(kind, req, format), 'application/pdf'));
  }

  // The three reports differ only in their row type; the code below treats rows opaquely.
  const def = REPORTS[kind] as ReportDef<any>;
  if (format === 'csv') {
    const cols = columnsFor(def, actor, 'csv');
    const stream = csvStream(
      cols.map((col) => col.header),
      cols.map((col) => col.csv!),
      def.batches(db, actor, range),
      (e) => log.error('report export failed', { report: kind, error: (e as Error).stack ?? String(e) }),
    );
    return c.body(stream, 200, downloadHeaders(fileName(kind, req, format), 'text/csv; charset=utf-8'));
  }

  const cols = columnsFor(def, actor, 'pdf');
  const total = await def.count(db, actor, range);
  const noun = { incidents: 'incidents', downtime: 'downtime events', audit: 'audit entries' }[kind];
  const intro = introLines(req, now, `${def.rangeLabel} ${range.from} to ${range.to}`, `${total.toLocaleString('en-US')} ${noun}`);
  if (total > PDF_MAX_ROWS) intro.push(`Showing the first ${PDF_MAX_ROWS.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}: export CSV for all of them, or choose a shorter range.`);
  const { PdfReport } = await loadPdf();
  const pdf = await PdfReport.create({ title: def.title, intro, columns: pdfColumns(cols) }, { now, author: actor.name });
  let n = 0;
  outer: for await (const batch of def.batches(db, actor, range)) {
    for (const r of batch) {
      if (n >= PDF_MAX_ROWS) break outer;
      pdf.addRow(cols.map((col) => pdfCell(col, r, range.tz)));
      n += 1;
    }
  }
  if (n === 0) pdf.addNote(`No ${noun} in this range.`);
  return c.body(await pdf.finish() as Uint8Array<ArrayBuffer>, 200, downloadHeaders(fileName(kind, req, format), 'application/pdf'));
}

function introLines(req: Request, now: Date, filter: string, count: string): string[] {
  return [
    `Generated: ${formatInZone(now, req.range.tz)} (${req.range.tz}) by ${req.actor.name}`,
    `Filter: ${filter} · ${req.scopeLabel} · ${count}`,
    `Times are shown in ${req.range.tz}.`,
  ];
}

/* ---------------------------------------------------------------- pages */

async function pageProps(c: Ctx, over: { values?: Partial<Record<CardKey, CardValues>>; errors?: { card: CardKey; fields: Record<string, string> } } = {}) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const tz = await defaultZone(db, actor);
  const range = parseRange({}, { tz, now: clock(), defaultDays: DEFAULT_DAYS });
  const processes = actor.role === 'super_admin'
    ? await db.selectFrom('processes').select(['slug', 'name']).orderBy('name').execute()
    : undefined;
  const viewing = actor.role === 'super_admin' && actor.viewProcessId !== null
    ? (await db.selectFrom('processes').select('slug').where('id', '=', actor.viewProcessId).executeTakeFirst())?.slug ?? 'all'
    : 'all';
  const base: CardValues = { from: range.from!, to: range.to!, process: viewing };
  const values: Record<CardKey, CardValues> = { incidents: base, downtime: base, audit: base, sla: base, ...over.values };
  return { actor, tz, processes, values, errors: over.errors };
}

function cardValues(c: Ctx): CardValues {
  return { from: c.req.query('from') ?? '', to: c.req.query('to') ?? '', process: c.req.query('process') ?? 'all' };
}

async function slaPanel(c: Ctx) {
  const req = await readRequest(c);
  const report = await slaReport(c.get('deps').db, req.actor, req.range);
  const rangeText = `${req.range.from} to ${req.range.to} (${req.range.tz}) · ${req.scopeLabel}`;
  return { req, node: <SlaPanel report={report} rangeText={rangeText} /> };
}

export const reportingPages = new Hono<AppEnv>();
reportingPages.use('/reporting', requireAuth, requirePermission('reporting.view'));
reportingPages.use('/reporting/*', requireAuth, requirePermission('reporting.view'));

reportingPages.get('/reporting', async (c) => {
  const props = await pageProps(c);
  const { node } = await slaPanel(c);
  return renderPage(c, <ReportingPage shell={await shellProps(c, 'Reporting & Export')} {...props} sla={node} />);
});

reportingPages.get('/reporting/sla', async (c) => {
  try {
    const { req, node } = await slaPanel(c);
    if (isHtmx(c)) return c.html(node);
    const values = { from: req.range.from!, to: req.range.to!, process: c.req.query('process') ?? 'all' };
    const props = await pageProps(c, { values: { sla: values } });
    return renderPage(c, <ReportingPage shell={await shellProps(c, 'Reporting & Export')} {...props} sla={node} />);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    const fields = err.fields ?? {};
    if (isHtmx(c)) {
      return c.html(
        <div id="sla-panel" data-testid="sla-panel">
          <p class="rounded-md bg-danger/10 px-3 py-2 text-sm text-danger" role="alert" data-form-error>{Object.values(fields).join(' ') || err.message}</p>
        </div>,
        422,
      );
    }
    return failedPage(c, 'sla', fields);
  }
});

async function failedPage(c: Ctx, card: CardKey, fields: Record<string, string>) {
  const props = await pageProps(c, { values: { [card]: cardValues(c) }, errors: { card, fields } });
  const sla = <div id="sla-panel" data-testid="sla-panel"></div>;
  return renderPage(c, <ReportingPage shell={await shellProps(c, 'Reporting & Export')} {...props} sla={sla} />, 422);
}

/**
 * The page's export buttons send a token (public/app.js): the answer carries it back in a cookie the
 * page can read, so the button says "Preparing…" until the file starts to arrive.
 */
function markDownloadStarted(c: Ctx): void {
  const token = c.req.query('download_token');
  if (!token || !/^[A-Za-z0-9]{8,40}$/.test(token)) return;
  setCookie(c, 'd2c_download', token, { path: '/', sameSite: 'Lax', maxAge: 120, secure: c.get('deps').config.env === 'production' });
}

reportingPages.get('/reporting/:file', async (c) => {
  const { kind, format } = parseFile(c.req.param('file'));
  markDownloadStarted(c);
  try {
    return await download(c, kind, format);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    return failedPage(c, kind, err.fields ?? {});
  }
});

/* ---------------------------------------------------------------- API */

export const reportingApi = new Hono<AppEnv>();
reportingApi.use('/reports/*', requireAuth, requirePermission('reporting.view'));

reportingApi.get('/reports/sla', async (c) => {
  const req = await readRequest(c);
  const report = await slaReport(c.get('deps').db, req.actor, req.range);
  return c.json({
    from: req.range.from, to: req.range.to, tz: req.range.tz,
    start: iso(req.range.start), end: iso(req.range.end),
    process: crossesProcesses(req.actor) ? null : req.slug,
    ...report,
  });
});

reportingApi.get('/reports/:file', async (c) => {
  const { kind, format } = parseFile(c.req.param('file'));
  return download(c, kind, format);
});
