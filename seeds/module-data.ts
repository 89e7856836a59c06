import type { Db } from '../src/db/index.js';

/** Demo records for every module (filled in by the module-data seed). */
export async function seedModuleData(db: Db, now: Date): Promise<void> {
  const processes = await db.selectFrom('processes').select(['id', 'name', 'slug']).orderBy('id').execute();
  for (const p of processes) {
    const users = await db.selectFrom('users').select(['id', 'role']).where('process_id', '=', p.id).execute();
    const byRole = (r: string) => users.find((u) => u.role === r)?.id ?? null;
    const rows = [
      { title: `${p.name} API Gateway Timeout`, severity: 1, status: 'open', assigned_to: byRole('manager'), hoursAgo: 26 },
      { title: `${p.name} Database Replication Lag`, severity: 2, status: 'in_progress', assigned_to: byRole('operator'), hoursAgo: 27 },
      { title: `${p.name} SSL Certificate Renewed`, severity: 4, status: 'resolved', assigned_to: null, hoursAgo: 50 },
    ];
    for (const r of rows) {
      const opened = new Date(now.getTime() - r.hoursAgo * 3_600_000);
      await db.insertInto('incidents').values({
        process_id: p.id, title: r.title, description: null, severity: r.severity, status: r.status as 'open',
        assigned_to: r.assigned_to, opened_by: byRole('operator'), opened_at: opened,
        resolved_at: r.status === 'resolved' ? new Date(opened.getTime() + 3_600_000) : null,
        source: 'manual', updated_at: opened,
      }).execute();
    }
  }
}
