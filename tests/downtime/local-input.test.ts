import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

/**
 * The start typed in the form is read in the browser's own zone, which the form sends (`tz`) beside
 * getTimezoneOffset() (`tz_offset`). On a daylight-saving day the offset alone is wrong for a time the
 * clocks skip: a browser in Los Angeles reads 02:30 on 8 March 2026 as 03:30 PDT and says 420, and
 * 02:30 + 7 h would be 01:30 PST, an hour before what the user saw in the field.
 */
describe.each(DIALECTS)('downtime form times in the browser zone on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.clock.set('2026-11-02T12:00:00.000Z');
  });
  afterAll(async () => t?.close());

  async function logAt(local: string, tz: string, offset: string, notes: string): Promise<string> {
    const res = await t.request('/downtime', {
      method: 'POST',
      headers: { cookie: await t.cookie(momo.operator), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ started_at_local: local, tz, tz_offset: offset, services_affected: 'Checkout', impact_level: 'low', notes }).toString(),
    });
    expect(res.status).toBe(302);
    const row = await t.db.selectFrom('downtime_events').select('started_at').where('notes', '=', notes).executeTakeFirstOrThrow();
    return row.started_at.toISOString();
  }

  it('the form sends the browser zone', async () => {
    const html = await (await t.page(momo.operator, '/downtime/new')).text();
    expect(html).toMatch(/<input type="hidden" name="tz" value=""[^>]*x-init="\$el\.value = Intl\.DateTimeFormat\(\)\.resolvedOptions\(\)\.timeZone/);
  });

  it('reads a skipped time as the browser does, a repeated one as its first occurrence, and a plain one exactly', async () => {
    // What `new Date('2026-03-08T02:30')` gives in a browser in Los Angeles: 10:30Z, offset 420.
    expect(await logAt('2026-03-08T02:30', 'America/Los_Angeles', '420', 'la-gap')).toBe('2026-03-08T10:30:00.000Z');
    // 01:30 happens twice on 1 November: the first (PDT).
    expect(await logAt('2026-11-01T01:30', 'America/Los_Angeles', '420', 'la-repeat')).toBe('2026-11-01T08:30:00.000Z');
    // Auckland skips 02:00-03:00 on 27 September 2026; the browser says -780 (NZDT).
    expect(await logAt('2026-09-27T02:30', 'Pacific/Auckland', '-780', 'akl-gap')).toBe('2026-09-26T14:30:00.000Z');
    expect(await logAt('2026-07-01T23:45', 'Pacific/Auckland', '-720', 'akl-plain')).toBe('2026-07-01T11:45:00.000Z');
    // An unknown zone falls back to the offset, as before.
    expect(await logAt('2026-07-01T23:45', 'Mars/Olympus', '-720', 'bad-zone')).toBe('2026-07-01T11:45:00.000Z');
  });
});
