import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as m001 from '../../migrations/001_initial_schema.js';
import * as m002 from '../../migrations/002_audit_guard.js';
import { auditHash } from '../../src/audit.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface AuditJson {
  id: number;
  user_id: number | null;
  process_id: number | null;
  action: string;
  entity_type: string;
  entity_id: number | null;
  ip: string | null;
  created_at: string;
  user_agent: string | null;
  changes: unknown;
  prev_hash: string | null;
  hash: string | null;
  user_name: string | null;
  user_email: string | null;
}
interface ListJson { items: AuditJson[]; next_cursor: string | null; total: number }
interface VerifyJson {
  ok: boolean;
  entries: number;
  chains: { process_id: number | null; process_name: string; entries: number; ok: boolean; broken: { id: number; reason: string } | null }[];
}
interface ErrorJson { error: { code: string; fields?: Record<string, string> } }

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function id(t: TestApp, table: 'users' | 'processes', column: 'email' | 'slug', value: string): Promise<number> {
  return (await t.db.selectFrom(table as 'users').select('id').where(column as 'email', '=', value).executeTakeFirstOrThrow()).id;
}

async function auditCount(t: TestApp): Promise<number> {
  return Number((await t.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
}

/** The audit rows of a process in chain order. */
async function chainOf(t: TestApp, processId: number) {
  return t.db.selectFrom('audit_log').selectAll().where('process_id', '=', processId).orderBy('id').execute();
}

const AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AuditTest/1.0';

describe.each(DIALECTS)('audit log on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;

  /** An API call from a client behind the trusted proxy, with its own address and user agent. */
  const call = async (email: string, method: string, path: string, body?: unknown, ip = '203.0.113.7') => t.request(`/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await t.token(email)}`,
      'x-forwarded-for': `${ip}, 10.0.0.2`,
      'user-agent': AGENT,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

  beforeAll(async () => {
    t = await createTestApp(dialect, { config: { trustProxy: true } });
    momoId = await id(t, 'processes', 'slug', 'momo');
    igniteId = await id(t, 'processes', 'slug', 'ignite');
  });
  afterAll(async () => t?.close());

  it('the database refuses to update or delete an audit entry (triggers), and the entry stays as it was', async () => {
    const first = await t.db.selectFrom('audit_log').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
    const total = await auditCount(t);
    await expect(sql`UPDATE audit_log SET action = ${'incident.delete'} WHERE id = ${first.id}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(t.db.updateTable('audit_log').set({ ip: '6.6.6.6' }).execute()).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE id = ${first.id}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    // Inside a transaction the refusal rolls the whole transaction back.
    await expect(t.db.transaction().execute(async (trx) => {
      await trx.insertInto('processes').values({ slug: 'tx-probe', name: 'Probe', timezone: 'UTC', created_at: new Date() }).execute();
      await trx.deleteFrom('audit_log').where('id', '=', first.id).execute();
    })).rejects.toThrow(/append-only/);
    expect(await t.db.selectFrom('processes').select('id').where('slug', '=', 'tx-probe').executeTakeFirst()).toBeUndefined();
    expect(await t.db.selectFrom('audit_log').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow()).toEqual(first);
    expect(await auditCount(t)).toBe(total);
    if (dialect === 'mysql') {
      const triggers = await sql<{ TRIGGER_NAME: string; EVENT_MANIPULATION: string }>`
        SELECT TRIGGER_NAME, EVENT_MANIPULATION FROM information_schema.TRIGGERS
        WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'audit_log' ORDER BY TRIGGER_NAME`.execute(t.db);
      expect(triggers.rows.map((r) => `${r.TRIGGER_NAME}:${r.EVENT_MANIPULATION}`)).toEqual(['audit_log_no_delete:DELETE', 'audit_log_no_update:UPDATE']);
    }
  });

  it('the demo data verifies intact, per process and across all processes', async () => {
    const admin = await json<VerifyJson>(await t.api(momo.admin, 'GET', '/audit-log/verify'));
    expect(admin.ok).toBe(true);
    expect(admin.chains.map((c) => c.process_id)).toEqual([momoId]);
    expect(admin.entries).toBeGreaterThan(20);
    const all = await json<VerifyJson>(await t.api(SUPER_ADMIN, 'GET', '/audit-log/verify'));
    expect(all.ok).toBe(true);
    expect(all.chains).toHaveLength(9);
    expect(all.entries).toBe(await auditCount(t));
  });

  it('every create and update of the modules writes exactly one entry: action, user, process, entity, client IP, user agent and changes', async () => {
    const opId = await id(t, 'users', 'email', momo.operator);
    const mgrId = await id(t, 'users', 'email', momo.manager);
    const expectOne = async (run: () => Promise<Response>, status: number, action: string, entityType: string, userId: number) => {
      const before = await auditCount(t);
      const res = await run();
      expect(res.status).toBe(status);
      const body = await json<{ id: number }>(res);
      expect(await auditCount(t)).toBe(before + 1);
      const e = await t.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(e).toMatchObject({ action, entity_type: entityType, entity_id: body.id, user_id: userId, process_id: momoId, ip: '203.0.113.7', user_agent: AGENT });
      expect(e.created_at.toISOString()).toBe(t.clock.now().toISOString());
      expect(JSON.parse(e.changes!)).toBeTypeOf('object');
      return body;
    };
    const inc = await expectOne(() => call(momo.operator, 'POST', '/incidents', { title: 'Audit trail probe', severity: 2 }), 201, 'incident.create', 'incident', opId);
    t.clock.advance(60_000);
    await expectOne(() => call(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'in_progress' }), 200, 'incident.update', 'incident', opId);
    const updated = await t.db.selectFrom('audit_log').select('changes').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(JSON.parse(updated.changes!)).toEqual({ status: ['open', 'in_progress'] });
    await expectOne(() => call(momo.operator, 'POST', '/tickets', { title: 'Audit ticket', type: 'change' }), 201, 'ticket.create', 'ticket', opId);
    await expectOne(() => call(momo.operator, 'POST', '/downtime', { started_at: '2026-05-09T07:30:00Z', services_affected: ['Checkout API'], impact_level: 'low' }), 201, 'downtime.create', 'downtime', opId);
    const appr = await expectOne(() => call(momo.operator, 'POST', '/approvals', { type: 'change', title: 'Audit change' }), 201, 'approval.create', 'approval', opId);
    await expectOne(() => call(momo.manager, 'PATCH', `/approvals/${appr.id}`, { status: 'rejected', note: 'Not now' }), 200, 'approval.rejected', 'approval', mgrId);
    await expectOne(() => call(momo.operator, 'POST', '/handovers', {
      shift: 'Day Shift', handover_time: '2026-05-09T07:00:00Z', recipient_id: mgrId, open_incidents: '-', actions_taken: 'Nothing.',
    }), 201, 'handover.submit', 'handover', opId);
    // Each new entry extends the Momo chain: its prev_hash is the hash of the entry before it.
    const chain = await chainOf(t, momoId);
    const tail = chain.slice(-7);
    for (let i = 1; i < tail.length; i++) expect(tail[i].prev_hash).toBe(tail[i - 1].hash);
    for (const e of tail) expect(e.hash).toBe(auditHash(e.prev_hash, e));
    expect((await json<VerifyJson>(await t.api(momo.admin, 'GET', '/audit-log/verify'))).ok).toBe(true);
  });

  it('takes the client IP from X-Forwarded-For only behind a trusted proxy', async () => {
    const direct = await createTestApp(dialect, { config: { trustProxy: false } });
    try {
      const res = await direct.request('/api/v1/incidents', {
        method: 'POST',
        headers: { authorization: `Bearer ${await direct.token(momo.operator)}`, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.9', 'user-agent': AGENT },
        body: JSON.stringify({ title: 'Spoofed address', severity: 4 }),
      });
      expect(res.status).toBe(201);
      const e = await direct.db.selectFrom('audit_log').select(['ip', 'user_agent']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(e.ip).not.toBe('198.51.100.9');
      expect(e.user_agent).toBe(AGENT);
    } finally {
      await direct.close();
    }
  });

  it('concurrent writers of one process queue up: twelve parallel creates leave one unbroken chain', async () => {
    const before = (await chainOf(t, momoId)).length;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      call(i % 2 ? momo.operator : momo.manager, 'POST', '/incidents', { title: `Parallel ${i}`, severity: 3 })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    const chain = await chainOf(t, momoId);
    expect(chain.length).toBe(before + 12);
    const prevs = chain.map((e) => e.prev_hash);
    expect(new Set(prevs).size).toBe(prevs.length);
    for (let i = 1; i < chain.length; i++) expect(chain[i].prev_hash).toBe(chain[i - 1].hash);
    expect((await json<VerifyJson>(await t.api(momo.admin, 'GET', '/audit-log/verify'))).ok).toBe(true);
  });

  it('lists entries newest first with user, hashes and changes; filters by exact action, entity type and dates', async () => {
    const res = await t.api(momo.admin, 'GET', '/audit-log?limit=5');
    expect(res.status).toBe(200);
    const page1 = await json<ListJson>(res);
    expect(page1.items).toHaveLength(5);
    expect(page1.next_cursor).toBeTruthy();
    expect(page1.items.every((e) => e.process_id === momoId)).toBe(true);
    const e = page1.items[0];
    expect(Object.keys(e)).toEqual(expect.arrayContaining(['id', 'user_id', 'process_id', 'action', 'entity_type', 'entity_id', 'ip', 'created_at', 'hash', 'prev_hash', 'user_agent', 'changes']));
    expect(e.created_at).toMatch(/Z$/);
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    const times = page1.items.map((x) => x.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const page2 = await json<ListJson>(await t.api(momo.admin, 'GET', `/audit-log?limit=5&cursor=${page1.next_cursor}`));
    expect(page2.items.map((x) => x.id).some((i) => page1.items.some((p) => p.id === i))).toBe(false);

    const exact = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?action=incident.create&limit=200'));
    expect(exact.items.length).toBeGreaterThan(0);
    expect(exact.items.every((x) => x.action === 'incident.create')).toBe(true);
    expect(exact.total).toBe(exact.items.length);
    const byType = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?action=incident&limit=200'));
    expect(new Set(byType.items.map((x) => x.action))).toEqual(new Set(['incident.create', 'incident.update']));
    const none = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?action=nothing.like.this'));
    expect(none).toMatchObject({ items: [], total: 0 });

    // Today in Johannesburg (the process zone) holds the entries written by the tests at 08:00 UTC.
    const today = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?from=2026-05-09&to=2026-05-09&limit=200'));
    expect(today.items.length).toBeGreaterThan(0);
    for (const x of today.items) {
      expect(new Date(x.created_at).getTime()).toBeGreaterThanOrEqual(Date.parse('2026-05-08T22:00:00Z'));
      expect(new Date(x.created_at).getTime()).toBeLessThan(Date.parse('2026-05-09T22:00:00Z'));
    }
    const utc = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?from=2026-05-09&to=2026-05-09&tz=UTC&limit=200'));
    expect(utc.items.every((x) => x.created_at.startsWith('2026-05-09'))).toBe(true);
    const old = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?to=2020-01-01'));
    expect(old.total).toBe(0);

    // Instants work too, both ends inclusive (an API client's "since I started").
    const since = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?from=2026-05-09T07:00:00Z&limit=200'));
    expect(since.items.length).toBeGreaterThan(0);
    expect(since.items.every((x) => x.created_at >= '2026-05-09T07:00:00.000Z')).toBe(true);
    const first = since.items[since.items.length - 1].created_at;
    const pinned = await json<ListJson>(await t.api(momo.admin, 'GET', `/audit-log?from=${first}&to=${first}&limit=200`));
    expect(pinned.items.length).toBeGreaterThan(0);
    expect(pinned.items.every((x) => x.created_at === first)).toBe(true);
    const mixed = await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log?from=2026-05-09&to=2026-05-09T07:00:00%2B02:00&limit=200'));
    expect(mixed.items.every((x) => x.created_at >= '2026-05-08T22:00:00.000Z' && x.created_at <= '2026-05-09T05:00:00.000Z')).toBe(true);
  });

  it('keeps to the process: an admin sees only their own entries; the super admin all, or one with ?process=', async () => {
    const igniteList = await json<ListJson>(await t.api(ignite.admin, 'GET', '/audit-log?limit=200'));
    expect(igniteList.items.length).toBeGreaterThan(0);
    expect(igniteList.items.every((x) => x.process_id === igniteId)).toBe(true);
    const all = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/audit-log?limit=200'));
    expect(new Set(all.items.map((x) => x.process_id)).size).toBeGreaterThan(1);
    const one = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/audit-log?process=ignite&limit=200'));
    expect(one.items.every((x) => x.process_id === igniteId)).toBe(true);
    expect(one.total).toBe(igniteList.total);
    const unknown = await t.api(SUPER_ADMIN, 'GET', '/audit-log?process=nope');
    expect(unknown.status).toBe(422);
    expect((await json<ErrorJson>(unknown)).error.fields?.process).toBeTruthy();
  });

  it('refuses bad filters with 422 naming the field, never a 500', async () => {
    for (const [query, field] of [
      ['action=%3Cscript%3E', 'action'], [`action=${'a'.repeat(81)}`, 'action'], ['from=yesterday', 'from'], ['to=2026-02-30', 'to'],
      ['from=2026-05-09&to=2026-05-01', 'to'], ['from=2026-05-01&tz=Mars%2FOlympus', 'tz'], ['from=1969-12-31', 'from'],
      ['from=2026-05-09T25:00:00Z', 'from'], ['to=2026-05-09T08:00', 'to'], ['from=2026-05-09T08:00:00Z&to=2026-05-09T07:59:59Z', 'to'],
    ] as const) {
      const res = await t.api(momo.admin, 'GET', `/audit-log?${query}`);
      expect(res.status, query).toBe(422);
      expect((await json<ErrorJson>(res)).error.fields?.[field], query).toBeTruthy();
    }
    expect((await t.api(momo.admin, 'GET', '/audit-log?cursor=!!!')).status).toBe(400);
    expect((await t.api(momo.admin, 'GET', '/audit-log?limit=abc')).status).toBe(400);
  });

  it('answers each role: admin and super admin read; viewer, client, operator and manager get 403; nothing can change or delete an entry', async () => {
    for (const email of [momo.viewer, momo.client, momo.operator, momo.manager]) {
      expect((await t.api(email, 'GET', '/audit-log')).status, email).toBe(403);
      expect((await t.api(email, 'GET', '/audit-log/verify')).status, email).toBe(403);
      expect((await t.page(email, '/audit-log')).status, email).toBe(403);
      expect((await t.page(email, '/audit-log/verify')).status, email).toBe(403);
    }
    for (const email of [momo.admin, SUPER_ADMIN]) {
      expect((await t.api(email, 'GET', '/audit-log')).status).toBe(200);
      expect((await t.page(email, '/audit-log')).status).toBe(200);
    }
    expect((await t.api(null, 'GET', '/audit-log')).status).toBe(401);
    const first = await t.db.selectFrom('audit_log').select('id').where('process_id', '=', momoId).orderBy('id').limit(1).executeTakeFirstOrThrow();
    const total = await auditCount(t);
    for (const method of ['DELETE', 'PATCH', 'PUT', 'POST']) {
      expect([404, 405]).toContain((await t.api(momo.admin, method, `/audit-log/${first.id}`, method === 'DELETE' ? undefined : {})).status);
      expect([404, 405]).toContain((await t.api(momo.admin, method, '/audit-log', method === 'DELETE' ? undefined : {})).status);
    }
    expect(await auditCount(t)).toBe(total);
  });

  it('shows the page as in Figure 6.13a: badges, user name and email, entity, IP, time, count, pagination; HTML shown escaped', async () => {
    await call(momo.operator, 'POST', '/incidents', { title: '<img src=x onerror=alert(1)> broken', severity: 4 });
    const res = await t.page(momo.admin, '/audit-log');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="audit-count"');
    expect(html).toMatch(/data-action-badge="incident\.create"/);
    expect(html).toContain('Momo Operator');
    expect(html).toContain(momo.operator);
    expect(html).toContain('203.0.113.7');
    expect(html).toMatch(/<time datetime="2026-05-09T08:\d\d:00\.000Z" data-local="datetime">/);
    expect(html).toContain('Older entries');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('Ignite Operator');
    const total = (await json<ListJson>(await t.api(momo.admin, 'GET', '/audit-log'))).total;
    expect(html).toContain(`>${total.toLocaleString('en-US')}</span> entries`);

    const partial = await t.request('/audit-log?action=ticket', { headers: { cookie: await t.cookie(momo.admin), 'hx-request': 'true', 'hx-target': 'audit-log-list' } });
    expect(partial.status).toBe(200);
    const body = await partial.text();
    expect(body).not.toContain('<html');
    expect(body).toContain('match these filters');
    expect(body).toMatch(/data-action-badge="ticket\./);
    expect(body).not.toMatch(/data-action-badge="incident\./);

    const bad = await t.request('/audit-log?from=2026-13-01', { headers: { cookie: await t.cookie(momo.admin), 'hx-request': 'true', 'hx-target': 'audit-log-list' } });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Use a date like');

    const superPage = await (await t.page(SUPER_ADMIN, '/audit-log')).text();
    expect(superPage).toContain('<th class="px-4 py-2.5">Process</th>');
  });

  it('seals the entries of a database that had them before the guard, then guards it', async () => {
    const db: TestDb = await createTestDb(dialect, { migrate: false });
    try {
      await m001.up(db.db);
      const at = new Date('2026-05-01T10:00:00.000Z');
      await db.db.insertInto('processes').values({ slug: 'old', name: 'Old', timezone: 'UTC', created_at: at }).execute();
      const pid = (await db.db.selectFrom('processes').select('id').executeTakeFirstOrThrow()).id;
      for (let i = 0; i < 5; i++) {
        await db.db.insertInto('audit_log').values({
          process_id: i === 4 ? null : pid, user_id: null, action: 'incident.create', entity_type: 'incident', entity_id: i + 1,
          ip: null, user_agent: null, changes: JSON.stringify({ i }), created_at: new Date(at.getTime() + i * 1000),
        }).execute();
      }
      await m002.up(db.db);
      const rows = await db.db.selectFrom('audit_log').selectAll().where('process_id', '=', pid).orderBy('id').execute();
      expect(rows[0].prev_hash).toBeNull();
      for (let i = 0; i < rows.length; i++) {
        expect(rows[i].hash).toBe(auditHash(i ? rows[i - 1].hash : null, rows[i]));
        if (i) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
      }
      const loose = await db.db.selectFrom('audit_log').selectAll().where('process_id', 'is', null).executeTakeFirstOrThrow();
      expect(loose.hash).toBe(auditHash(null, loose));
      await expect(db.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    } finally {
      await db.drop();
    }
  });

  it('"Verify integrity" names the first broken entry of every chain that was tampered with', async () => {
    // An attacker with database access but without the application: rows inserted directly, a chain head moved.
    const lastOf = async (slug: string) => {
      const pid = await id(t, 'processes', 'slug', slug);
      return { pid, last: (await chainOf(t, pid)).at(-1)! };
    };
    const forged = (pid: number) => ({
      process_id: pid, user_id: null, action: 'incident.delete', entity_type: 'incident', entity_id: 1, ip: null, user_agent: null,
      changes: null, created_at: new Date('2026-05-09T08:30:00.000Z'),
    });
    const insertedId = async (row: Record<string, unknown>) => {
      await t.db.insertInto('audit_log').values(row as never).execute();
      return (await t.db.selectFrom('audit_log').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).id;
    };
    // Ignite: a forged entry whose hash does not match its content.
    const ig = await lastOf('ignite');
    const igForged = await insertedId({ ...forged(ig.pid), prev_hash: ig.last.hash, hash: 'f'.repeat(64) });
    // RDG: an entry with a correct hash of its own, but claiming to start the chain.
    const rdg = await lastOf('rdg');
    const rdgForged = await insertedId({ ...forged(rdg.pid), prev_hash: null, hash: auditHash(null, forged(rdg.pid)) });
    // Sunking: a perfectly chained entry, but written past the chain's head (outside the application).
    const sk = await lastOf('sunking');
    const skForged = await insertedId({ ...forged(sk.pid), prev_hash: sk.last.hash, hash: auditHash(sk.last.hash, forged(sk.pid)) });
    // MBA: the head says the chain goes on further than it does (its newest entries were removed).
    const mba = await lastOf('mba');
    await sql`UPDATE audit_chain_heads SET last_id = ${mba.last.id + 100000} WHERE chain_key = ${mba.pid}`.execute(t.db);

    const report = await json<VerifyJson>(await t.api(SUPER_ADMIN, 'GET', '/audit-log/verify'));
    expect(report.ok).toBe(false);
    const chain = (pid: number) => report.chains.find((c) => c.process_id === pid)!;
    expect(chain(ig.pid).broken).toMatchObject({ id: igForged, reason: expect.stringContaining('changed after it was written') });
    expect(chain(rdg.pid).broken).toMatchObject({ id: rdgForged, reason: expect.stringContaining(`does not follow entry #${rdg.last.id}`) });
    expect(chain(sk.pid).broken).toMatchObject({ id: skForged, reason: expect.stringContaining('added outside the application') });
    expect(chain(mba.pid).broken).toMatchObject({ id: mba.last.id + 100000, reason: expect.stringContaining('newest entries were removed') });
    expect(chain(momoId)).toMatchObject({ ok: true, broken: null });

    // The admin of a tampered process sees it on the page too; Momo's admin sees an intact log.
    const page = await t.request('/audit-log/verify', { headers: { cookie: await t.cookie(ignite.admin), 'hx-request': 'true' } });
    const html = await page.text();
    expect(JSON.parse(page.headers.get('hx-trigger')!).toast).toEqual({ message: 'Audit log broken in 1 chain', kind: 'error' });
    expect(html).toContain('data-ok="false"');
    expect(html).toContain(`first broken entry #${igForged}`);
    const ok = await (await t.request('/audit-log/verify', { headers: { cookie: await t.cookie(momo.admin), 'hx-request': 'true' } })).text();
    expect(ok).toContain('data-ok="true"');
    expect(ok).toContain('Intact');
    // New actions chain on from the head; the forged entry stays named.
    await call(ignite.operator, 'POST', '/incidents', { title: 'After tampering', severity: 3 });
    const again = await json<VerifyJson>(await t.api(ignite.admin, 'GET', '/audit-log/verify'));
    expect(again.chains[0].broken?.id).toBe(igForged);
  });

  it('is reachable from the Reporting page for admins: the audit export link and CSRF-safe GETs only', async () => {
    const html = await (await t.page(momo.admin, '/audit-log')).text();
    expect(html).toContain('href="/reporting#audit"');
    expect(html).toContain('hx-get="/audit-log/verify"');
    const post = await t.request('/audit-log/verify', { method: 'POST', headers: { cookie: await t.cookie(momo.admin), origin: BASE } });
    expect(post.status).toBe(404);
  });
});
