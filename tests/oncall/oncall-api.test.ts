import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCallAt } from '../../src/modules/oncall/lookup.js';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface Person { id: number; name: string; email: string }
interface NowJson { primary: Person | null; backup: Person | null; escalation: Person | null; process_id: number }
interface RowJson {
  id: number; process_id: number; user_id: number; user_name: string; date: string; role: string;
  rotation_id: number | null; starts_at: string; ends_at: string; created_at: string;
}
interface ListJson { items: RowJson[]; next_cursor: string | null }
interface ErrorJson { error: { code: string; message: string; fields?: Record<string, string> } }

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'oncall_schedules' | 'audit_log' | 'activity_log' | 'email_outbox';

async function count(t: TestApp, table: Table): Promise<number> {
  return Number((await t.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
}

const snapshot = (t: TestApp) => Promise.all((['oncall_schedules', 'audit_log', 'activity_log', 'email_outbox'] as Table[]).map((x) => count(t, x)));

async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

describe.each(DIALECTS)('on-call API on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;
  let ids: Record<string, number>;
  const savedTz = process.env.TZ;

  beforeAll(async () => {
    // The server runs in UTC; the processes are in Africa/Johannesburg (UTC+2).
    process.env.TZ = 'UTC';
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
    ids = {};
    for (const [k, email] of Object.entries(momo)) ids[k] = await userId(t, email);
    ids.igniteOperator = await userId(t, ignite.operator);
  });
  afterAll(async () => {
    process.env.TZ = savedTz;
    await t?.close();
  });

  const add = (email: string, body: unknown) => t.api(email, 'POST', '/oncall', body);

  it('a manager adds a primary: 201 with the shift as instants of the process day, audit, activity and an email to the person', async () => {
    const res = await add(momo.manager, { user_id: ids.operator, date: '2026-06-01', role: 'primary' });
    expect(res.status).toBe(201);
    const row = await json<RowJson>(res);
    expect(row).toMatchObject({
      process_id: momoId, user_id: ids.operator, user_name: 'Momo Operator', date: '2026-06-01', role: 'primary', rotation_id: null,
      // Midnight to midnight in Johannesburg (UTC+2).
      starts_at: '2026-05-31T22:00:00.000Z', ends_at: '2026-06-01T22:00:00.000Z',
    });
    const audit = await t.db.selectFrom('audit_log').select(['action', 'user_id']).where('entity_type', '=', 'oncall').where('entity_id', '=', row.id).execute();
    expect(audit).toEqual([{ action: 'oncall.create', user_id: ids.manager }]);
    const activity = await t.db.selectFrom('activity_log').select('action').where('entity_type', '=', 'oncall').where('entity_id', '=', row.id).execute();
    expect(activity.map((a) => a.action)).toEqual(['create']);
    const mail = await t.db.selectFrom('email_outbox').select(['to_address', 'template', 'subject', 'text'])
      .where('entity_type', '=', 'oncall').where('entity_id', '=', row.id).execute();
    expect(mail.map((m) => [m.to_address, m.template])).toEqual([[momo.operator, 'oncall.assigned']]);
    expect(mail[0].subject).toContain('Mon 1 Jun 2026');
    expect(mail[0].text).toContain('Africa/Johannesburg');
  });

  it('a second primary for the same process and day is 409 conflict and changes nothing; backup and escalation are fine', async () => {
    const before = await snapshot(t);
    const res = await add(momo.admin, { user_id: ids.manager, date: '2026-06-01', role: 'primary' });
    expect(res.status).toBe(409);
    const err = await json<ErrorJson>(res);
    expect(err.error.code).toBe('conflict');
    expect(err.error.message).toContain('Momo Operator');
    expect(await snapshot(t)).toEqual(before);
    expect((await add(momo.admin, { user_id: ids.manager, date: '2026-06-01', role: 'backup' })).status).toBe(201);
    expect((await add(momo.admin, { user_id: ids.admin, date: '2026-06-01', role: 'escalation' })).status).toBe(201);
    // One role per person per day.
    const twice = await add(momo.admin, { user_id: ids.manager, date: '2026-06-01', role: 'escalation' });
    expect(twice.status).toBe(409);
    // Another process may have its own primary that day.
    expect((await add(ignite.manager, { user_id: ids.igniteOperator, date: '2026-06-01', role: 'primary' })).status).toBe(201);
  });

  it('the unique key decides when two primaries race: exactly one wins, the other is 409', async () => {
    const results = await Promise.all([
      add(momo.manager, { user_id: ids.operator, date: '2026-06-20', role: 'primary' }),
      add(momo.admin, { user_id: ids.manager, date: '2026-06-20', role: 'primary' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const rows = await t.db.selectFrom('oncall_schedules').select('id').where('process_id', '=', momoId).where('primary_date', '=', '2026-06-20').execute();
    expect(rows).toHaveLength(1);
  });

  it('the same person added to the same day by four requests at once is there once: one 201, three 409 (MySQL wrote it four times)', async () => {
    const results = await Promise.all([momo.manager, momo.admin, momo.manager, momo.admin].map((who) =>
      add(who, { user_id: ids.operator, date: '2026-06-21', role: 'backup' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const rows = await t.db.selectFrom('oncall_schedules').select('id').where('process_id', '=', momoId)
      .where('date', '=', '2026-06-21').where('user_id', '=', ids.operator).execute();
    expect(rows).toHaveLength(1);
  });

  it('on call now picks the right person at the date boundary of a UTC+2 process with the server in UTC', async () => {
    expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(0);
    expect((await add(momo.manager, { user_id: ids.manager, date: '2026-06-02', role: 'primary' })).status).toBe(201);
    // 23:59:59 on 1 June in Johannesburg is 21:59:59 UTC: still the operator's day.
    t.clock.set('2026-06-01T21:59:59.000Z');
    let now = await json<NowJson>(await t.api(momo.viewer, 'GET', '/oncall/now'));
    expect(now.primary).toEqual({ id: ids.operator, name: 'Momo Operator', email: momo.operator });
    expect(now.backup).toEqual({ id: ids.manager, name: 'Momo Manager', email: momo.manager });
    expect(now.escalation?.email).toBe(momo.admin);
    expect(now.process_id).toBe(momoId);
    // Midnight in Johannesburg is 22:00 UTC, still 1 June in UTC: the manager's day has begun.
    t.clock.set('2026-06-01T22:00:00.000Z');
    now = await json<NowJson>(await t.api(momo.client, 'GET', '/oncall/now'));
    expect(now.primary).toEqual({ id: ids.manager, name: 'Momo Manager', email: momo.manager });
    expect(now.backup).toBeNull();
    expect(now.escalation).toBeNull();
    // The escalation engine's fallback answers the same.
    expect((await onCallAt(t.db, momoId, new Date('2026-06-01T21:59:59.000Z'))).primary?.id).toBe(ids.operator);
    expect((await onCallAt(t.db, momoId, new Date('2026-06-01T22:00:00.000Z'))).primary?.id).toBe(ids.manager);
    expect((await onCallAt(t.db, momoId, new Date('2026-06-02T22:00:00.000Z'))).primary).toBeNull();
    t.clock.set('2026-05-09T08:00:00.000Z');
  });

  it('on call now is per process; a super_admin chooses with ?process=', async () => {
    t.clock.set('2026-06-01T10:00:00.000Z');
    const other = await json<NowJson>(await t.api(ignite.viewer, 'GET', '/oncall/now'));
    expect(other.process_id).toBe(igniteId);
    expect(other.primary?.id).toBe(ids.igniteOperator);
    const sa = await json<NowJson>(await t.api(SUPER_ADMIN, 'GET', '/oncall/now?process=momo'));
    expect(sa.process_id).toBe(momoId);
    expect(sa.primary?.id).toBe(ids.operator);
    t.clock.set('2026-05-09T08:00:00.000Z');
  });

  it.each([
    ['a user from another process', () => ({ user_id: ids.igniteOperator, date: '2026-06-03', role: 'primary' }), 'user_id', 422],
    ['a viewer', () => ({ user_id: ids.viewer, date: '2026-06-03', role: 'primary' }), 'user_id', 422],
    ['a client', () => ({ user_id: ids.client, date: '2026-06-03', role: 'backup' }), 'user_id', 422],
    ['an unknown user', () => ({ user_id: 99_999_999, date: '2026-06-03', role: 'primary' }), 'user_id', 422],
    ['a user id that is text', () => ({ user_id: 'bob', date: '2026-06-03', role: 'primary' }), 'user_id', 422],
    ['no user', () => ({ date: '2026-06-03', role: 'primary' }), 'user_id', 422],
    ['an invalid date', () => ({ user_id: ids.operator, date: '2026-02-30', role: 'primary' }), 'date', 422],
    ['a date that is not a date', () => ({ user_id: ids.operator, date: 'tomorrow', role: 'primary' }), 'date', 422],
    ['a date with a time', () => ({ user_id: ids.operator, date: '2026-06-03T00:00:00Z', role: 'primary' }), 'date', 422],
    ['a date as a number', () => ({ user_id: ids.operator, date: 20260603, role: 'primary' }), 'date', 422],
    ['no date', () => ({ user_id: ids.operator, role: 'primary' }), 'date', 422],
    ['an unknown role', () => ({ user_id: ids.operator, date: '2026-06-03', role: 'boss' }), 'role', 422],
    ['no role', () => ({ user_id: ids.operator, date: '2026-06-03' }), 'role', 422],
  ])('adding %s is refused with a clear 4xx naming the field, nothing stored', async (_name, body, field, status) => {
    const before = await snapshot(t);
    const res = await add(momo.manager, body());
    expect(res.status).toBe(status);
    const err = await json<ErrorJson>(res);
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.fields?.[field]).toBeTruthy();
    expect(await snapshot(t)).toEqual(before);
  });

  it('an inactive person cannot be put on call (422); malformed JSON is 400', async () => {
    const now = t.clock.now();
    const gone = Number((await t.db.insertInto('users').values({
      process_id: momoId, email: 'gone.ops@d2ctelcare.com', name: 'Gone Ops', password_hash: null, role: 'operator',
      is_active: false, must_change_password: false, tokens_valid_after: new Date(0), created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow()).insertId);
    const before = await snapshot(t);
    expect((await add(momo.manager, { user_id: gone, date: '2026-06-04', role: 'backup' })).status).toBe(422);
    expect((await add(momo.manager, '{"user_id":')).status).toBe(400);
    expect((await add(momo.manager, '[1,2]')).status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a super_admin names the process; without one it is 422, with another process\'s person 422', async () => {
    const before = await snapshot(t);
    expect((await add(SUPER_ADMIN, { user_id: ids.operator, date: '2026-06-05', role: 'primary' })).status).toBe(422);
    expect((await add(SUPER_ADMIN, { user_id: ids.igniteOperator, date: '2026-06-05', role: 'primary', process_id: momoId })).status).toBe(422);
    expect(await snapshot(t)).toEqual(before);
    const res = await add(SUPER_ADMIN, { user_id: ids.operator, date: '2026-06-05', role: 'primary', process_id: momoId });
    expect(res.status).toBe(201);
    expect((await json<RowJson>(res)).process_id).toBe(momoId);
    // A manager's process_id is ignored: the row lands in their own process.
    const mine = await add(ignite.manager, { user_id: ids.igniteOperator, date: '2026-06-05', role: 'primary', process_id: momoId });
    expect(mine.status).toBe(201);
    expect((await json<RowJson>(mine)).process_id).toBe(igniteId);
  });

  it('roles: everyone reads, viewers, clients and operators cannot write (403), managers and admins can', async () => {
    for (const email of [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN, ignite.viewer]) {
      expect((await t.api(email, 'GET', '/oncall?from=2026-06-01&to=2026-06-02')).status, email).toBe(200);
      expect((await t.api(email, 'GET', '/oncall/now')).status, email).toBe(200);
    }
    const before = await snapshot(t);
    const row = (await json<ListJson>(await t.api(momo.manager, 'GET', '/oncall?from=2026-06-01&to=2026-06-01'))).items[0];
    for (const email of [momo.viewer, momo.client, momo.operator]) {
      const res = await add(email, { user_id: ids.operator, date: '2026-06-06', role: 'primary' });
      expect(res.status, email).toBe(403);
      expect((await json<ErrorJson>(res)).error.code).toBe('forbidden');
      expect((await t.api(email, 'DELETE', `/oncall/${row.id}`)).status, email).toBe(403);
    }
    expect(await snapshot(t)).toEqual(before);
    expect((await t.api(null, 'GET', '/oncall')).status).toBe(401);
    expect((await t.api(null, 'GET', '/oncall/now')).status).toBe(401);
    expect((await t.api(null, 'POST', '/oncall', { user_id: ids.operator, date: '2026-06-06', role: 'primary' })).status).toBe(401);
    for (const email of [momo.manager, momo.admin]) {
      const res = await add(email, { user_id: ids.operator, date: email === momo.admin ? '2026-06-07' : '2026-06-06', role: 'primary' });
      expect(res.status, email).toBe(201);
    }
  });

  it('lists a date range in calendar order, only the own process; a super_admin sees all or one; pages without repeats', async () => {
    const mine = await json<ListJson>(await t.api(momo.viewer, 'GET', '/oncall?from=2026-06-01&to=2026-06-07'));
    expect(mine.items.length).toBeGreaterThanOrEqual(6);
    expect(mine.items.every((r) => r.process_id === momoId && r.date >= '2026-06-01' && r.date <= '2026-06-07')).toBe(true);
    const dates = mine.items.map((r) => r.date);
    expect([...dates].sort()).toEqual(dates);
    const theirs = await json<ListJson>(await t.api(ignite.viewer, 'GET', '/oncall?from=2026-06-01&to=2026-06-07'));
    expect(theirs.items.every((r) => r.process_id === igniteId)).toBe(true);
    const all = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/oncall?from=2026-06-01&to=2026-06-07&limit=200'));
    expect(new Set(all.items.map((r) => r.process_id))).toEqual(new Set([momoId, igniteId]));
    const one = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/oncall?from=2026-06-01&to=2026-06-07&process=ignite'));
    expect(one.items.every((r) => r.process_id === igniteId)).toBe(true);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/oncall?from=2026-05-01&to=2026-06-30&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const p: ListJson = await json(await t.api(momo.viewer, 'GET', path));
      seen.push(...p.items.map((i) => i.id));
      cursor = p.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const full = await json<ListJson>(await t.api(momo.viewer, 'GET', '/oncall?from=2026-05-01&to=2026-06-30&limit=200'));
    expect(seen).toEqual(full.items.map((i) => i.id));
    // Without from: from today (9 May in Johannesburg) on.
    const fromToday = await json<ListJson>(await t.api(momo.viewer, 'GET', '/oncall?limit=200'));
    expect(fromToday.items.every((r) => r.date >= '2026-05-09')).toBe(true);
    expect(fromToday.items.some((r) => r.date === '2026-05-09')).toBe(true);
  });

  it.each([
    ['from=yesterday'], ['to=2026-13-01'], ['from=2026-06-05&to=2026-06-01'], ['cursor=zzz'], ['limit=abc'],
  ])('a bad query (%s) is 400', async (q) => {
    const res = await t.api(momo.viewer, 'GET', `/oncall?${q}`);
    expect(res.status).toBe(400);
    expect((await json<ErrorJson>(res)).error.code).toBe('bad_request');
  });

  it('deleting: 200 with the record, audit, the person is told; another process 404; unknown or odd ids 404', async () => {
    const row = await json<RowJson>(await add(momo.manager, { user_id: ids.operator, date: '2026-06-10', role: 'backup' }));
    const before = await snapshot(t);
    for (const email of [ignite.manager, ignite.admin]) expect((await t.api(email, 'DELETE', `/oncall/${row.id}`)).status, email).toBe(404);
    expect((await t.api(momo.manager, 'DELETE', '/oncall/99999999')).status).toBe(404);
    expect((await t.api(momo.manager, 'DELETE', '/oncall/abc')).status).toBe(404);
    expect(await snapshot(t)).toEqual(before);
    const res = await t.api(momo.admin, 'DELETE', `/oncall/${row.id}`);
    expect(res.status).toBe(200);
    expect((await json<RowJson>(res)).id).toBe(row.id);
    expect(await t.db.selectFrom('oncall_schedules').select('id').where('id', '=', row.id).executeTakeFirst()).toBeUndefined();
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_type', '=', 'oncall').where('entity_id', '=', row.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['oncall.create', 'oncall.delete']);
    const mail = await t.db.selectFrom('email_outbox').select(['to_address', 'template']).where('entity_type', '=', 'oncall')
      .where('entity_id', '=', row.id).orderBy('id').execute();
    expect(mail.map((m) => m.template)).toEqual(['oncall.assigned', 'oncall.removed']);
    expect((await t.api(momo.admin, 'DELETE', `/oncall/${row.id}`)).status).toBe(404);
    // A super_admin removes any process's row.
    const other = await json<RowJson>(await add(ignite.manager, { user_id: ids.igniteOperator, date: '2026-06-11', role: 'backup' }));
    expect((await t.api(SUPER_ADMIN, 'DELETE', `/oncall/${other.id}`)).status).toBe(200);
  });

  it('coverage: days of the next 14 without a primary and people who cannot be reached; clients get 403', async () => {
    // Today is 9 May in Johannesburg; the demo seed covers 6 to 19 May.
    await t.db.updateTable('users').set({ is_active: false }).where('id', '=', ids.admin).execute();
    try {
      const res = await t.api(momo.manager, 'GET', '/oncall/coverage');
      expect(res.status).toBe(200);
      const body = await json<{ items: { process_id: number; from: string; to: string; days_without_primary: string[]; unreachable: { user_id: number; reason: string; dates: string[] }[] }[] }>(res);
      expect(body.items).toHaveLength(1);
      const c = body.items[0];
      expect(c).toMatchObject({ process_id: momoId, from: '2026-05-09', to: '2026-05-22' });
      expect(c.days_without_primary).toEqual(['2026-05-20', '2026-05-21', '2026-05-22']);
      const days = Array.from({ length: 11 }, (_, i) => `2026-05-${String(9 + i).padStart(2, '0')}`);
      expect(c.unreachable).toEqual([{ user_id: ids.admin, name: 'Momo Admin', email: momo.admin, reason: 'inactive', dates: days }]);
      for (const email of [momo.viewer, momo.operator, momo.manager, SUPER_ADMIN]) {
        expect((await t.api(email, 'GET', '/oncall/coverage')).status, email).toBe(200);
      }
      const all = await json<{ items: unknown[] }>(await t.api(SUPER_ADMIN, 'GET', '/oncall/coverage'));
      expect(all.items).toHaveLength(8);
      expect((await t.api(momo.client, 'GET', '/oncall/coverage')).status).toBe(403);
      expect((await t.api(null, 'GET', '/oncall/coverage')).status).toBe(401);
    } finally {
      await t.db.updateTable('users').set({ is_active: true }).where('id', '=', ids.admin).execute();
    }
  });
});
