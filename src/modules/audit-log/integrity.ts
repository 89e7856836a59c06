import type { Kysely } from 'kysely';
import { auditHash, chainKey, type AuditChainHeadsTable } from '../../audit.js';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { processFilter, scoped, type Actor } from '../../tenancy.js';

/**
 * "Verify integrity": recomputes every hash chain the actor may see (an admin: their process; the
 * super admin: every process and the entries without one, or the process they view) and names the
 * first entry of each chain that does not hold. Reads in batches: constant memory on any size.
 */

const BATCH = 5000;

export interface ChainResult {
  process_id: number | null;
  process_name: string;
  entries: number;
  ok: boolean;
  /** The first entry that does not hold, and why; null when the chain is intact. */
  broken: { id: number; reason: string } | null;
}

export interface IntegrityReport {
  ok: boolean;
  entries: number;
  chains: ChainResult[];
  checked_at: Date;
}

type Heads = Kysely<Database & { audit_chain_heads: AuditChainHeadsTable }>;

async function verifyChain(db: Db, processId: number | null, name: string): Promise<ChainResult> {
  const result: ChainResult = { process_id: processId, process_name: name, entries: 0, ok: true, broken: null };
  const fail = (id: number, reason: string) => {
    result.ok = false;
    result.broken = { id, reason };
    return result;
  };
  let prevId = 0;
  let prevHash: string | null = null;
  for (;;) {
    const rows = await db.selectFrom('audit_log')
      .select(['id', 'process_id', 'user_id', 'action', 'entity_type', 'entity_id', 'ip', 'user_agent', 'changes', 'created_at', 'prev_hash', 'hash'])
      .where('process_id', processId === null ? 'is' : '=', processId)
      .where('id', '>', prevId)
      .orderBy('id').limit(BATCH).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.prev_hash !== prevHash) {
        return fail(r.id, prevId
          ? `does not follow entry #${prevId}: an entry between them was removed, or this one was inserted or changed outside the application.`
          : 'is the first entry of the chain but points to an earlier one: entries before it were removed.');
      }
      if (r.hash !== auditHash(r.prev_hash, r)) {
        return fail(r.id, 'was changed after it was written: its content no longer matches its hash.');
      }
      result.entries += 1;
      prevId = r.id;
      prevHash = r.hash;
    }
  }
  const head = await (db as unknown as Heads).selectFrom('audit_chain_heads').select(['last_id', 'last_hash'])
    .where('chain_key', '=', chainKey(processId)).executeTakeFirst();
  if (!head || head.last_id === null) return result;
  const lastId = prevId;
  if (head.last_id > lastId) {
    // Written after the walk passed (fine), or the newest entries are gone.
    const still = await db.selectFrom('audit_log').select('id').where('id', '=', head.last_id).executeTakeFirst();
    if (!still) {
      return fail(head.last_id, `is missing: the chain should end at entry #${head.last_id} but ends at ${lastId ? `#${lastId}` : 'nothing'}; the newest entries were removed.`);
    }
  } else if (head.last_id < lastId) {
    const extra = await db.selectFrom('audit_log').select('id')
      .where('process_id', processId === null ? 'is' : '=', processId)
      .where('id', '>', head.last_id).orderBy('id').limit(1).executeTakeFirstOrThrow();
    return fail(extra.id, `was added outside the application: the chain ends at entry #${head.last_id}.`);
  } else if (head.last_hash !== prevHash) {
    return fail(lastId, 'does not match the chain head: it was replaced.');
  }
  return result;
}

export async function verifyAuditChains(db: Db, actor: Actor, now: Date): Promise<IntegrityReport> {
  const processes = await scoped(db.selectFrom('processes'), actor, 'id').select(['id', 'name']).orderBy('id').execute();
  const chains: { id: number | null; name: string }[] = processes.map((p) => ({ id: p.id, name: p.name }));
  if (actor.role === 'super_admin' && processFilter(actor) === null) chains.push({ id: null, name: 'No process (platform)' });
  const results: ChainResult[] = [];
  for (const c of chains) results.push(await verifyChain(db, c.id, c.name));
  return {
    ok: results.every((r) => r.ok),
    entries: results.reduce((n, r) => n + r.entries, 0),
    chains: results,
    checked_at: now,
  };
}
