import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, SUPER_ADMIN, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * An incident's downtime: listed in its dialog (with "Log downtime" for those who may log), filtered on
 * the API by `?incident_id=`, and the log form opening with the incident linked. Both databases.
 */

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

const event = (over: Record<string, unknown>) => ({ services_affected: ['Checkout API'], impact_level: 'high', ...over });

/** The ids of the downtime rows in the incident dialog's Downtime section, in order. */
function dialogDowntime(html: string): number[] {
  const section = /<section data-testid="incident-downtime">[\s\S]*?<\/section>/.exec(html);
  if (!section) throw new Error('no Downtime section');
  return [...section[0].matchAll(/data-downtime="(\d+)"/g)].map((m) => Number(m[1]));
}

describe.each(DIALECTS)('downtime by incident on %s', (dialect) => {
  let t: TestApp;
  let incidentId: number;
  const ids: number[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    incidentId = (await json(await t.api(momo.operator, 'POST', '/incidents', { title: 'Checkout <b>down</b>', severity: 1 }))).id;
    const at = t.clock.now().getTime();
    for (const [i, minutesAgo] of [90, 30].entries()) {
      const res = await t.api(momo.operator, 'POST', '/downtime', event({
        incident_id: incidentId, started_at: new Date(at - minutesAgo * 60_000).toISOString(), services_affected: [`Service <${i}>`],
      }));
      expect(res.status).toBe(201);
      ids.push((await json(res)).id);
    }
    await t.api(momo.operator, 'PATCH', `/downtime/${ids[0]}`, { ended_at: new Date(at - 60 * 60_000).toISOString() });
    // Standalone, and linked to another incident: neither belongs to this one.
    await t.api(momo.operator, 'POST', '/downtime', event({ started_at: new Date(at - 10 * 60_000).toISOString() }));
  });
  afterAll(async () => t?.close());

  it('the API lists an incident\'s events newest first; a malformed id is a 400; another process sees none', async () => {
    const list = await json(await t.api(momo.viewer, 'GET', `/downtime?incident_id=${incidentId}`));
    expect(list.items.map((d: any) => d.id)).toEqual([ids[1], ids[0]]);
    expect(list.items.every((d: any) => d.incident_id === incidentId)).toBe(true);
    const paged = await json(await t.api(momo.viewer, 'GET', `/downtime?incident_id=${incidentId}&limit=1`));
    expect(paged.items.map((d: any) => d.id)).toEqual([ids[1]]);
    const rest = await json(await t.api(momo.viewer, 'GET', `/downtime?incident_id=${incidentId}&limit=1&cursor=${paged.next_cursor}`));
    expect(rest.items.map((d: any) => d.id)).toEqual([ids[0]]);
    expect(rest.next_cursor).toBeNull();
    expect(await json(await t.api(momo.viewer, 'GET', `/downtime?incident_id=${incidentId}&status=ongoing`))).toMatchObject({ items: [{ id: ids[1] }] });

    for (const bad of ['abc', '-1', '1.5', '9'.repeat(16), '%3Cscript%3E']) {
      const res = await t.api(momo.viewer, 'GET', `/downtime?incident_id=${bad}`);
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('bad_request');
    }
    expect((await json(await t.api(momo.viewer, 'GET', '/downtime?incident_id=999999999'))).items).toEqual([]);
    expect((await json(await t.api(ignite.admin, 'GET', `/downtime?incident_id=${incidentId}`))).items).toEqual([]);
    expect((await json(await t.api(SUPER_ADMIN, 'GET', `/downtime?incident_id=${incidentId}`))).items).toHaveLength(2);
  });

  it('the Downtime page filters by incident: a banner, the tabs keep it; a malformed id is ignored, another process\'s shows nothing', async () => {
    const rowIds = (html: string) => [...html.matchAll(/<tr id="downtime-(\d+)"/g)].map((m) => Number(m[1]));
    const html = await (await t.page(momo.viewer, `/downtime?incident_id=${incidentId}`)).text();
    expect(rowIds(html)).toEqual([ids[1], ids[0]]);
    expect(html).toContain('data-testid="incident-filter"');
    expect(html).toContain(`href="/downtime?status=ongoing&amp;incident_id=${incidentId}"`);
    const ongoing = await (await t.page(momo.viewer, `/downtime?status=ongoing&incident_id=${incidentId}`)).text();
    expect(rowIds(ongoing)).toEqual([ids[1]]);
    expect(ongoing).toContain('href="/downtime?status=ongoing" class="ml-auto');

    const malformed = await t.page(momo.viewer, '/downtime?incident_id=%3Cscript%3E');
    expect(malformed.status).toBe(200);
    const all = await malformed.text();
    expect(all).not.toContain('data-testid="incident-filter"');
    expect(rowIds(all).length).toBeGreaterThan(2);
    const other = await (await t.page(ignite.viewer, `/downtime?incident_id=${incidentId}`)).text();
    expect(rowIds(other)).toEqual([]);
    expect(other).toContain(`No downtime for incident #${incidentId}`);
  });

  it.each([
    ['viewer', momo.viewer, false],
    ['client', momo.client, false],
    ['operator', momo.operator, true],
    ['manager', momo.manager, true],
    ['admin', momo.admin, true],
  ])('a %s sees the incident\'s downtime in its dialog; "Log downtime" only from operator up', async (_role, email, mayLog) => {
    const html = await (await t.page(email, `/incidents/${incidentId}`)).text();
    expect(dialogDowntime(html)).toEqual([ids[1], ids[0]]);
    expect(html).toContain('lasted 30m');
    // Counting up in the browser, as on the Downtime page.
    expect(html).toMatch(/ongoing for <span data-duration-since="[\d-]+T[\d:.]+Z">30m<\/span>/);
    expect(html).toContain('Service &lt;0&gt;');
    expect(html.includes('data-testid="log-incident-downtime"')).toBe(mayLog);
  });

  it('an incident without downtime says so', async () => {
    const other = (await json(await t.api(momo.operator, 'POST', '/incidents', { title: 'No outage', severity: 4 }))).id;
    const html = await (await t.page(momo.operator, `/incidents/${other}`)).text();
    expect(dialogDowntime(html)).toEqual([]);
    expect(html).toContain('No downtime logged for this incident.');
  });

  it('shows ten events at most, then links to all of the incident\'s downtime', async () => {
    const busy = (await json(await t.api(momo.operator, 'POST', '/incidents', { title: 'Flapping', severity: 2 }))).id;
    const at = t.clock.now().getTime();
    for (let i = 0; i < 11; i++) {
      expect((await t.api(momo.operator, 'POST', '/downtime', event({ incident_id: busy, started_at: new Date(at - (i + 1) * 60_000).toISOString() }))).status).toBe(201);
    }
    const html = await (await t.page(momo.operator, `/incidents/${busy}`)).text();
    expect(dialogDowntime(html)).toHaveLength(10);
    expect(html).toContain(`href="/downtime?incident_id=${busy}"`);
    const few = await (await t.page(momo.operator, `/incidents/${incidentId}`)).text();
    expect(few).not.toContain('data-testid="incident-downtime-all"');
  });

  it('"Log downtime" opens the form with the incident linked, an old one too; another process\'s incident is not offered', async () => {
    const form = await (await t.page(momo.operator, `/downtime/new?incident_id=${incidentId}`)).text();
    expect(form).toMatch(new RegExp(`<option value="${incidentId}" selected=""`));
    // Older than the hundred newest the form offers: still offered, and chosen.
    const momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    const old = await t.db.selectFrom('incidents').selectAll().where('process_id', '=', momoId)
      .orderBy('opened_at').orderBy('id').executeTakeFirstOrThrow();
    const { id: _id, ...copy } = old;
    const now = t.clock.now().getTime();
    await t.db.insertInto('incidents').values(Array.from({ length: 100 }, (_, i) => ({
      ...copy, title: `Newer ${i}`, opened_at: new Date(now - i * 1000), updated_at: new Date(now - i * 1000), reminder_sent_at: null,
    }))).execute();
    const plain = await (await t.page(momo.operator, '/downtime/new')).text();
    expect(plain).not.toContain(`<option value="${old.id}"`);
    const oldForm = await (await t.page(momo.operator, `/downtime/new?incident_id=${old.id}`)).text();
    expect(oldForm).toMatch(new RegExp(`<option value="${old.id}" selected=""`));

    const igniteIncident = await t.db.selectFrom('incidents').innerJoin('processes', 'processes.id', 'incidents.process_id')
      .select('incidents.id').where('processes.slug', '=', 'ignite').executeTakeFirstOrThrow();
    for (const id of [String(igniteIncident.id), 'abc', '99999999']) {
      const res = await t.page(momo.operator, `/downtime/new?incident_id=${id}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toMatch(/<option value="\d+" selected=""/);
      expect(html).not.toContain(`<option value="${igniteIncident.id}"`);
    }
  });
});
