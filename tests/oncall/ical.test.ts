import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeText, foldLine, renderCalendar } from '../../src/modules/oncall/ical.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

/** Unfolds an iCalendar text (RFC 5545 3.1) into content lines, checking the physical lines on the way. */
function contentLines(text: string): string[] {
  expect(text.endsWith('\r\n')).toBe(true);
  // Every line break is CRLF.
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const physical = text.slice(0, -2).split('\r\n');
  for (const line of physical) expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
  const out: string[] = [];
  for (const line of physical) {
    if (line.startsWith(' ')) out[out.length - 1] += line.slice(1);
    else out.push(line);
  }
  return out;
}

interface Event { [prop: string]: string }

function events(lines: string[]): Event[] {
  const out: Event[] = [];
  let current: Event | null = null;
  for (const l of lines) {
    if (l === 'BEGIN:VEVENT') current = {};
    else if (l === 'END:VEVENT') {
      out.push(current!);
      current = null;
    } else if (current) {
      const i = l.indexOf(':');
      current[l.slice(0, i)] = l.slice(i + 1);
    }
  }
  return out;
}

function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

describe('iCalendar writing', () => {
  it('escapes backslashes, semicolons, commas and newlines in TEXT', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds at 75 octets without splitting a UTF-8 character, continuation lines starting with a space', () => {
    const line = `SUMMARY:${'Ż'.repeat(50)}${'x'.repeat(40)}東京🚀`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, p] of parts.entries()) {
      expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(75);
      if (i > 0) expect(p.startsWith(' ')).toBe(true);
      expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
    }
    expect(parts.map((p, i) => (i ? p.slice(1) : p)).join('')).toBe(line);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  it('writes a calendar with UTC instants and one VEVENT per event', () => {
    const text = renderCalendar({
      name: 'Test', events: [{
        uid: 'oncall-1@example.com', start: new Date('2026-05-08T22:00:00Z'), end: new Date('2026-05-09T22:00:00Z'),
        stamp: new Date('2026-05-01T10:00:00.123Z'), summary: 'On call',
      }],
    });
    const lines = contentLines(text);
    expect(lines.slice(0, 3)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//D2C Telcare//D2C OPs On-Call//EN']);
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    expect(events(lines)).toEqual([expect.objectContaining({
      UID: 'oncall-1@example.com', DTSTART: '20260508T220000Z', DTEND: '20260509T220000Z', DTSTAMP: '20260501T100000Z', SUMMARY: 'On call',
    })]);
  });
});

describe.each(DIALECTS)('calendar feed on %s', (dialect) => {
  let t: TestApp;
  let managerId: number;
  let momoId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    managerId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.manager).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  const feedPath = (url: string) => url.slice(BASE.length);

  it('the owner creates a secret address; it serves their shifts as text/calendar, RFC 5545 shaped', async () => {
    expect(await (await t.api(momo.manager, 'GET', '/oncall/ical')).json()).toEqual({ url: null });
    const res = await t.api(momo.manager, 'POST', '/oncall/ical');
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as { url: string };
    expect(url).toMatch(new RegExp(`^${BASE}/oncall/ical/[A-Za-z0-9_-]{32}\\.ics$`));
    expect(await (await t.api(momo.manager, 'GET', '/oncall/ical')).json()).toEqual({ url });

    // Two consecutive days by hand as escalation: one event.
    for (const date of ['2026-06-01', '2026-06-02']) {
      expect((await t.api(momo.admin, 'POST', '/oncall', { user_id: managerId, date, role: 'escalation' })).status).toBe(201);
    }
    const head = await t.request(feedPath(url), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const feed = await t.request(feedPath(url));
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const lines = contentLines(await feed.text());
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('VERSION:2.0');
    expect(lines).toContain('METHOD:PUBLISH');
    expect(lines.filter((l) => l === 'BEGIN:VEVENT').length).toBe(lines.filter((l) => l === 'END:VEVENT').length);
    const evs = events(lines);
    for (const e of evs) {
      expect(e.UID).toMatch(/^oncall-\d+@localhost$/);
      for (const k of ['DTSTART', 'DTEND', 'DTSTAMP']) expect(e[k]).toMatch(/^\d{8}T\d{6}Z$/);
      expect(e.DTEND > e.DTSTART).toBe(true);
    }
    expect(new Set(evs.map((e) => e.UID)).size).toBe(evs.length);

    // The demo seed has the manager on call every day from 6 to 19 May, primary and backup in turn.
    const mine = await t.db.selectFrom('oncall_schedules').select(['id', 'date', 'role']).where('user_id', '=', managerId).execute();
    expect(mine.length).toBe(16);
    expect(evs.length).toBe(14 + 1);
    const may9 = evs.find((e) => e.DTSTART === '20260508T220000Z')!;
    expect(may9).toMatchObject({ DTEND: '20260509T220000Z', SUMMARY: 'On call (primary) — Momo' });
    const june = evs.find((e) => e.DTSTART === '20260531T220000Z')!;
    expect(june.DTEND).toBe('20260602T220000Z');
    expect(june.SUMMARY).toBe('On call (escalation) — Momo');
    expect(unescapeText(june.DESCRIPTION)).toContain('Africa/Johannesburg');
  });

  it('escapes text and folds long names in the feed', async () => {
    await t.db.updateTable('processes').set({ name: 'Momo, Payments; Ops \\ Team' }).where('id', '=', momoId).execute();
    const longName = 'Momo Manager — Łukasz Żółć-Brzęczyszczykiewicz 東京オペレーション 🚀 night desk';
    await t.db.updateTable('users').set({ name: longName }).where('id', '=', managerId).execute();
    try {
      const { url } = (await (await t.api(momo.manager, 'GET', '/oncall/ical')).json()) as { url: string };
      const text = await (await t.request(feedPath(url))).text();
      const lines = contentLines(text);
      expect(lines).toContain(`X-WR-CALNAME:On-call — ${longName}`);
      const summary = events(lines).find((e) => e.DTSTART === '20260508T220000Z')!.SUMMARY;
      expect(summary).toBe('On call (primary) — Momo\\, Payments\\; Ops \\\\ Team');
      expect(unescapeText(summary)).toBe('On call (primary) — Momo, Payments; Ops \\ Team');
    } finally {
      await t.db.updateTable('processes').set({ name: 'Momo' }).where('id', '=', momoId).execute();
      await t.db.updateTable('users').set({ name: 'Momo Manager' }).where('id', '=', managerId).execute();
    }
  });

  it('regenerating gives a new address; the old one answers 404 at once', async () => {
    const { url: old } = (await (await t.api(momo.manager, 'GET', '/oncall/ical')).json()) as { url: string };
    const res = await t.api(momo.manager, 'POST', '/oncall/ical');
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as { url: string };
    expect(url).not.toBe(old);
    expect((await t.request(feedPath(old))).status).toBe(404);
    expect((await t.request(feedPath(url))).status).toBe(200);
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_type', '=', 'user').where('entity_id', '=', managerId).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['oncall.feed_create', 'oncall.feed_regenerate']);
  });

  it('unknown, malformed or deactivated feeds are 404; each user only ever has their own', async () => {
    for (const path of ['/oncall/ical/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics', '/oncall/ical/short.ics', '/oncall/ical/x', '/oncall/ical/%3Cscript%3E.ics']) {
      expect((await t.request(path)).status, path).toBe(404);
    }
    // Everyone can make one, for themself only.
    const urls = new Set<string>();
    for (const email of [momo.viewer, momo.client, momo.operator, momo.admin, SUPER_ADMIN, ignite.operator]) {
      const res = await t.api(email, 'POST', '/oncall/ical');
      expect(res.status, email).toBe(201);
      urls.add(((await res.json()) as { url: string }).url);
    }
    expect(urls.size).toBe(6);
    const { url: opsUrl } = (await (await t.api(momo.operator, 'GET', '/oncall/ical')).json()) as { url: string };
    const opsId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.operator).executeTakeFirstOrThrow()).id;
    const opsRows = await t.db.selectFrom('oncall_schedules').select('id').where('user_id', '=', opsId).execute();
    const evs = events(contentLines(await (await t.request(feedPath(opsUrl))).text()));
    expect(evs.length).toBeGreaterThan(0);
    for (const e of evs) expect(opsRows.map((r) => `oncall-${r.id}@localhost`)).toContain(e.UID);
    // A viewer is never on call: an empty, valid calendar.
    const { url: viewerUrl } = (await (await t.api(momo.viewer, 'GET', '/oncall/ical')).json()) as { url: string };
    const viewerLines = contentLines(await (await t.request(feedPath(viewerUrl))).text());
    expect(events(viewerLines)).toEqual([]);
    // Deactivating the account closes its feed.
    await t.db.updateTable('users').set({ is_active: false }).where('id', '=', opsId).execute();
    expect((await t.request(feedPath(opsUrl))).status).toBe(404);
    await t.db.updateTable('users').set({ is_active: true }).where('id', '=', opsId).execute();
    expect((await t.request(feedPath(opsUrl))).status).toBe(200);
    expect((await t.api(null, 'POST', '/oncall/ical')).status).toBe(401);
    expect((await t.api(null, 'GET', '/oncall/ical')).status).toBe(401);
  });

  it('the calendar page shows the address; making a new one asks for confirmation and swaps it in', async () => {
    const cookie = await t.cookie(momo.operator);
    const page = await t.request('/oncall/calendar', { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const { url } = (await (await t.api(momo.operator, 'GET', '/oncall/ical')).json()) as { url: string };
    expect(html).toContain(url);
    expect(html).toContain('hx-confirm="Make a new address?');
    const res = await t.request('/oncall/calendar', {
      method: 'POST', headers: { cookie, origin: BASE, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' }, body: '',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('hx-trigger')).toContain('toast');
    const fresh = (await (await t.api(momo.operator, 'GET', '/oncall/ical')).json()) as { url: string };
    expect(fresh.url).not.toBe(url);
    expect(await res.text()).toContain(fresh.url);
    expect((await t.request(feedPath(url))).status).toBe(404);
    // Cross-site posts are refused and change nothing.
    const csrf = await t.request('/oncall/calendar', {
      method: 'POST', headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: '',
    });
    expect(csrf.status).toBe(403);
    expect(((await (await t.api(momo.operator, 'GET', '/oncall/ical')).json()) as { url: string }).url).toBe(fresh.url);
    for (const email of [momo.viewer, momo.client, momo.manager, momo.admin, SUPER_ADMIN, ignite.viewer]) {
      expect((await t.page(email, '/oncall/calendar')).status, email).toBe(200);
    }
    expect((await t.request('/oncall/calendar')).status).toBe(302);
  });
});
