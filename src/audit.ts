import { createHash } from 'node:crypto';
import { MysqlAdapter, type Kysely, type Transaction } from 'kysely';
import { insertedId, type Db } from './db/index.js';
import type { Database } from './db/schema.js';
import type { Actor } from './tenancy.js';

type Executor = Db | Transaction<Database>;

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: number | null;
  processId: number | null;
  changes?: Record<string, unknown>;
  summary?: string;
}

/*
 * Tamper evidence. Each process has its own hash chain (entries without a process share chain 0):
 * an entry's `hash` is sha256 over the previous entry's hash in the chain and a canonical
 * serialisation of the entry, and `prev_hash` keeps the previous hash. The head of every chain (its
 * last id and hash) lives in `audit_chain_heads` (migrations/002_audit_guard.ts); writers lock their
 * chain's head row inside their own transaction, so concurrent writers of one process queue up
 * instead of forking the chain. (Locking the process row instead deadlocks on MySQL: every tenant
 * insert already holds a shared lock on it through its foreign key.)
 */

/** The head of one chain, from migrations/002_audit_guard.ts. */
export interface AuditChainHeadsTable {
  chain_key: number;
  last_id: number | null;
  last_hash: string | null;
  updated_at: Date;
}
type ChainTables = { audit_chain_heads: AuditChainHeadsTable };

/** The stored content of an audit entry that its hash covers (everything but id and the hashes). */
export interface AuditContent {
  process_id: number | null;
  user_id: number | null;
  action: string;
  entity_type: string;
  entity_id: number | null;
  ip: string | null;
  user_agent: string | null;
  changes: string | null;
  created_at: Date;
}

export const AUDIT_HASH_VERSION = 'd2c-audit-v1';

/** Chain 0 holds the entries that belong to no process. */
export const chainKey = (processId: number | null): number => processId ?? 0;

/** The canonical form an entry is hashed in: a JSON array in a fixed order, instants as ISO strings. */
export function auditCanonical(r: AuditContent): string {
  return JSON.stringify([
    AUDIT_HASH_VERSION, r.process_id, r.user_id, r.action, r.entity_type, r.entity_id, r.ip, r.user_agent, r.changes,
    r.created_at.toISOString(),
  ]);
}

/** sha256 (hex) over the previous hash of the chain (empty for the first entry) and the entry. */
export function auditHash(prevHash: string | null, r: AuditContent): string {
  return createHash('sha256').update(prevHash ?? '').update('\n').update(auditCanonical(r)).digest('hex');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text exactly as the database will give it back (no lone surrogates), cut to the column's size. */
function stored(s: string | null | undefined, max: number): string | null {
  if (s === null || s === undefined) return null;
  return s.slice(0, max).replace(LONE_SURROGATE, '\uFFFD');
}

/** MySQL TEXT holds 65,535 bytes: very long values in `changes` are shortened, the JSON stays valid. */
const CHANGES_MAX_BYTES = 60_000;
function storedChanges(changes: Record<string, unknown> | undefined): string | null {
  if (!changes) return null;
  let json = JSON.stringify(changes);
  if (Buffer.byteLength(json) <= CHANGES_MAX_BYTES) return json;
  const shorten = (v: unknown): unknown => {
    if (typeof v === 'string') return v.length > 2000 ? `${v.slice(0, 2000)}… (shortened)` : v;
    if (Array.isArray(v)) return v.map(shorten);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shorten(x)]));
    return v;
  };
  json = JSON.stringify(shorten(changes));
  if (Buffer.byteLength(json) <= CHANGES_MAX_BYTES) return json;
  return JSON.stringify({ shortened: true, fields: Object.keys(changes).slice(0, 200) });
}

function isMysql(db: Executor): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

function withHeads(db: Executor): Kysely<Database & ChainTables> {
  return (db as Kysely<Database>).withTables<ChainTables>();
}

/**
 * Locks the head row of a chain until the caller's transaction ends (created on first use) and
 * answers the hash of the chain's last entry.
 */
async function lockChainHead(trx: Executor, processId: number | null, now: Date): Promise<string | null> {
  const db = withHeads(trx);
  const key = chainKey(processId);
  const mysql = isMysql(trx);
  const insert = db.insertInto('audit_chain_heads').values({ chain_key: key, last_id: null, last_hash: null, updated_at: now });
  // On MySQL the upsert takes the row's exclusive lock whether it inserted or found it.
  if (mysql) await insert.onDuplicateKeyUpdate({ chain_key: key }).execute();
  else await insert.onConflict((oc) => oc.column('chain_key').doNothing()).execute();
  let q = db.selectFrom('audit_chain_heads').select(['last_id', 'last_hash']).where('chain_key', '=', key);
  if (mysql) q = q.forUpdate();
  const head = await q.executeTakeFirstOrThrow();
  if (head.last_id !== null) return head.last_hash;
  // A head that never saw an entry: start from the chain's last row, if rows were written before it.
  let last = db.selectFrom('audit_log').select(['hash'])
    .where('process_id', processId === null ? 'is' : '=', processId)
    .orderBy('id', 'desc').limit(1);
  if (mysql) last = last.forUpdate();
  return (await last.executeTakeFirst())?.hash ?? null;
}

async function advanceChainHead(trx: Executor, processId: number | null, lastId: number, lastHash: string, now: Date): Promise<void> {
  await withHeads(trx).updateTable('audit_chain_heads')
    .set({ last_id: lastId, last_hash: lastHash, updated_at: now })
    .where('chain_key', '=', chainKey(processId))
    .execute();
}

function auditContent(actor: Actor | null, now: Date, entry: AuditEntry): AuditContent {
  return {
    process_id: entry.processId,
    user_id: actor?.userId ?? null,
    action: stored(entry.action, 80)!,
    entity_type: stored(entry.entityType, 40)!,
    entity_id: entry.entityId,
    ip: stored(actor?.ip, 64),
    user_agent: stored(actor?.userAgent, 300),
    changes: storedChanges(entry.changes),
    created_at: now,
  };
}

/**
 * Takes the process's audit chain lock now instead of at the first recordAction, for a check-then-
 * write that must not interleave with another request on the same process: MySQL runs transactions
 * side by side (two requests both passed "not on call that day yet" and both wrote the row); SQLite
 * runs them one at a time anyway. Every audited write of the process takes this lock before it
 * commits, so taking it earlier adds no new lock order.
 */
export async function lockProcessWrites(trx: Transaction<Database>, processId: number, now: Date): Promise<void> {
  await lockChainHead(trx, processId, now);
}

/**
 * Writes the audit entry (chained, see above) and the activity item of one action, inside the
 * caller's transaction. The actor may be null for the system (jobs, alerts).
 */
export async function recordAction(trx: Executor, actor: Actor | null, now: Date, entry: AuditEntry): Promise<void> {
  // The chain head stays locked only inside a transaction: make one if the caller has none.
  if (!trx.isTransaction) return (trx as Db).transaction().execute((t) => recordAction(t, actor, now, entry));
  const content = auditContent(actor, now, entry);
  const prevHash = await lockChainHead(trx, entry.processId, now);
  const hash = auditHash(prevHash, content);
  const id = insertedId(await trx.insertInto('audit_log').values({ ...content, prev_hash: prevHash, hash }).executeTakeFirstOrThrow());
  await advanceChainHead(trx, entry.processId, id, hash, now);
  const verb = entry.action.split('.').slice(1).join('.') || entry.action;
  await trx.insertInto('activity_log').values({
    process_id: entry.processId,
    user_id: actor?.userId ?? null,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    action: verb,
    summary: entry.summary?.slice(0, 300) ?? null,
    created_at: now,
  }).execute();
}

/**
 * Appends many audit entries at once (the demo seed, bulk loads), in the order given, chained
 * exactly as recordAction chains them; the activity feed is the caller's business. Use inside a
 * transaction so the chains' heads stay locked until the rows are in.
 */
export async function appendAuditRows(trx: Executor, rows: AuditContent[], now: Date, batch = 400): Promise<void> {
  if (rows.length === 0) return;
  const chains = [...new Set(rows.map((r) => r.process_id))].sort((a, b) => chainKey(a) - chainKey(b));
  const last = new Map<number, string | null>();
  for (const p of chains) last.set(chainKey(p), await lockChainHead(trx, p, now));
  const values = rows.map((r) => {
    const content: AuditContent = {
      ...r, action: stored(r.action, 80)!, entity_type: stored(r.entity_type, 40)!, ip: stored(r.ip, 64),
      user_agent: stored(r.user_agent, 300),
    };
    const prev = last.get(chainKey(r.process_id)) ?? null;
    const hash = auditHash(prev, content);
    last.set(chainKey(r.process_id), hash);
    return { ...content, prev_hash: prev, hash };
  });
  for (let i = 0; i < values.length; i += batch) {
    await trx.insertInto('audit_log').values(values.slice(i, i + batch)).execute();
  }
  for (const p of chains) {
    const tail = await trx.selectFrom('audit_log').select(['id', 'hash'])
      .where('process_id', p === null ? 'is' : '=', p)
      .orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    await advanceChainHead(trx, p, tail.id, tail.hash!, now);
  }
}
