import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

/** The page titles the original's module reference gives each page (its figure captions). */
const HEADINGS: [string, string][] = [
  ['/incidents', 'Incident Management'],
  ['/downtime', 'Downtime Tracking'],
  ['/tickets', 'Ticketing'],
  ['/handovers', 'Shift Handovers'],
  ['/escalations', 'Escalation Chains'],
  ['/automation', 'Automation Rules'],
  ['/notifications', 'Client Notifications'],
  ['/ai-insights', 'AI Insights'],
  ['/oncall', 'On-Call Scheduling'],
  ['/reporting', 'Reporting &amp; Export'],
  ['/audit-log', 'Audit Log'],
  ['/activity', 'Live Activity Feed'],
  ['/users', 'User Management'],
];

const headers = (html: string) => [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m.at(1)!.trim());

describe.each(DIALECTS)('pages use the original\'s wording on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await createTestApp(dialect); });
  afterAll(async () => t?.close());

  it('each module page is titled as the original names it', async () => {
    for (const [path, heading] of HEADINGS) {
      const res = await t.page(SUPER_ADMIN, path);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html, path).toMatch(new RegExp(`<h1[^>]*>${heading}</h1>`));
      expect(html, path).toContain(`<title>${heading} &middot; D2C OPs</title>`);
    }
  });

  it('the downtime table has the Impact Level and Current Status columns of Figure 6.3', async () => {
    const html = await (await t.page(momo.operator, '/downtime')).text();
    expect(headers(html)).toEqual(['Incident', 'Start time', 'Duration', 'Impact level', 'Services affected', 'Current status']);
    expect(html).toMatch(/>\s*Ongoing\s*</);
    expect(html).toMatch(/>End<\/button>/);
  });
});
