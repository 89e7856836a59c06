import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

/** The handover time typed in the form is read in the browser's zone (`tz`), right on DST days too. */
describe.each(DIALECTS)('handover form times in the browser zone on %s', (dialect) => {
  let t: TestApp;
  let managerId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.clock.set('2026-11-02T12:00:00.000Z');
    managerId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.manager).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  async function submit(fields: Record<string, string>, notes: string): Promise<string> {
    const res = await t.request('/handovers', {
      method: 'POST',
      headers: { cookie: await t.cookie(momo.operator), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        shift: 'Night Shift', recipient_id: String(managerId), open_incidents: 'None', actions_taken: 'Checked', notes, ...fields,
      }).toString(),
    });
    expect(res.status).toBe(302);
    const row = await t.db.selectFrom('handovers').select('handover_time').where('notes', '=', notes).executeTakeFirstOrThrow();
    return row.handover_time.toISOString();
  }

  it('the form sends the browser zone', async () => {
    const html = await (await t.page(momo.operator, '/handovers/new')).text();
    expect(html).toMatch(/<input type="hidden" name="tz" value=""[^>]*x-init="\$el\.value = Intl\.DateTimeFormat\(\)\.resolvedOptions\(\)\.timeZone/);
  });

  it('a time the clocks skip is read as the browser reads it, not an hour early', async () => {
    // A browser in Los Angeles: new Date('2026-03-08T02:30') is 10:30Z and its offset 420.
    expect(await submit({ handover_time: '2026-03-08T02:30', tz: 'America/Los_Angeles', tz_offset: '420' }, 'gap')).toBe('2026-03-08T10:30:00.000Z');
    expect(await submit({ handover_time: '2026-11-01T01:30', tz: 'America/Los_Angeles', tz_offset: '420' }, 'repeat')).toBe('2026-11-01T08:30:00.000Z');
    // Without zone or offset, the process's zone (Africa/Johannesburg, UTC+2).
    expect(await submit({ handover_time: '2026-05-09T18:00' }, 'process')).toBe('2026-05-09T16:00:00.000Z');
  });

  it('refuses a date that does not exist instead of rolling it over', async () => {
    const res = await t.request('/handovers', {
      method: 'POST',
      headers: { cookie: await t.cookie(momo.operator), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        shift: 'Night Shift', recipient_id: String(managerId), open_incidents: 'None', actions_taken: 'Checked', notes: 'feb31',
        handover_time: '2026-02-31T10:00', tz: 'Africa/Johannesburg',
      }).toString(),
    });
    expect(res.status).toBe(422);
    expect(await t.db.selectFrom('handovers').select('id').where('notes', '=', 'feb31').executeTakeFirst()).toBeUndefined();
  });
});
