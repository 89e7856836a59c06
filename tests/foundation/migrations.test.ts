import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

const TABLES = [
  'processes', 'users', 'incidents', 'incident_events', 'downtime_events', 'tickets', 'approvals', 'handovers',
  'escalation_chains', 'escalation_tiers', 'escalation_executions', 'automation_rules', 'automation_executions',
  'oncall_rotations', 'oncall_schedules', 'notifications', 'notification_reads', 'audit_log', 'activity_log',
  'verification_codes', 'password_tokens', 'email_outbox', 'rate_limits', 'integrations', 'ai_insights',
];

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect, { migrate: false });
  });
  afterAll(async () => t?.drop());

  it('creates every table of every module, and a second run changes nothing', async () => {
    const applied = await migrateToLatest(t.db);
    expect(applied[0]).toBe('001_initial_schema');
    expect([...applied].sort()).toEqual(applied);
    expect(await migrateToLatest(t.db)).toEqual([]);
    const names = (await t.db.introspection.getTables()).map((x) => x.name);
    for (const table of TABLES) expect(names).toContain(table);
  });

  it('round-trips instants in UTC to the millisecond and flags as booleans', async () => {
    const at = new Date('2026-05-09T04:26:11.123Z');
    await t.db.insertInto('processes').values({ slug: 'tz', name: 'TZ', timezone: 'Africa/Johannesburg', created_at: at }).execute();
    const p = await t.db.selectFrom('processes').selectAll().where('slug', '=', 'tz').executeTakeFirstOrThrow();
    expect(p.created_at).toBeInstanceOf(Date);
    expect(p.created_at.toISOString()).toBe('2026-05-09T04:26:11.123Z');
    await t.db.insertInto('users').values({
      process_id: p.id, email: 'x@example.com', name: 'X', role: 'viewer', is_active: false,
      must_change_password: true, tokens_valid_after: at, created_at: at, updated_at: at,
    }).execute();
    const u = await t.db.selectFrom('users').selectAll().where('email', '=', 'x@example.com').executeTakeFirstOrThrow();
    expect(u.is_active).toBe(false);
    expect(u.must_change_password).toBe(true);
    expect(u.tokens_valid_after.getTime()).toBe(at.getTime());
    // Comparisons on instants behave as time on both dialects.
    const later = await t.db.selectFrom('processes').select('slug').where('created_at', '>', new Date(at.getTime() - 1)).execute();
    expect(later.map((r) => r.slug)).toContain('tz');
  });

  it('stores text in any script', async () => {
    const name = 'Łódź → 東京 ✓ 🚀';
    await t.db.insertInto('processes').values({ slug: 'utf', name, timezone: 'UTC', created_at: new Date() }).execute();
    const p = await t.db.selectFrom('processes').select('name').where('slug', '=', 'utf').executeTakeFirstOrThrow();
    expect(p.name).toBe(name);
  });

  it('refuses a second primary on call for the same process and day', async () => {
    const p = await t.db.selectFrom('processes').select('id').where('slug', '=', 'tz').executeTakeFirstOrThrow();
    const u = await t.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const row = { process_id: p.id, user_id: u.id, date: '2026-05-09', role: 'primary', primary_date: '2026-05-09', created_at: new Date() };
    await t.db.insertInto('oncall_schedules').values(row).execute();
    await expect(t.db.insertInto('oncall_schedules').values(row).execute()).rejects.toThrow();
    // Backups are not limited.
    await t.db.insertInto('oncall_schedules').values({ ...row, role: 'backup', primary_date: null }).execute();
    await t.db.insertInto('oncall_schedules').values({ ...row, role: 'backup', primary_date: null }).execute();
    const n = await t.db.selectFrom('oncall_schedules').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(3);
  });
});
