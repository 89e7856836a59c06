import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface HandoverJson {
  id: number;
  process_id: number;
  shift: string;
  handover_time: string;
  submitted_by: number;
  submitter_name: string;
  recipient_id: number;
  recipient_name: string;
  open_incidents: string | null;
  actions_taken: string | null;
  notes: string | null;
  created_at: string;
  acknowledged: boolean;
  acknowledged_at: string | null;
}

interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'handovers' | 'audit_log' | 'activity_log' | 'email_outbox';

async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function snapshot(t: TestApp) {
  return Promise.all((['handovers', 'audit_log', 'activity_log', 'email_outbox'] as Table[]).map((tb) => count(t, tb)));
}

async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function mails(t: TestApp, handoverId: number, template?: string) {
  let q = t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text', 'html', 'template', 'status'])
    .where('entity_type', '=', 'handover').where('entity_id', '=', handoverId);
  if (template) q = q.where('template', '=', template);
  return q.orderBy('id').execute();
}

describe.each(DIALECTS)('shift handovers on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let managerId: number;
  let operatorId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    managerId = await userId(t, momo.manager);
    operatorId = await userId(t, momo.operator);
  });
  afterAll(async () => t?.close());

  const body = (over: Record<string, unknown> = {}) => ({
    shift: 'Night Shift',
    handover_time: '2026-05-09T04:00:00Z',
    recipient_id: managerId,
    open_incidents: '- Payment gateway timeouts (Sev 1, open)',
    actions_taken: 'Restarted the settlement worker.',
    notes: 'Watch the 504 rate.',
    ...over,
  });
  const submit = async (email: string, b: Record<string, unknown>) => t.api(email, 'POST', '/handovers', b);
  const ack = async (email: string, id: number, b: unknown = { acknowledged: true }) => t.api(email, 'PATCH', `/handovers/${id}`, b);

  async function post(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = {
      cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded',
    };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  async function get(email: string, path: string, hx?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hx });
    return t.request(path, { headers });
  }

  it('an operator hands over to the manager: 201, audit and activity, Handover Submitted to the recipient only', async () => {
    const res = await submit(momo.operator, body());
    expect(res.status).toBe(201);
    const h = await json<HandoverJson>(res);
    expect(h).toMatchObject({
      process_id: momoId, shift: 'Night Shift', handover_time: '2026-05-09T04:00:00.000Z', submitted_by: operatorId,
      submitter_name: 'Momo Operator', recipient_id: managerId, recipient_name: 'Momo Manager',
      open_incidents: '- Payment gateway timeouts (Sev 1, open)', actions_taken: 'Restarted the settlement worker.',
      notes: 'Watch the 504 rate.', acknowledged: false, acknowledged_at: null,
    });
    expect(h.created_at).toBe(t.clock.now().toISOString());
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'handover.submit').where('entity_type', '=', 'handover')
      .where('entity_id', '=', h.id))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'handover').where('entity_id', '=', h.id)
      .where('action', '=', 'submit'))).toBe(1);
    const sent = await mails(t, h.id);
    expect(sent.map((m) => [m.to_address, m.template, m.status])).toEqual([[momo.manager, 'handover.submitted', 'queued']]);
    expect(sent[0].subject).toContain('Night Shift');
    expect(sent[0].text).toContain('Payment gateway timeouts');
    expect(sent[0].text).toContain('Restarted the settlement worker.');
    expect(sent[0].text).toContain(`${BASE}/handovers`);
  });

  it('the recipient acknowledges: 200, audit and activity, Handover Acknowledged to the submitter; twice is 409', async () => {
    const h = await json<HandoverJson>(await submit(momo.operator, body()));
    t.clock.advance(25 * 60_000);
    const res = await ack(momo.manager, h.id);
    expect(res.status).toBe(200);
    const a = await json<HandoverJson>(res);
    expect(a.acknowledged).toBe(true);
    expect(a.acknowledged_at).toBe(t.clock.now().toISOString());
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'handover.acknowledge').where('entity_id', '=', h.id))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'handover').where('entity_id', '=', h.id)
      .where('action', '=', 'acknowledge'))).toBe(1);
    const sent = await mails(t, h.id, 'handover.acknowledged');
    expect(sent.map((m) => m.to_address)).toEqual([momo.operator]);
    expect(sent[0].subject).toContain('Momo Manager');

    const before = await snapshot(t);
    t.clock.advance(60_000);
    const again = await ack(momo.manager, h.id);
    expect(again.status).toBe(409);
    expect((await json<ErrorJson>(again)).error.code).toBe('conflict');
    expect(await snapshot(t)).toEqual(before);
    expect((await json<HandoverJson>(await t.api(momo.manager, 'GET', `/handovers/${h.id}`))).acknowledged_at).toBe(a.acknowledged_at);
  });

  it('only the recipient acknowledges: the submitter, an admin and the super admin get 403, another process 404', async () => {
    const h = await json<HandoverJson>(await submit(momo.operator, body()));
    const before = await snapshot(t);
    for (const email of [momo.operator, momo.admin, SUPER_ADMIN]) {
      const res = await ack(email, h.id);
      expect(res.status, email).toBe(403);
      expect((await json<ErrorJson>(res)).error.code).toBe('forbidden');
    }
    for (const email of [ignite.operator, ignite.admin]) expect((await ack(email, h.id)).status, email).toBe(404);
    expect((await post(momo.admin, `/handovers/${h.id}`, { acknowledged: 'true' }, false)).status).toBe(403);
    expect((await post(ignite.admin, `/handovers/${h.id}`, { acknowledged: 'true' }, false)).status).toBe(404);
    expect(await snapshot(t)).toEqual(before);
    const row = await t.db.selectFrom('handovers').select('acknowledged_at').where('id', '=', h.id).executeTakeFirstOrThrow();
    expect(row.acknowledged_at).toBeNull();
  });

  it('handing over to yourself, to another process, to a viewer, a client, an inactive or unknown user is 422', async () => {
    const now = t.clock.now();
    const inactive = Number((await t.db.insertInto('users').values({
      process_id: momoId, email: 'gone.operator@d2ctelcare.com', name: 'Gone Operator', password_hash: null, role: 'operator',
      is_active: false, must_change_password: false, tokens_valid_after: new Date(0), created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow()).insertId);
    const cases: [string, number | string][] = [
      ['yourself', operatorId],
      ['another process', await userId(t, ignite.operator)],
      ['a viewer', await userId(t, momo.viewer)],
      ['a client', await userId(t, momo.client)],
      ['an inactive operator', inactive],
      ['an unknown user', 99_999_999],
      ['not an id', 'bob'],
    ];
    const before = await snapshot(t);
    for (const [name, recipient] of cases) {
      const res = await submit(momo.operator, body({ recipient_id: recipient }));
      expect(res.status, name).toBe(422);
      const err = await json<ErrorJson>(res);
      expect(err.error.code).toBe('validation_failed');
      expect(err.error.fields?.recipient_id, name).toBeTruthy();
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([
    ['no shift', { shift: undefined }, 'shift'],
    ['a 41-character shift', { shift: 's'.repeat(41) }, 'shift'],
    ['no handover time', { handover_time: undefined }, 'handover_time'],
    ['a handover time without a zone', { handover_time: '2026-05-09T04:00' }, 'handover_time'],
    ['a handover time that is not a date', { handover_time: 'yesterday' }, 'handover_time'],
    ['a handover time on 30 February', { handover_time: '2026-02-30T04:00:00Z' }, 'handover_time'],
    ['a handover time at 25 o\'clock', { handover_time: '2026-05-09T25:00:00Z' }, 'handover_time'],
    ['a handover time past the year 9999 in UTC (was a 500 on both databases)', { handover_time: '9999-12-31T23:59:00-23:59' }, 'handover_time'],
    ['a handover time in the year 1 (MariaDB stored 2001)', { handover_time: '0001-01-01T04:00:00Z' }, 'handover_time'],
    ['no recipient', { recipient_id: undefined }, 'recipient_id'],
    ['no open incidents', { open_incidents: undefined }, 'open_incidents'],
    ['no actions taken', { actions_taken: '  ' }, 'actions_taken'],
    ['10,001 characters of notes', { notes: 'n'.repeat(10_001) }, 'notes'],
    ['actions taken as a number', { actions_taken: 7 }, 'actions_taken'],
  ])('submitting with %s answers 422 naming the field and stores nothing', async (_name, over, field) => {
    const before = await snapshot(t);
    const res = await submit(momo.operator, body(over));
    expect(res.status).toBe(422);
    expect((await json<ErrorJson>(res)).error.fields?.[field]).toBeTruthy();
    expect(await snapshot(t)).toEqual(before);
  });

  it('a bad acknowledgement body, malformed JSON and odd ids answer clearly and change nothing', async () => {
    const h = await json<HandoverJson>(await submit(momo.operator, body()));
    const before = await snapshot(t);
    expect((await ack(momo.manager, h.id, { acknowledged: false })).status).toBe(422);
    expect((await ack(momo.manager, h.id, {})).status).toBe(422);
    expect((await ack(momo.manager, h.id, '{"acknowledged":')).status).toBe(400);
    expect((await submit(momo.operator, '{oops' as unknown as Record<string, unknown>)).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/handovers/abc')).status).toBe(404);
    expect((await ack(momo.manager, 99_999_999)).status).toBe(404);
    expect((await t.api(momo.manager, 'GET', '/handovers?status=maybe')).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/handovers?cursor=zzz')).status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([
    ['viewer', momo.viewer],
    ['client', momo.client],
  ])('a %s gets 403 on the page and on every API call', async (_role, email) => {
    const h = await json<HandoverJson>(await submit(momo.operator, body()));
    const before = await snapshot(t);
    expect((await t.page(email, '/handovers')).status).toBe(403);
    expect((await t.page(email, '/handovers/new')).status).toBe(403);
    expect((await t.api(email, 'GET', '/handovers')).status).toBe(403);
    expect((await t.api(email, 'GET', `/handovers/${h.id}`)).status).toBe(403);
    expect((await submit(email, body())).status).toBe(403);
    expect((await ack(email, h.id)).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);
  });

  it('operators, managers and admins see every handover of their process; another process sees none (404 by id)', async () => {
    const h = await json<HandoverJson>(await submit(momo.operator, body({ shift: 'Day Shift', recipient_id: await userId(t, momo.admin) })));
    for (const email of [momo.operator, momo.manager, momo.admin]) {
      const list = await json<{ items: HandoverJson[]; next_cursor: string | null }>(await t.api(email, 'GET', '/handovers?limit=200'));
      expect(list.items.map((i) => i.id)).toContain(h.id);
      expect(list.items.every((i) => i.process_id === momoId)).toBe(true);
      expect((await t.api(email, 'GET', `/handovers/${h.id}`)).status).toBe(200);
    }
    expect((await t.api(ignite.admin, 'GET', `/handovers/${h.id}`)).status).toBe(404);
    const other = await json<{ items: HandoverJson[] }>(await t.api(ignite.operator, 'GET', '/handovers?limit=200'));
    expect(other.items.length).toBeGreaterThan(0);
    expect(other.items.every((i) => i.process_id !== momoId)).toBe(true);
    const pending = await json<{ items: HandoverJson[] }>(await t.api(momo.manager, 'GET', '/handovers?status=pending&limit=200'));
    expect(pending.items.every((i) => !i.acknowledged)).toBe(true);
    const acked = await json<{ items: HandoverJson[] }>(await t.api(momo.manager, 'GET', '/handovers?status=acknowledged&limit=200'));
    expect(acked.items.length).toBeGreaterThan(0);
    expect(acked.items.every((i) => i.acknowledged)).toBe(true);
  });

  it('pages with a cursor, newest handover time first, without repeats', async () => {
    const seen: number[] = [];
    const times: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/handovers?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const p: { items: HandoverJson[]; next_cursor: string | null } = await json(await t.api(momo.operator, 'GET', path));
      seen.push(...p.items.map((i) => i.id));
      times.push(...p.items.map((i) => i.handover_time));
      cursor = p.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    const total = await count(t, 'handovers', (q) => q.where('process_id', '=', momoId));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('the super admin must name the process; the recipient must belong to it; others\' process_id is ignored', async () => {
    const before = await snapshot(t);
    const where = await submit(SUPER_ADMIN, body());
    expect(where.status).toBe(422);
    expect((await json<ErrorJson>(where)).error.fields?.process_id).toBeTruthy();
    const igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
    expect((await submit(SUPER_ADMIN, body({ process_id: igniteId }))).status).toBe(422);
    expect(await snapshot(t)).toEqual(before);
    const ok = await submit(SUPER_ADMIN, body({ process_id: momoId }));
    expect(ok.status).toBe(201);
    const h = await json<HandoverJson>(ok);
    expect(h.process_id).toBe(momoId);
    expect(h.submitter_name).toBe('Platform Super Admin');
    const all = await json<{ items: HandoverJson[] }>(await t.api(SUPER_ADMIN, 'GET', '/handovers?limit=200'));
    expect(new Set(all.items.map((i) => i.process_id)).size).toBeGreaterThan(1);
    expect((await ack(momo.manager, h.id)).status).toBe(200);
    const ignored = await json<HandoverJson>(await submit(momo.operator, body({ process_id: igniteId })));
    expect(ignored.process_id).toBe(momoId);
  });

  it('the page lists handovers with Pending / Acknowledged badges and an Acknowledge button for the recipient only', async () => {
    const h = await json<HandoverJson>(await submit(momo.operator, body({ shift: 'Evening Shift' })));
    const card = (html: string, id: number) => {
      const start = html.indexOf(`data-handover="${id}"`);
      return html.slice(start, html.indexOf('</li>', start));
    };
    const mgr = await (await get(momo.manager, '/handovers')).text();
    expect(card(mgr, h.id)).toContain('Pending');
    expect(card(mgr, h.id)).toContain('data-action="acknowledge"');
    expect(mgr).toContain('Acknowledged');
    expect(mgr).toContain('data-testid="waiting-for-me"');
    const op = await (await get(momo.operator, '/handovers')).text();
    expect(card(op, h.id)).not.toContain('data-action="acknowledge"');
    expect(card(op, h.id)).toContain('Waiting for Momo Manager');

    const res = await post(momo.manager, `/handovers/${h.id}`, { acknowledged: 'true' });
    expect(res.status).toBe(200);
    const list = await res.text();
    expect(list).not.toContain('<aside');
    expect(card(list, h.id)).toContain('Acknowledged');
    expect(card(list, h.id)).not.toContain('data-action="acknowledge"');
    expect(await mails(t, h.id, 'handover.acknowledged')).toHaveLength(1);
    const again = await post(momo.manager, `/handovers/${h.id}`, { acknowledged: 'true' });
    expect(again.status).toBe(409);
    expect(await mails(t, h.id, 'handover.acknowledged')).toHaveLength(1);
  });

  it('the submit modal pre-fills the open incidents and offers only active operator+ colleagues of the process', async () => {
    const modal = await get(momo.operator, '/handovers/new', 'modal');
    expect(modal.status).toBe(200);
    const html = await modal.text();
    expect(html).toContain('role="dialog"');
    for (const name of ['shift', 'handover_time', 'tz_offset', 'recipient_id', 'open_incidents', 'actions_taken', 'notes']) {
      expect(html, name).toContain(`name="${name}"`);
    }
    expect(html).toContain('type="datetime-local"');
    expect(html).toContain('getTimezoneOffset()');
    const open = await t.db.selectFrom('incidents').select(['id', 'title']).where('process_id', '=', momoId)
      .where('status', '!=', 'resolved').execute();
    expect(open.length).toBeGreaterThan(0);
    const textarea = /<textarea id="open_incidents"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1] ?? '';
    for (const i of open.slice(0, 5)) expect(textarea).toContain(`#${i.id} `);
    const resolved = await t.db.selectFrom('incidents').select('id').where('process_id', '=', momoId).where('status', '=', 'resolved')
      .executeTakeFirstOrThrow();
    expect(textarea).not.toContain(`#${resolved.id} `);
    const select = /<select id="recipient_id"[\s\S]*?<\/select>/.exec(html)?.[0] ?? '';
    expect(select).toContain('Momo Manager');
    expect(select).toContain('Momo Admin');
    expect(select).not.toContain('Momo Operator');
    expect(select).not.toContain('Momo Viewer');
    expect(select).not.toContain('Ignite');
  });

  it('the page form turns the local handover time into an instant with the browser offset, or the process zone', async () => {
    const fields = {
      shift: 'Day Shift', recipient_id: String(managerId), open_incidents: 'None', actions_taken: 'Form submit',
    };
    const withOffset = await post(momo.operator, '/handovers', { ...fields, handover_time: '2026-05-09T18:00', tz_offset: '-180', notes: 'offset' });
    expect(withOffset.status).toBe(200);
    expect(withOffset.headers.get('hx-retarget')).toBe('#modal');
    expect(withOffset.headers.get('hx-trigger')).toContain('handovers:changed');
    const a = await t.db.selectFrom('handovers').select('handover_time').where('notes', '=', 'offset').executeTakeFirstOrThrow();
    expect(a.handover_time.toISOString()).toBe('2026-05-09T15:00:00.000Z');
    // No offset from the browser: Africa/Johannesburg, UTC+2.
    const plain = await post(momo.operator, '/handovers', { ...fields, handover_time: '2026-05-09T18:00', tz_offset: '', notes: 'zone' }, false);
    expect(plain.status).toBe(302);
    const b = await t.db.selectFrom('handovers').select('handover_time').where('notes', '=', 'zone').executeTakeFirstOrThrow();
    expect(b.handover_time.toISOString()).toBe('2026-05-09T16:00:00.000Z');

    const before = await snapshot(t);
    const bad = await post(momo.operator, '/handovers', { ...fields, recipient_id: String(operatorId), handover_time: '', actions_taken: '' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('data-field-error="recipient_id"');
    expect(html).toContain('data-field-error="handover_time"');
    expect(html).toContain('data-field-error="actions_taken"');
    expect(await snapshot(t)).toEqual(before);
  });

  it('shows HTML in the handover text escaped, on the page and in the email', async () => {
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const h = await json<HandoverJson>(await submit(momo.operator, body({
      shift: '<b>Night</b>', open_incidents: evil, actions_taken: evil, notes: evil,
    })));
    const html = await (await t.page(momo.manager, '/handovers')).text();
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>Night</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const sent = await mails(t, h.id, 'handover.submitted');
    expect(sent[0].html).not.toContain('<script>alert');
    expect(sent[0].html).not.toContain('<img src=x');
  });

  it('accepts every field at its longest even when escaping makes the email larger than a MySQL TEXT (was a 500)', async () => {
    const quotes = (n: number) => '"'.repeat(n);
    const res = await submit(momo.operator, body({ shift: quotes(40), open_incidents: quotes(10_000), actions_taken: quotes(10_000), notes: quotes(10_000) }));
    expect(res.status).toBe(201);
    const h = await json<HandoverJson>(res);
    expect(h.open_incidents).toBe(quotes(10_000));
    const [mail] = await mails(t, h.id, 'handover.submitted');
    expect(mail.text).toContain('Open incidents:');
    // Kept whole only when it fits the column; otherwise the mail goes as plain text.
    expect(mail.html === null || Buffer.byteLength(mail.html) <= 65_535).toBe(true);
    expect(Buffer.byteLength(mail.text)).toBeLessThanOrEqual(65_535);
  });
});
