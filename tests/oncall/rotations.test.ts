import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCallAt } from '../../src/modules/oncall/lookup.js';
import { accountsOf, createTestApp, demoPassword, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const rdg = accountsOf('rdg');
const ignite = accountsOf('ignite');

interface RowJson {
  id: number; process_id: number; user_id: number; user_name: string; date: string; role: string;
  rotation_id: number | null; starts_at: string; ends_at: string; handoff_time: string;
}
interface RotationJson {
  id: number; process_id: number; name: string; role: string; member_ids: number[]; start_date: string; handoff_time: string;
  shift_days: number; time_zone: string;
  generated: { from: string | null; to: string; created: number; kept: number; skipped: { date: string; reason: string }[] } | null;
}
interface GenerateJson { from: string | null; to: string; created: number; kept: number; skipped: { date: string; reason: string }[] }
interface ErrorJson { error: { code: string; message: string; fields?: Record<string, string> } }

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function count(t: TestApp, table: 'oncall_schedules' | 'oncall_rotations' | 'audit_log' | 'email_outbox'): Promise<number> {
  return Number((await t.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
}

const snapshot = (t: TestApp) => Promise.all((['oncall_schedules', 'oncall_rotations', 'audit_log', 'email_outbox'] as const).map((x) => count(t, x)));

/** Wall-clock reading of an instant in London, by Intl alone (an oracle independent of the code under test). */
function london(at: Date): { date: string; time: string } {
  const p: Record<string, string> = {};
  for (const part of new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(at)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

function prevDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

const HOUR = 3_600_000;

describe.each(DIALECTS)('on-call rotations on %s', (dialect) => {
  let t: TestApp;
  let rdgId: number;
  let ops: number;
  let mgr: number;
  let admin: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    // RDG runs on London time for these tests: daylight saving starts 29 March and ends 25 October 2026.
    await t.db.updateTable('processes').set({ timezone: 'Europe/London' }).where('slug', '=', 'rdg').execute();
    rdgId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'rdg').executeTakeFirstOrThrow()).id;
    const id = async (email: string) => (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    ops = await id(rdg.operator);
    mgr = await id(rdg.manager);
    admin = await id(rdg.admin);
  });
  afterAll(async () => t?.close());

  // These tests move the clock by months; sessions last 12 hours, so sign in again for each clock.
  const tokens = new Map<string, string>();
  async function call(email: string, method: string, path: string, body?: unknown): Promise<Response> {
    const key = `${email}|${t.clock.now().toISOString()}`;
    let token = tokens.get(key);
    if (!token) {
      const res = await t.request('/api/v1/auth/login', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: demoPassword(email) }),
      });
      token = ((await res.json()) as { token: string }).token;
      tokens.set(key, token);
    }
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return t.request(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  }

  const rotation = (email: string, body: Record<string, unknown>) => call(email, 'POST', '/oncall/rotations', body);
  const generate = (email: string, id: number, weeks: unknown) => call(email, 'POST', `/oncall/rotations/${id}/generate`, { weeks });
  const rows = async (email: string, from: string, to: string) =>
    (await json<{ items: RowJson[] }>(await call(email, 'GET', `/oncall?from=${from}&to=${to}&limit=200`))).items;

  it('across the start of daylight saving (last Sunday of March): handoffs stay at 09:00 London time, no gap, no overlap', async () => {
    t.clock.set('2026-03-25T12:00:00.000Z');
    const res = await rotation(rdg.manager, {
      name: 'Daily primary', role: 'primary', member_ids: [ops, mgr, admin], start_date: '2026-03-25', handoff_time: '09:00', shift_days: 1, weeks: 2,
    });
    expect(res.status).toBe(201);
    const r = await json<RotationJson>(res);
    expect(r).toMatchObject({ process_id: rdgId, role: 'primary', member_ids: [ops, mgr, admin], handoff_time: '09:00', shift_days: 1, time_zone: 'Europe/London' });
    expect(r.generated).toMatchObject({ from: '2026-03-25', to: '2026-04-07', created: 14, kept: 0, skipped: [] });

    const list = (await rows(rdg.manager, '2026-03-25', '2026-04-07')).filter((x) => x.rotation_id === r.id);
    expect(list.map((x) => x.date)).toEqual(Array.from({ length: 14 }, (_, i) => new Date(Date.parse('2026-03-25T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10)));
    // Members take turns in order, one day each.
    expect(list.slice(0, 6).map((x) => x.user_id)).toEqual([ops, mgr, admin, ops, mgr, admin]);
    for (const [i, x] of list.entries()) {
      expect(london(new Date(x.starts_at)), x.date).toEqual({ date: x.date, time: '09:00' });
      expect(london(new Date(x.ends_at)).time, x.date).toBe('09:00');
      if (i > 0) expect(x.starts_at, `${x.date} starts when the day before ends`).toBe(list[i - 1].ends_at);
    }
    const byDate = new Map(list.map((x) => [x.date, x]));
    // Saturday 28 March 09:00 GMT to Sunday 29 March 09:00 BST: 23 real hours, the whole wall-clock day.
    expect(byDate.get('2026-03-28')).toMatchObject({ starts_at: '2026-03-28T09:00:00.000Z', ends_at: '2026-03-29T08:00:00.000Z' });
    expect(byDate.get('2026-03-29')).toMatchObject({ starts_at: '2026-03-29T08:00:00.000Z', ends_at: '2026-03-30T08:00:00.000Z' });

    // Every 15 minutes over the change, exactly the expected person is primary.
    const expected = new Map(list.map((x) => [x.date, x.user_id]));
    for (let at = Date.parse('2026-03-26T00:00:00Z'); at < Date.parse('2026-04-01T00:00:00Z'); at += 15 * 60_000) {
      const wall = london(new Date(at));
      const day = wall.time >= '09:00' ? wall.date : prevDay(wall.date);
      const who = await onCallAt(t.db, rdgId, new Date(at));
      expect(who.primary?.id, new Date(at).toISOString()).toBe(expected.get(day));
    }
  });

  it('a handoff at a time the clocks skip (01:30 on 29 March) happens when they jump past it, never earlier; at a time that occurs twice (25 October) the first time', async () => {
    t.clock.set('2026-03-25T12:00:00.000Z');
    const res = await rotation(rdg.manager, {
      name: 'Night backup', role: 'backup', member_ids: [mgr, admin], start_date: '2026-03-26', handoff_time: '01:30', shift_days: 1, weeks: 1,
    });
    expect(res.status).toBe(201);
    const r = await json<RotationJson>(res);
    const list = (await rows(rdg.manager, '2026-03-26', '2026-03-31')).filter((x) => x.rotation_id === r.id);
    const byDate = new Map(list.map((x) => [x.date, x]));
    // 01:30 does not exist on 29 March: Saturday's shift runs until the clocks read 02:30 BST (01:30 UTC).
    expect(byDate.get('2026-03-28')).toMatchObject({ starts_at: '2026-03-28T01:30:00.000Z', ends_at: '2026-03-29T01:30:00.000Z' });
    expect(byDate.get('2026-03-29')).toMatchObject({ starts_at: '2026-03-29T01:30:00.000Z', ends_at: '2026-03-30T00:30:00.000Z' });
    for (const [i, x] of list.entries()) {
      if (i > 0) expect(x.starts_at).toBe(list[i - 1].ends_at);
      const end = london(new Date(x.ends_at));
      // Never shortened: no shift ends before its handoff time of the next day.
      expect(end.time >= '01:30', x.date).toBe(true);
      const hours = (Date.parse(x.ends_at) - Date.parse(x.starts_at)) / HOUR;
      expect([23, 24, 25]).toContain(hours);
    }
    expect((await onCallAt(t.db, rdgId, new Date('2026-03-29T01:29:00Z'))).backup?.id).toBe(byDate.get('2026-03-28')!.user_id);
    expect((await onCallAt(t.db, rdgId, new Date('2026-03-29T01:30:00Z'))).backup?.id).toBe(byDate.get('2026-03-29')!.user_id);
  });

  it('across the end of daylight saving (last Sunday of October): a 25-hour Sunday, no gap, no overlap, nobody cut short', async () => {
    t.clock.set('2026-10-21T12:00:00.000Z');
    const res = await rotation(rdg.admin, {
      name: 'Autumn primary', role: 'primary', member_ids: [admin, ops], start_date: '2026-10-22', handoff_time: '09:00', shift_days: 2, weeks: 1,
    });
    expect(res.status).toBe(201);
    const r = await json<RotationJson>(res);
    expect(r.generated).toMatchObject({ from: '2026-10-22', to: '2026-10-27', created: 6, skipped: [] });
    const night = await json<RotationJson>(await rotation(rdg.admin, {
      name: 'Autumn night backup', role: 'backup', member_ids: [mgr], start_date: '2026-10-22', handoff_time: '01:30', shift_days: 1, weeks: 1,
    }));
    const list = (await rows(rdg.admin, '2026-10-22', '2026-10-27')).filter((x) => x.rotation_id === r.id);
    // Two days each: admin 22–23, operator 24–25, admin 26–27.
    expect(list.map((x) => x.user_id)).toEqual([admin, admin, ops, ops, admin, admin]);
    const byDate = new Map(list.map((x) => [x.date, x]));
    expect(byDate.get('2026-10-24')).toMatchObject({ starts_at: '2026-10-24T08:00:00.000Z', ends_at: '2026-10-25T09:00:00.000Z' });
    expect(byDate.get('2026-10-25')).toMatchObject({ starts_at: '2026-10-25T09:00:00.000Z', ends_at: '2026-10-26T09:00:00.000Z' });
    for (const [i, x] of list.entries()) {
      expect(london(new Date(x.starts_at)).time).toBe('09:00');
      expect(london(new Date(x.ends_at)).time).toBe('09:00');
      if (i > 0) expect(x.starts_at).toBe(list[i - 1].ends_at);
    }
    const backups = (await rows(rdg.admin, '2026-10-22', '2026-10-27')).filter((x) => x.rotation_id === night.id);
    const b = new Map(backups.map((x) => [x.date, x]));
    // 01:30 happens twice on 25 October: the handoff is at the first (BST), so Saturday's shift is 24 h and Sunday's 25 h.
    expect(b.get('2026-10-24')).toMatchObject({ starts_at: '2026-10-24T00:30:00.000Z', ends_at: '2026-10-25T00:30:00.000Z' });
    expect(b.get('2026-10-25')).toMatchObject({ starts_at: '2026-10-25T00:30:00.000Z', ends_at: '2026-10-26T01:30:00.000Z' });
    for (const [i, x] of backups.entries()) if (i > 0) expect(x.starts_at).toBe(backups[i - 1].ends_at);

    const expected = new Map(list.map((x) => [x.date, x.user_id]));
    for (let at = Date.parse('2026-10-23T00:00:00Z'); at < Date.parse('2026-10-27T00:00:00Z'); at += 15 * 60_000) {
      const wall = london(new Date(at));
      const day = wall.time >= '09:00' ? wall.date : prevDay(wall.date);
      expect((await onCallAt(t.db, rdgId, new Date(at))).primary?.id, new Date(at).toISOString()).toBe(expected.get(day));
    }
  });

  it('regenerating never duplicates; a longer run only adds the new days; days with another primary are skipped and reported', async () => {
    t.clock.set('2026-10-21T12:00:00.000Z');
    // A primary added by hand on 30 October, before the rotation reaches it.
    expect((await call(rdg.admin, 'POST', '/oncall', { user_id: mgr, date: '2026-10-30', role: 'primary' })).status).toBe(201);
    const r = (await json<{ items: RotationJson[] }>(await call(rdg.admin, 'GET', '/oncall/rotations'))).items.find((x) => x.name === 'Autumn primary')!;
    const before = await count(t, 'oncall_schedules');
    const again = await generate(rdg.admin, r.id, 1);
    expect(again.status).toBe(200);
    expect(await json<GenerateJson>(again)).toMatchObject({ created: 0, kept: 6, skipped: [] });
    expect(await count(t, 'oncall_schedules')).toBe(before);
    const more = await json<GenerateJson>(await generate(rdg.admin, r.id, 2));
    expect(more).toMatchObject({ from: '2026-10-22', to: '2026-11-03', kept: 6, created: 6 });
    expect(more.skipped).toEqual([{ date: '2026-10-30', reason: 'RDG Manager is already the primary on call.' }]);
    expect(await count(t, 'oncall_schedules')).toBe(before + 6);
    const third = await json<GenerateJson>(await generate(rdg.admin, r.id, 2));
    expect(third).toMatchObject({ created: 0, kept: 12 });
    expect(await count(t, 'oncall_schedules')).toBe(before + 6);
    const primaries = await t.db.selectFrom('oncall_schedules').select(['date']).where('process_id', '=', rdgId)
      .where('role', '=', 'primary').where('date', '>=', '2026-10-22').where('date', '<=', '2026-11-03').execute();
    expect(primaries.length).toBe(new Set(primaries.map((p) => p.date)).size);
    // Members were emailed their shifts; the manager who generated is not.
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'text']).where('template', '=', 'oncall.rotation')
      .where('entity_id', '=', r.id).execute();
    expect(mails.map((m) => m.to_address)).toEqual([rdg.operator, rdg.operator]);
  });

  it('generation starts with the shift running now: before today\'s handoff, yesterday\'s shift is written too', async () => {
    t.clock.set('2026-11-10T07:00:00.000Z'); // 07:00 in London, before the 09:00 handoff
    const r = await json<RotationJson>(await rotation(rdg.manager, {
      name: 'Escalation duty', role: 'escalation', member_ids: [admin], start_date: '2026-11-01', handoff_time: '09:00', shift_days: 7, weeks: 1,
    }));
    expect(r.generated).toMatchObject({ from: '2026-11-09', to: '2026-11-16', created: 8 });
    expect((await onCallAt(t.db, rdgId, t.clock.now())).escalation?.id).toBe(admin);
  });

  it('three generations at once write each day once (MySQL wrote a day once per request)', async () => {
    t.clock.set('2026-12-01T12:00:00.000Z');
    const r = await json<RotationJson>(await rotation(rdg.manager, {
      name: 'Racing backup', role: 'backup', member_ids: [ops], start_date: '2026-12-01', handoff_time: '09:00', shift_days: 1,
    }));
    const runs = await Promise.all([rdg.manager, rdg.admin, rdg.manager].map((who) => generate(who, r.id, 1)));
    expect(runs.map((x) => x.status)).toEqual([200, 200, 200]);
    const created = (await Promise.all(runs.map((x) => json<GenerateJson>(x)))).reduce((n, g) => n + g.created, 0);
    const written = await t.db.selectFrom('oncall_schedules').select('date').where('rotation_id', '=', r.id).execute();
    expect(written.length).toBe(created);
    expect(new Set(written.map((x) => x.date)).size).toBe(written.length);
  });

  it('deleting a rotation removes its shifts that have not started and keeps the ones under way or past', async () => {
    t.clock.set('2026-11-10T07:00:00.000Z');
    const r = (await json<{ items: RotationJson[] }>(await call(rdg.manager, 'GET', '/oncall/rotations'))).items.find((x) => x.name === 'Escalation duty')!;
    for (const email of [ignite.manager, ignite.admin]) expect((await call(email, 'DELETE', `/oncall/rotations/${r.id}`)).status).toBe(404);
    for (const email of [rdg.viewer, rdg.client, rdg.operator]) expect((await call(email, 'DELETE', `/oncall/rotations/${r.id}`)).status).toBe(403);
    const res = await call(rdg.manager, 'DELETE', `/oncall/rotations/${r.id}`);
    expect(res.status).toBe(200);
    expect((await json<{ removed_shifts: number }>(res)).removed_shifts).toBe(7);
    const left = await t.db.selectFrom('oncall_schedules').select(['date', 'rotation_id']).where('process_id', '=', rdgId)
      .where('role', '=', 'escalation').where('date', '>=', '2026-11-09').execute();
    expect(left).toEqual([{ date: '2026-11-09', rotation_id: null }]);
    expect(await t.db.selectFrom('oncall_rotations').select('id').where('id', '=', r.id).executeTakeFirst()).toBeUndefined();
    expect((await call(rdg.manager, 'DELETE', `/oncall/rotations/${r.id}`)).status).toBe(404);
    expect((await generate(rdg.manager, r.id, 1)).status).toBe(404);
  });

  it.each([
    ['no name', { name: '' }, 'name'],
    ['a 121-character name', { name: 'n'.repeat(121) }, 'name'],
    ['an unknown role', { role: 'boss' }, 'role'],
    ['no members', { member_ids: [] }, 'member_ids'],
    ['members that are not a list', { member_ids: { a: 1 } }, 'member_ids'],
    ['a member twice', { member_ids: 'twice' }, 'member_ids'],
    ['a member of another process', { member_ids: 'ignite' }, 'member_ids'],
    ['a viewer as member', { member_ids: 'viewer' }, 'member_ids'],
    ['a member id that is text', { member_ids: ['bob'] }, 'member_ids'],
    ['an invalid start date', { start_date: '2026-02-29' }, 'start_date'],
    ['no start date', { start_date: undefined }, 'start_date'],
    ['a handoff of 24:00', { handoff_time: '24:00' }, 'handoff_time'],
    ['a handoff of 9:00', { handoff_time: '9:00' }, 'handoff_time'],
    ['a shift of 0 days', { shift_days: 0 }, 'shift_days'],
    ['a shift of 29 days', { shift_days: 29 }, 'shift_days'],
    ['a shift length that is text', { shift_days: 'week' }, 'shift_days'],
    ['27 weeks to generate', { weeks: 27 }, 'weeks'],
  ])('a rotation with %s is 422 naming the field, nothing stored', async (_name, over, field) => {
    t.clock.set('2026-11-10T07:00:00.000Z');
    const viewer = (await t.db.selectFrom('users').select('id').where('email', '=', rdg.viewer).executeTakeFirstOrThrow()).id;
    const other = (await t.db.selectFrom('users').select('id').where('email', '=', ignite.operator).executeTakeFirstOrThrow()).id;
    const body: Record<string, unknown> = {
      name: 'Weekly', role: 'primary', member_ids: [ops, mgr], start_date: '2026-12-01', handoff_time: '09:00', shift_days: 7, ...over,
    };
    if (body.member_ids === 'twice') body.member_ids = [ops, mgr, ops];
    if (body.member_ids === 'ignite') body.member_ids = [ops, other];
    if (body.member_ids === 'viewer') body.member_ids = [viewer];
    const before = await snapshot(t);
    const res = await rotation(rdg.manager, body);
    expect(res.status).toBe(422);
    const err = await json<ErrorJson>(res);
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.fields?.[field]).toBeTruthy();
    expect(await snapshot(t)).toEqual(before);
  });

  it('generate: weeks must be 1 to 26; malformed JSON 400; unknown or another process\'s rotation 404', async () => {
    t.clock.set('2026-11-10T07:00:00.000Z');
    const r = (await json<{ items: RotationJson[] }>(await call(rdg.manager, 'GET', '/oncall/rotations'))).items[0];
    const before = await snapshot(t);
    for (const weeks of [0, 27, 'two', null, 1.5]) expect((await generate(rdg.manager, r.id, weeks)).status, String(weeks)).toBe(422);
    expect((await call(rdg.manager, 'POST', `/oncall/rotations/${r.id}/generate`, '{')).status).toBe(400);
    expect((await generate(rdg.manager, 99_999_999, 1)).status).toBe(404);
    expect((await generate(ignite.manager, r.id, 1)).status).toBe(404);
    expect((await call(ignite.viewer, 'GET', `/oncall/rotations/${r.id}`)).status).toBe(404);
    expect(await snapshot(t)).toEqual(before);
  });

  it('roles: everyone reads rotations; only managers and admins (and the super_admin) write', async () => {
    t.clock.set('2026-11-10T07:00:00.000Z');
    const body = { name: 'Role check', role: 'backup', member_ids: [ops], start_date: '2026-12-01', handoff_time: '08:00', shift_days: 1 };
    for (const email of [rdg.viewer, rdg.client, rdg.operator, rdg.manager, rdg.admin, SUPER_ADMIN, ignite.viewer]) {
      expect((await call(email, 'GET', '/oncall/rotations')).status, email).toBe(200);
    }
    const theirs = await json<{ items: RotationJson[] }>(await call(ignite.viewer, 'GET', '/oncall/rotations'));
    expect(theirs.items).toEqual([]);
    const before = await snapshot(t);
    for (const email of [rdg.viewer, rdg.client, rdg.operator]) {
      expect((await rotation(email, body)).status, email).toBe(403);
    }
    expect((await rotation(ignite.manager, body)).status).toBe(422);
    expect((await rotation(SUPER_ADMIN, body)).status).toBe(422);
    expect(await snapshot(t)).toEqual(before);
    expect((await rotation(SUPER_ADMIN, { ...body, process_id: rdgId })).status).toBe(201);
    expect((await rotation(rdg.admin, { ...body, name: 'Role check 2' })).status).toBe(201);
    const one = (await json<{ items: RotationJson[] }>(await call(rdg.viewer, 'GET', '/oncall/rotations'))).items.find((x) => x.name === 'Role check')!;
    expect((await call(rdg.client, 'GET', `/oncall/rotations/${one.id}`)).status).toBe(200);
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_type', '=', 'oncall_rotation').where('entity_id', '=', one.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['oncall_rotation.create']);
  });
});
