import type { Db } from '../src/db/index.js';
import { hashPassword } from '../src/auth/password.js';
import { DEMO_ACCOUNTS, DEMO_PROCESSES, DEMO_TIMEZONE } from './accounts.js';
import { seedModuleData } from './module-data.js';

/**
 * The demo seed: 8 processes, 41 accounts and data that makes every module meaningful. Idempotent:
 * missing processes and accounts are added, module data only into an empty database.
 * Returns true when it added anything.
 */
export async function seedDemo(db: Db, now: Date, opts: { mustChangePassword?: boolean } = {}): Promise<boolean> {
  let added = false;
  const existing = new Set((await db.selectFrom('processes').select('slug').execute()).map((p) => p.slug));
  for (const p of DEMO_PROCESSES) {
    if (existing.has(p.slug)) continue;
    await db.insertInto('processes').values({
      slug: p.slug, name: p.name, description: `Client business process — ${p.name}`, timezone: DEMO_TIMEZONE, created_at: now,
    }).execute();
    added = true;
  }
  const processes = new Map((await db.selectFrom('processes').select(['id', 'slug']).execute()).map((p) => [p.slug, p.id]));
  const haveEmails = new Set((await db.selectFrom('users').select('email').execute()).map((u) => u.email));
  const hashes = new Map<string, string>();
  for (const a of DEMO_ACCOUNTS) {
    if (haveEmails.has(a.email)) continue;
    let hash = hashes.get(a.password);
    if (!hash) {
      hash = await hashPassword(a.password);
      hashes.set(a.password, hash);
    }
    await db.insertInto('users').values({
      process_id: processes.get(a.processSlug)!,
      email: a.email,
      name: a.name,
      password_hash: hash,
      role: a.role,
      is_active: true,
      must_change_password: opts.mustChangePassword ?? false,
      tokens_valid_after: new Date(0),
      created_at: now,
      updated_at: now,
    }).execute();
    added = true;
  }
  const incidents = await db.selectFrom('incidents').select('id').limit(1).execute();
  if (incidents.length === 0) {
    await seedModuleData(db, now);
    added = true;
  }
  return added;
}
