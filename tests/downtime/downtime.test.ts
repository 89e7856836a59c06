import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The server runs in a zone far from the users' (UTC+2): durations and instants must not care.
// Hoisted above the imports so nothing reads the zone before it is set.
vi.hoisted(() => {
  process.env.TZ = 'America/New_York';
});

import { sql } from 'kysely';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface DowntimeJson {
  id: number;
  process_id: number;
  incident_id: number | null;
  started_at: string;
  ended_at: string | null;
  services_affected: string[];
  impact_level: string;
  notes: string | null;
  status: 'ongoing' | 'ended';
  duration_minutes: number;
  duration_text: string;
  incident_title: string | null;
}

interface ListJson {
  items: DowntimeJson[];
  next_cursor: string | null;
}

interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'downtime_events' | 'audit_log' | 'email_outbox' | 'activity_log' | 'incident_events' | 'incidents';

async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** The stored rows that a rejected request must not have added to. */
async function footprint(t: TestApp) {
  return Promise.all((['downtime_events', 'audit_log', 'email_outbox', 'activity_log'] as const).map((table) => count(t, table)));
}

const base = (over: Record<string, unknown> = {}) => ({
  started_at: '2026-05-09T07:30:00Z',
  services_affected: ['Payment Gateway', 'Checkout API'],
  impact_level: 'medium',
  ...over,
});

/** The <tr> of one downtime event in a page's HTML. */
function rowHtml(html: string, id: number): string {
  const m = new RegExp(`<tr id="downtime-${id}"[\\s\\S]*?</tr>`).exec(html);
  if (!m) throw new Error(`row ${id} not in the page`);
  return m[0];
}

/** The text of the duration cell of a row: "2h 0m". */
function durationIn(row: string): string {
  const m = /data-testid="duration"[^>]*>([^<]*)</.exec(row);
  if (!m) throw new Error('no duration cell');
  return m[1];
}

/** Posts a page form as the browser would (session cookie, same origin). */
async function postForm(t: TestApp, email: string, path: string, fields: Record<string, string>, htmx = false): Promise<Response> {
  const headers: Record<string, string> = {
    cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded',
  };
  if (htmx) headers['hx-request'] = 'true';
  return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
}

describe.each(DIALECTS)('downtime on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  it('runs with the server in New York', () => {
    expect(new Date('2026-05-09T12:00:00Z').getTimezoneOffset()).toBe(240);
  });

  it('an operator logs downtime: 201, the record, audit and activity, and Downtime Reported to exactly the managers and admins', async () => {
    const res = await t.api(momo.operator, 'POST', '/downtime', base({ notes: 'Vendor DNS issue', process_id: igniteId }));
    expect(res.status).toBe(201);
    const d = await json<DowntimeJson>(res);
    expect(d).toMatchObject({
      process_id: momoId, incident_id: null, started_at: '2026-05-09T07:30:00.000Z', ended_at: null,
      services_affected: ['Payment Gateway', 'Checkout API'], impact_level: 'medium', notes: 'Vendor DNS issue',
      status: 'ongoing', duration_minutes: 30, duration_text: '30m',
    });
    const stored = await t.db.selectFrom('downtime_events').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.services_affected)).toEqual(['Payment Gateway', 'Checkout API']);
    expect(stored.started_at.toISOString()).toBe('2026-05-09T07:30:00.000Z');
    const again = await json<DowntimeJson>(await t.api(momo.viewer, 'GET', `/downtime/${d.id}`));
    expect(again.services_affected).toEqual(['Payment Gateway', 'Checkout API']);

    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'downtime.create').where('entity_type', '=', 'downtime').where('entity_id', '=', d.id))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'downtime').where('entity_id', '=', d.id).where('action', '=', 'create'))).toBe(1);

    const expected = (await t.db.selectFrom('users').select('email').where('process_id', '=', momoId)
      .where('is_active', '=', true).where('role', 'in', ['manager', 'admin']).execute()).map((u) => u.email).sort();
    expect(expected).toEqual(expect.arrayContaining([momo.manager, momo.admin]));
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text', 'template', 'status'])
      .where('entity_type', '=', 'downtime').where('entity_id', '=', d.id).execute();
    expect(mails.map((m) => m.to_address).sort()).toEqual(expected);
    expect(mails.every((m) => m.template === 'downtime.reported' && m.status === 'queued')).toBe(true);
    for (const who of [momo.operator, momo.viewer, momo.client]) expect(mails.map((m) => m.to_address)).not.toContain(who);
    expect(mails[0].subject).toBe('Downtime reported: Payment Gateway, Checkout API (medium impact)');
    expect(mails[0].text).toContain('Vendor DNS issue');
  });

  it('ending it answers 200 and sends Downtime Resolved with the duration; ending twice is 409', async () => {
    const d = await json<DowntimeJson>(await t.api(momo.operator, 'POST', '/downtime', base({ started_at: '2026-05-09T06:15:00Z', impact_level: 'high' })));
    const res = await t.api(momo.manager, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T07:52:00Z' });
    expect(res.status).toBe(200);
    const ended = await json<DowntimeJson>(res);
    expect(ended).toMatchObject({ id: d.id, status: 'ended', ended_at: '2026-05-09T07:52:00.000Z', duration_minutes: 97, duration_text: '1h 37m' });
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'downtime.end').where('entity_id', '=', d.id))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'downtime').where('entity_id', '=', d.id).where('action', '=', 'end'))).toBe(1);
    const resolved = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text'])
      .where('entity_id', '=', d.id).where('template', '=', 'downtime.resolved').execute();
    const reported = await count(t, 'email_outbox', (q) => q.where('entity_id', '=', d.id).where('template', '=', 'downtime.reported'));
    expect(resolved.length).toBe(reported);
    expect(resolved.length).toBeGreaterThan(1);
    expect(resolved[0].subject).toBe('Downtime resolved: Payment Gateway, Checkout API after 1h 37m');
    expect(resolved[0].text).toContain('1h 37m');

    const outbox = await count(t, 'email_outbox');
    const twice = await t.api(momo.manager, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T07:55:00Z' });
    expect(twice.status).toBe(409);
    expect((await json<ErrorJson>(twice)).error.code).toBe('conflict');
    expect(await count(t, 'email_outbox')).toBe(outbox);
    const row = await t.db.selectFrom('downtime_events').select('ended_at').where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(row.ended_at!.toISOString()).toBe('2026-05-09T07:52:00.000Z');
  });

  it('refuses an end before the start (422), an end in the future (422) and a missing end (422)', async () => {
    const d = await json<DowntimeJson>(await t.api(momo.operator, 'POST', '/downtime', base({ started_at: '2026-05-09T07:00:00Z' })));
    const before = await footprint(t);
    for (const body of [{ ended_at: '2026-05-09T06:59:00Z' }, { ended_at: '2026-05-09T08:06:00Z' }, {}, { ended_at: 'yesterday' }]) {
      const res = await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, body);
      expect(res.status).toBe(422);
      const err = await json<ErrorJson>(res);
      expect(err.error.code).toBe('validation_failed');
      expect(err.error.fields?.ended_at).toBeTruthy();
    }
    expect((await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, '{"ended_at":')).status).toBe(400);
    expect(await footprint(t)).toEqual(before);
    const row = await t.db.selectFrom('downtime_events').select('ended_at').where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(row.ended_at).toBeNull();
    // Ending exactly at the start is allowed: zero minutes, never negative.
    const zero = await json<DowntimeJson>(await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T09:00:00+02:00' }));
    expect(zero.duration_text).toBe('0m');
  });

  it.each([
    ['no started_at', { services_affected: ['API'], impact_level: 'low' }, 422, 'started_at'],
    ['a started_at without a zone', base({ started_at: '2026-05-09T07:00:00' }), 422, 'started_at'],
    ['a started_at 6 minutes ahead', base({ started_at: '2026-05-09T08:06:00Z' }), 422, 'started_at'],
    ['a started_at on 30 February (not rolled over to March)', base({ started_at: '2026-02-30T07:00:00Z' }), 422, 'started_at'],
    ['a started_at in the year 1 (MariaDB stored 2001)', base({ started_at: '0001-01-01T07:00:00Z' }), 422, 'started_at'],
    ['impact "severe"', base({ impact_level: 'severe' }), 422, 'impact_level'],
    ['no impact', base({ impact_level: undefined }), 422, 'impact_level'],
    ['no services', base({ services_affected: [] }), 422, 'services_affected'],
    ['services as a string', base({ services_affected: 'Payment Gateway' }), 422, 'services_affected'],
    ['a blank service', base({ services_affected: ['API', '  '] }), 422, 'services_affected'],
    ['a service that is a number', base({ services_affected: [42] }), 422, 'services_affected'],
    ['a 101-character service', base({ services_affected: ['s'.repeat(101)] }), 422, 'services_affected'],
    ['21 services', base({ services_affected: Array.from({ length: 21 }, (_, i) => `Service ${i}`) }), 422, 'services_affected'],
    ['6 kB of notes', base({ notes: 'n'.repeat(6_000) }), 422, 'notes'],
    ['an unknown incident', base({ incident_id: 999_999 }), 422, 'incident_id'],
    ['an incident id that is not a number', base({ incident_id: 'abc' }), 422, 'incident_id'],
    ['malformed JSON', '{"started_at":', 400, null],
    ['a JSON array', '[1,2]', 400, null],
  ])('logging with %s answers %i and stores nothing', async (_name, body, status, field) => {
    const before = await footprint(t);
    const res = await t.api(momo.operator, 'POST', '/downtime', body);
    expect(res.status).toBe(status);
    const err = await json<ErrorJson>(res);
    expect(err.error.code).toBe(status === 400 ? 'bad_request' : 'validation_failed');
    if (field) expect(err.error.fields?.[field]).toBeTruthy();
    expect(await footprint(t)).toEqual(before);
  });

  it('links an incident of the same process the actor can see, and refuses one of another process', async () => {
    const igniteIncident = await t.db.selectFrom('incidents').select('id').where('process_id', '=', igniteId).executeTakeFirstOrThrow();
    const before = await footprint(t);
    const cross = await t.api(momo.operator, 'POST', '/downtime', base({ incident_id: igniteIncident.id }));
    expect(cross.status).toBe(422);
    expect((await json<ErrorJson>(cross)).error.fields?.incident_id).toBeTruthy();
    expect(await footprint(t)).toEqual(before);
    // The super admin sees every incident, but a Momo event still cannot point at an Ignite incident.
    const superCross = await t.api(SUPER_ADMIN, 'POST', '/downtime', base({ incident_id: igniteIncident.id, process_id: momoId }));
    expect(superCross.status).toBe(422);

    const inc = await json<{ id: number }>(await t.api(momo.operator, 'POST', '/incidents', { title: 'USSD gateway down', severity: 1 }));
    const linked = await t.api(momo.operator, 'POST', '/downtime', base({ incident_id: inc.id, services_affected: ['USSD Gateway'] }));
    expect(linked.status).toBe(201);
    const d = await json<DowntimeJson>(linked);
    expect(d).toMatchObject({ incident_id: inc.id, incident_title: 'USSD gateway down' });
    expect(await count(t, 'incident_events', (q) => q.where('incident_id', '=', inc.id).where('kind', '=', 'downtime'))).toBe(1);
    const html = await (await t.page(momo.viewer, '/downtime')).text();
    expect(rowHtml(html, d.id)).toContain('USSD gateway down');
  });

  it.each([
    ['viewer', momo.viewer, false],
    ['client', momo.client, false],
    ['operator', momo.operator, true],
    ['manager', momo.manager, true],
    ['admin', momo.admin, true],
  ])('a %s: reads the list and the page; logs and ends only from operator up', async (role, email, may) => {
    expect((await t.api(email, 'GET', '/downtime')).status).toBe(200);
    const pageRes = await t.page(email, '/downtime');
    expect(pageRes.status).toBe(200);
    const html = await pageRes.text();
    expect(html.includes('data-testid="log-downtime"')).toBe(may);
    expect(html.includes('data-action="end"')).toBe(may);
    expect((await t.page(email, '/downtime/new')).status).toBe(may ? 200 : 403);

    const created = await t.api(email, 'POST', '/downtime', base({ services_affected: [`By ${role}`] }));
    expect(created.status).toBe(may ? 201 : 403);
    const ongoing = await t.db.selectFrom('downtime_events').select('id').where('process_id', '=', momoId)
      .where('ended_at', 'is', null).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const end = await t.api(email, 'PATCH', `/downtime/${ongoing.id}`, { ended_at: '2026-05-09T07:59:00Z' });
    expect(end.status).toBe(may ? 200 : 403);
    if (!may) {
      expect((await json<ErrorJson>(end)).error.code).toBe('forbidden');
      const pageEnd = await postForm(t, email, `/downtime/${ongoing.id}/end`, {});
      expect(pageEnd.status).toBe(403);
      const row = await t.db.selectFrom('downtime_events').select('ended_at').where('id', '=', ongoing.id).executeTakeFirstOrThrow();
      expect(row.ended_at).toBeNull();
    }
  });

  it('a user of another process gets 404 and never sees Momo downtime; the super admin must name the process', async () => {
    const d = await json<DowntimeJson>(await t.api(momo.operator, 'POST', '/downtime', base({ services_affected: ['Momo private'] })));
    expect((await t.api(ignite.admin, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T07:45:00Z' })).status).toBe(404);
    expect((await t.api(ignite.operator, 'GET', `/downtime/${d.id}`)).status).toBe(404);
    expect((await postForm(t, ignite.operator, `/downtime/${d.id}/end`, {})).status).toBe(404);
    const list = await json<ListJson>(await t.api(ignite.admin, 'GET', '/downtime?limit=200'));
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((i) => i.process_id === igniteId)).toBe(true);
    expect((await (await t.page(ignite.admin, '/downtime')).text())).not.toContain('Momo private');
    const row = await t.db.selectFrom('downtime_events').select('ended_at').where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(row.ended_at).toBeNull();

    expect((await t.api(SUPER_ADMIN, 'GET', `/downtime/${d.id}`)).status).toBe(200);
    const nowhere = await t.api(SUPER_ADMIN, 'POST', '/downtime', base());
    expect(nowhere.status).toBe(422);
    expect((await json<ErrorJson>(nowhere)).error.fields?.process_id).toBeTruthy();
    const forIgnite = await t.api(SUPER_ADMIN, 'POST', '/downtime', base({ process_id: igniteId }));
    expect(forIgnite.status).toBe(201);
    expect((await json<DowntimeJson>(forIgnite)).process_id).toBe(igniteId);
  });

  it('filters by ?status= and pages with a cursor without repeats', async () => {
    const ongoing = await json<ListJson>(await t.api(momo.viewer, 'GET', '/downtime?status=ongoing&limit=200'));
    expect(ongoing.items.length).toBeGreaterThan(0);
    expect(ongoing.items.every((i) => i.status === 'ongoing' && i.ended_at === null)).toBe(true);
    const ended = await json<ListJson>(await t.api(momo.viewer, 'GET', '/downtime?status=ended&limit=200'));
    expect(ended.items.length).toBeGreaterThan(0);
    expect(ended.items.every((i) => i.status === 'ended' && i.ended_at !== null && i.duration_minutes >= 0)).toBe(true);
    const total = await count(t, 'downtime_events', (q) => q.where('process_id', '=', momoId));
    expect(ongoing.items.length + ended.items.length).toBe(total);
    expect((await t.api(momo.viewer, 'GET', '/downtime?status=bogus')).status).toBe(400);
    expect((await t.api(momo.viewer, 'GET', '/downtime?cursor=zzz')).status).toBe(400);
    expect((await t.api(momo.viewer, 'GET', '/downtime?limit=x')).status).toBe(400);
    expect((await t.api(momo.viewer, 'GET', '/downtime/abc')).status).toBe(404);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/downtime?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const p: ListJson = await json(await t.api(momo.viewer, 'GET', path));
      expect(p.items.length).toBeLessThanOrEqual(2);
      seen.push(...p.items.map((i) => `${i.started_at}|${i.id}`));
      cursor = p.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // Newest start first.
    expect([...seen].sort().reverse()).toEqual(seen);

    const html = await (await t.page(momo.viewer, '/downtime?status=ended')).text();
    expect(html).not.toContain('data-status="ongoing"');
    expect(html).toContain('data-status="ended"');
  });

  it('shows HTML in services and notes escaped', async () => {
    const d = await json<DowntimeJson>(await t.api(momo.operator, 'POST', '/downtime', base({ services_affected: ['<img src=x onerror=alert(1)>'], notes: '<script>x()</script>' })));
    const html = rowHtml(await (await t.page(momo.operator, '/downtime')).text(), d.id);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>x()');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('A downtime event started 06:26 local time in UTC+2 and ended two hours later shows 2h 0m, with the server in New York', async () => {
    // Through the API, with explicit offsets.
    const created = await t.api(momo.operator, 'POST', '/downtime', base({ started_at: '2026-05-09T06:26:00+02:00', services_affected: ['Payment Gateway'] }));
    expect(created.status).toBe(201);
    const d = await json<DowntimeJson>(created);
    expect(d.started_at).toBe('2026-05-09T04:26:00.000Z');
    const ended = await json<DowntimeJson>(await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T08:26:00+02:00' }));
    expect(ended.ended_at).toBe('2026-05-09T06:26:00.000Z');
    expect(ended.duration_minutes).toBe(120);
    expect(ended.duration_text).toBe('2h 0m');
    const listed = (await json<ListJson>(await t.api(momo.viewer, 'GET', '/downtime?status=ended&limit=200'))).items.find((i) => i.id === d.id)!;
    expect(listed).toMatchObject({ started_at: '2026-05-09T04:26:00.000Z', ended_at: '2026-05-09T06:26:00.000Z', duration_text: '2h 0m' });
    const stored = await t.db.selectFrom('downtime_events').select(['started_at', 'ended_at']).where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(stored.ended_at!.getTime() - stored.started_at.getTime()).toBe(2 * 3_600_000);
    const mail = await t.db.selectFrom('email_outbox').select(['subject', 'text']).where('entity_id', '=', d.id).where('template', '=', 'downtime.resolved').executeTakeFirstOrThrow();
    expect(mail.subject).toContain('after 2h 0m');
    expect(mail.text).toContain('06:26');

    const page = await (await t.page(momo.viewer, '/downtime')).text();
    const row = rowHtml(page, d.id);
    expect(durationIn(row)).toBe('2h 0m');
    expect(row).toContain('9 May 2026, 06:26');
    expect(row).toContain('datetime="2026-05-09T04:26:00.000Z"');
    // No duration on the page is ever negative.
    for (const m of page.matchAll(/data-testid="duration"[^>]*>([^<]*)</g)) expect(m[1]).not.toContain('-');

    // Through the page form: a datetime-local value and the browser's offset (Johannesburg: -120).
    await t.cookie(momo.operator);
    const viaForm = await postForm(t, momo.operator, '/downtime', {
      started_at_local: '2026-05-09T06:26', tz_offset: '-120', services_affected: 'Checkout API, , USSD Gateway ',
      impact_level: 'high', incident_id: '', notes: '',
    });
    expect(viaForm.status).toBe(302);
    const formRow = await t.db.selectFrom('downtime_events').selectAll().where('process_id', '=', momoId).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(formRow.started_at.toISOString()).toBe('2026-05-09T04:26:00.000Z');
    expect(JSON.parse(formRow.services_affected)).toEqual(['Checkout API', 'USSD Gateway']);
    expect(formRow.impact_level).toBe('high');
    expect(formRow.ended_at).toBeNull();

    // Without the browser's offset the process's zone (Africa/Johannesburg) decides, never the server's.
    const fallback = await postForm(t, momo.operator, '/downtime', {
      started_at_local: '2026-05-09T06:26', services_affected: 'Fallback', impact_level: 'low',
    }, true);
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get('hx-retarget')).toBe('#modal');
    expect(JSON.parse(fallback.headers.get('hx-trigger')!)).toMatchObject({ 'downtime:changed': true });
    const fallbackRow = await t.db.selectFrom('downtime_events').select('started_at').where('process_id', '=', momoId).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(fallbackRow.started_at.toISOString()).toBe('2026-05-09T04:26:00.000Z');

    // The End button, two hours after the start: the row re-renders with 2h 0m.
    const saved = t.clock.now();
    t.clock.set('2026-05-09T06:26:00.000Z');
    try {
      const end = await postForm(t, momo.operator, `/downtime/${formRow.id}/end`, {}, true);
      expect(end.status).toBe(200);
      expect(JSON.parse(end.headers.get('hx-trigger')!)).toMatchObject({ toast: { message: 'Downtime ended' }, 'downtime:ended': true });
      const endRow = await end.text();
      expect(endRow.startsWith(`<tr id="downtime-${formRow.id}"`)).toBe(true);
      expect(durationIn(endRow)).toBe('2h 0m');
      expect(endRow).toContain('Ended');
      expect(endRow).not.toContain('data-action="end"');
      const again = await postForm(t, momo.operator, `/downtime/${formRow.id}/end`, {}, true);
      expect(again.status).toBe(409);
      expect(JSON.parse(again.headers.get('hx-trigger')!).toast.kind).toBe('error');
    } finally {
      t.clock.set(saved);
    }
    const after = await (await t.page(momo.viewer, '/downtime')).text();
    expect(durationIn(rowHtml(after, formRow.id))).toBe('2h 0m');
    const resolved = await t.db.selectFrom('email_outbox').select('subject').where('entity_id', '=', formRow.id).where('template', '=', 'downtime.resolved').executeTakeFirstOrThrow();
    expect(resolved.subject).toBe('Downtime resolved: Checkout API, USSD Gateway after 2h 0m');
  });

  it('renders ongoing durations live, the form with its defaults, and form errors with 422', async () => {
    const d = await json<DowntimeJson>(await t.api(momo.operator, 'POST', '/downtime', base({ started_at: '2026-05-09T05:45:00Z', impact_level: 'low' })));
    const row = rowHtml(await (await t.page(momo.operator, '/downtime')).text(), d.id);
    expect(row).toContain('data-duration-since="2026-05-09T05:45:00.000Z"');
    expect(durationIn(row)).toBe('2h 15m');
    expect(row).toContain('Standalone');
    // The confirmation (and the button's name, one End per ongoing row) says which outage ends.
    expect(row).toContain('hx-confirm="End the downtime of Payment Gateway, Checkout API now? Managers and admins are emailed that service is back."');
    expect(row).toContain('aria-label="End the downtime of Payment Gateway, Checkout API"');

    const ongoing = await count(t, 'downtime_events', (q) => q.where('process_id', '=', momoId).where('ended_at', 'is', null));
    const pill = await (await t.page(momo.viewer, '/downtime/ongoing-count')).text();
    expect(pill).toContain(`${ongoing} ongoing`);

    const form = await (await t.page(momo.operator, '/downtime/new')).text();
    expect(form).toContain('type="datetime-local"');
    expect(form).toContain('name="tz_offset"');
    expect(form).toContain('value="2026-05-09T10:00"'); // 08:00Z in Johannesburg

    const before = await footprint(t);
    const bad = await postForm(t, momo.operator, '/downtime', { started_at_local: '', services_affected: ' , ', impact_level: 'severe' }, true);
    expect(bad.status).toBe(422);
    const html = await bad.text();
    for (const f of ['started_at_local', 'services_affected', 'impact_level']) expect(html).toContain(`id="${f}-error"`);
    expect(await footprint(t)).toEqual(before);
  });
});
