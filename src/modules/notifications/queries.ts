import { sql, type ExpressionBuilder, type Transaction } from 'kysely';
import { isUniqueViolation, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export const DIRECTIONS = ['ops_to_client', 'client_to_ops'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface NotificationFilters {
  direction?: Direction;
}

/**
 * The notifications the actor may see: their process (super_admin: all or the one switched to).
 * A client sees the team's messages to clients and their own messages to the team, not other
 * stakeholders' messages.
 */
function listBase(db: Executor, actor: Actor) {
  let q = scoped(db.selectFrom('notifications'), actor, 'notifications.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'notifications.process_id')
    .leftJoin('users as sender', 'sender.id', 'notifications.sent_by')
    .selectAll('notifications')
    .select(['sender.name as sender_name', 'processes.name as process_name', 'processes.slug as process_slug',
      'processes.timezone as process_timezone']);
  if (actor.role === 'client') q = q.where(clientSees(actor));
  return q;
}

/**
 * What a client may read of their process's notifications: the team's messages to clients and their
 * own messages to the team, never another stakeholder's (also the rule of the activity feed).
 */
export function clientSees(actor: Actor) {
  return (eb: ExpressionBuilder<Database, 'notifications'>) => eb.or([
    eb('notifications.direction', '=', 'ops_to_client'),
    eb('notifications.sent_by', '=', actor.userId),
  ]);
}

export type NotificationRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page, newest first, by keyset on (sent_at, id). */
export async function listNotifications(db: Executor, actor: Actor, f: NotificationFilters, cursor: Cursor | null, limit: number): Promise<NotificationRow[]> {
  let q = listBase(db, actor);
  if (f.direction) q = q.where('notifications.direction', '=', f.direction);
  if (cursor) {
    q = q.where(olderThan(cursor, 'notifications.sent_at', 'notifications.id'));
  }
  return listTableFirst(db, q, crossesProcesses(actor))
    .orderBy('notifications.sent_at', 'desc').orderBy('notifications.id', 'desc').limit(limit + 1).execute();
}

export async function findNotification(db: Executor, actor: Actor, id: number): Promise<NotificationRow | undefined> {
  return listBase(db, actor).where('notifications.id', '=', id).executeTakeFirst();
}

export interface Delivery {
  /** Emails written to the outbox for the notification: one per recipient. */
  total: number;
  sent: number;
  bounced: number;
  failed: number;
  /** Queued, sending or waiting for a retry. */
  pending: number;
}

/**
 * What the outbox says about each notification's emails, in one grouped query for a whole page.
 * Notifications with no outbox rows (the demo seed's history) are absent.
 */
export async function deliverySummary(db: Executor, ids: number[]): Promise<Map<number, Delivery>> {
  const out = new Map<number, Delivery>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('email_outbox')
    .select(['notification_id', 'status', sql<number>`count(*)`.as('n')])
    .where('notification_id', 'in', ids)
    .groupBy(['notification_id', 'status'])
    .execute();
  for (const r of rows) {
    if (r.notification_id === null) continue;
    const d = out.get(r.notification_id) ?? { total: 0, sent: 0, bounced: 0, failed: 0, pending: 0 };
    const n = Number(r.n);
    d.total += n;
    if (r.status === 'sent') d.sent += n;
    else if (r.status === 'bounced') d.bounced += n;
    else if (r.status === 'failed') d.failed += n;
    else d.pending += n;
    out.set(r.notification_id, d);
  }
  return out;
}

/** Each recipient of one notification and what became of their email. */
export async function deliveriesOf(db: Executor, id: number) {
  return db.selectFrom('email_outbox')
    .select(['id', 'to_address', 'status', 'sent_at', 'last_error'])
    .where('notification_id', '=', id)
    .orderBy('to_address')
    .execute();
}

/**
 * The notification bell's audience: what was addressed to the actor's side, within their reach,
 * since their account exists, not sent by themselves. Clients hear the team's broadcasts; staff
 * hear the clients' messages to the team.
 */
function audience(db: Executor, actor: Actor, since: Date) {
  return scoped(db.selectFrom('notifications'), actor, 'notifications.process_id')
    .leftJoin('notification_reads as r', (join) => join.onRef('r.notification_id', '=', 'notifications.id').on('r.user_id', '=', actor.userId))
    .where('notifications.direction', '=', actor.role === 'client' ? 'ops_to_client' : 'client_to_ops')
    .where('notifications.sent_at', '>=', since)
    .where((eb) => eb.or([eb('notifications.sent_by', 'is', null), eb('notifications.sent_by', '!=', actor.userId)]));
}

async function memberSince(db: Executor, actor: Actor): Promise<Date> {
  const me = await db.selectFrom('users').select('created_at').where('id', '=', actor.userId).executeTakeFirst();
  return me?.created_at ?? new Date(0);
}

export async function unreadCount(db: Executor, actor: Actor): Promise<number> {
  const row = await audience(db, actor, await memberSince(db, actor))
    .where('r.user_id', 'is', null)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface BellItem {
  id: number;
  subject: string;
  sender_name: string | null;
  sent_at: Date;
  unread: boolean;
}

/** The newest of the bell's notifications, each marked unread or not (before marking them read). */
export async function bellItems(db: Executor, actor: Actor, limit: number): Promise<BellItem[]> {
  const rows = await audience(db, actor, await memberSince(db, actor))
    .leftJoin('users as sender', 'sender.id', 'notifications.sent_by')
    .select(['notifications.id', 'notifications.subject', 'notifications.sent_at', 'sender.name as sender_name', 'r.read_at'])
    .orderBy('notifications.sent_at', 'desc').orderBy('notifications.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, subject: r.subject, sender_name: r.sender_name, sent_at: r.sent_at, unread: r.read_at === null }));
}

/** Marks every unread notification of the bell read for the actor. Returns how many. */
export async function markAllRead(db: Db, actor: Actor, now: Date): Promise<number> {
  const ids = (await audience(db, actor, await memberSince(db, actor))
    .where('r.user_id', 'is', null)
    .select('notifications.id')
    .limit(1000)
    .execute()).map((r) => r.id);
  if (ids.length === 0) return 0;
  try {
    await db.insertInto('notification_reads').values(ids.map((id) => ({ user_id: actor.userId, notification_id: id, read_at: now }))).execute();
    return ids.length;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  // Two tabs opening the bell at once: the other one marked (some of) them; mark the rest one by one
  // and count only those, so the two answers add up to what was unread.
  let marked = 0;
  for (const id of ids) {
    try {
      await db.insertInto('notification_reads').values({ user_id: actor.userId, notification_id: id, read_at: now }).execute();
      marked++;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return marked;
}
