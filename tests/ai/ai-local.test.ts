// The local analysis and the local assistant (no API key configured), through the JSON API, on both
// databases; plus the text similarity and categories on their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categorise } from '../../src/modules/ai/categories.js';
import { rankBySimilarity, stem, tokenize } from '../../src/modules/ai/text.js';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { insightRows, json, PROCESSES, processId, seeded, sev3Pair, type ChatJson, type ErrorJson, type InsightJson } from './util.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

describe('text similarity and categories', () => {
  it('tokenizes, drops stop words and stems plurals and tenses together', () => {
    expect(tokenize('The Payments were FAILING after the deploy')).toEqual(['payment', 'fail', stem('deploy')]);
    expect(stem('deployed')).toBe(stem('deploy'));
    expect(stem('delays')).toBe(stem('delayed'));
    expect(stem('timeouts')).toBe(stem('timeout'));
    expect(stem('expired')).toBe(stem('expires'));
    expect(tokenize('')).toEqual([]);
    expect(tokenize(null)).toEqual([]);
  });

  it('ranks the same problem first and leaves unrelated incidents out', () => {
    const docs = [
      { id: 1, title: 'Checkout API 502 errors', description: 'Checkout fails with 502 from the payment processor', rca: null },
      { id: 2, title: 'Nightly reconciliation failed', description: 'Statement file late', rca: 'Bank sent the file late' },
      { id: 3, title: 'Payment processor 502 at checkout', description: 'Card payments fail at checkout', rca: 'Processor DNS change' },
    ];
    const ranked = rankBySimilarity({ title: 'Payments failing at checkout with 502', description: 'processor returns 502' }, docs, (d) => d, { min: 0.1 });
    expect(ranked.map((r) => r.item.id)).toEqual([3, 1]);
    expect(ranked[0].score).toBeGreaterThan(0.3);
    expect(ranked[0].score).toBeLessThanOrEqual(1);
  });

  it('categorises incidents from their words', () => {
    expect(categorise('SSL certificate expired on the public API', '').primary.id).toBe('certificate');
    expect(categorise('Read replica lag', 'replication of the transactions database is 12 minutes behind').primary.id).toBe('database');
    expect(categorise('VPN tunnel to partner down', 'firewall upgrade dropped the tunnel').primary.id).toBe('network');
    expect(categorise('Errors after the morning release', 'deployment of v2.3; rolled back').primary.id).toBe('deployment');
    expect(categorise('Something odd', 'nobody knows').primary.id).toBe('general');
  });
});

describe.each(DIALECTS)('local AI analysis and assistant on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const insights = (email: string, id: number | string, body: unknown = {}) => t.api(email, 'POST', `/ai/incidents/${id}/insights`, body);
  const chat = (email: string, message: unknown) => t.api(email, 'POST', '/ai/chat', message === undefined ? {} : { message });

  it('seeded incidents come back with their known neighbours as the most similar, in every process', async () => {
    for (const slug of PROCESSES) {
      const who = accountsOf(slug).viewer;
      const pid = await processId(t, slug);
      const gateway = await seeded(t, slug, 'API Gateway Timeout', 'open');
      const before = await seeded(t, slug, 'API Gateway Timeout', 'resolved');
      const res = await insights(who, gateway.id);
      expect(res.status).toBe(200);
      const body = await json<InsightJson>(res);
      expect(body).toMatchObject({ source: 'local', model: null, fallback_reason: 'not_configured', incident_id: gateway.id });
      expect(body.similar_incidents[0].id, slug).toBe(before.id);
      expect(body.similar_incidents[0].similarity).toBeGreaterThan(0.5);
      expect(body.similar_incidents[0].rca).toBe(before.rca);
      const ids = body.similar_incidents.map((s) => s.id);
      const own = await t.db.selectFrom('incidents').select('id').where('id', 'in', ids).where('process_id', '=', pid).execute();
      expect(own.length, `${slug}: every similar incident is of the same process`).toBe(ids.length);

      const pair = await sev3Pair(t, slug);
      const sev3 = await json<InsightJson>(await insights(who, pair.open));
      expect(sev3.similar_incidents[0].id, `${slug}: ${pair.title}`).toBe(pair.resolved);
    }
  });

  it('the local analysis is useful on its own: the neighbour\'s RCA as evidence, what fixed it, a category playbook and prevention', async () => {
    const gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
    const before = await seeded(t, 'momo', 'API Gateway Timeout', 'resolved');
    const body = await json<InsightJson>(await insights(momo.operator, gateway.id, { refresh: true }));
    // The neighbour's RCA speaks of an exhausted connection pool: the category follows the evidence.
    expect(body.category.id).toBe('capacity');
    expect(body.root_cause).toContain(`#${before.id}`);
    expect(body.root_cause).toContain('connection pool of the API gateway was exhausted');
    expect(body.root_cause).toContain('HTTP 504');
    expect(body.root_cause).toMatch(/repeats the symptoms/);
    expect(body.recommended_actions.some((a) => a.startsWith(`What worked for #${before.id}:`) && a.includes('rate limited'))).toBe(true);
    expect(body.recommended_actions.some((a) => /saturation/i.test(a))).toBe(true);
    expect(body.recommended_actions.length).toBeLessThanOrEqual(8);
    expect(body.prevention_tips[0]).toMatch(/happened 2 times/);
    expect(body.prevention_tips.some((p) => p.startsWith(`After #${before.id}:`))).toBe(true);

    // A resolved incident shows its own RCA and follow-up actions.
    const resolved = await json<InsightJson>(await insights(momo.operator, before.id));
    expect(resolved.root_cause).toContain(`Recorded root cause: ${before.rca!.slice(0, 40)}`);
    expect(resolved.recommended_actions.join(' ')).toContain('Confirm the fix holds');

    // An incident with nothing like it in its process still gets a category playbook.
    const created = await json<{ id: number }>(await t.api(momo.operator, 'POST', '/incidents', {
      title: 'Wildcard TLS certificate expired on the partner portal', description: 'Browsers show NET::ERR_CERT_DATE_INVALID.', severity: 2,
    }));
    const fresh = await json<InsightJson>(await insights(momo.operator, created.id));
    expect(fresh.category.id).toBe('certificate');
    expect(fresh.recommended_actions[0]).toMatch(/Assign an owner/);
    expect(fresh.recommended_actions.join(' ')).toContain('openssl s_client');
    expect(fresh.prevention_tips.join(' ')).toContain('30 days ahead');
  });

  it('is cached until the incident changes; refresh skips the cache', async () => {
    const pair = await sev3Pair(t, 'momo');
    const first = await json<InsightJson>(await insights(momo.viewer, pair.open, { refresh: true }));
    expect(first.cached).toBe(false);
    t.clock.advance(60_000);
    const second = await json<InsightJson>(await insights(momo.viewer, pair.open));
    expect(second.cached).toBe(true);
    expect(second.generated_at).toBe(first.generated_at);
    const refreshed = await json<InsightJson>(await insights(momo.viewer, pair.open, { refresh: true }));
    expect(refreshed.cached).toBe(false);
    expect(refreshed.generated_at).not.toBe(first.generated_at);
    t.clock.advance(60_000);
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${pair.open}`, { severity: 2 })).status).toBe(200);
    const changed = await json<InsightJson>(await insights(momo.viewer, pair.open));
    expect(changed.cached).toBe(false);
    const rows = await t.db.selectFrom('ai_insights').select(['process_id', 'source']).where('incident_id', '=', pair.open).execute();
    expect(rows).toEqual([{ process_id: await processId(t, 'momo'), source: 'local' }]);
  });

  it('concurrent analyses of one incident all answer and leave one cache row', async () => {
    const gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
    const results = await Promise.all([momo.viewer, momo.operator, momo.manager, momo.admin].map((email) => insights(email, gateway.id, { refresh: true })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const rows = await t.db.selectFrom('ai_insights').select('id').where('incident_id', '=', gateway.id).execute();
    expect(rows).toHaveLength(1);
  });

  it('insights: every role of the process and the super admin may ask; another process gets a 404 and nothing is stored', async () => {
    const gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
    for (const email of [...Object.values(momo), SUPER_ADMIN]) {
      const res = await insights(email, gateway.id, { refresh: true });
      expect(res.status, email).toBe(200);
    }
    expect((await t.api(SUPER_ADMIN, 'POST', `/ai/incidents/${gateway.id}/insights?process=momo`, {})).status).toBe(200);
    const stored = await insightRows(t);
    for (const email of Object.values(ignite)) {
      const res = await insights(email, gateway.id, { refresh: true });
      expect(res.status, email).toBe(404);
      const err = await json<ErrorJson>(res);
      expect(err.error.code).toBe('not_found');
      expect(JSON.stringify(err)).not.toContain('Momo');
    }
    // The super admin viewing Ignite does not reach a Momo incident either.
    expect((await t.api(SUPER_ADMIN, 'POST', `/ai/incidents/${gateway.id}/insights?process=ignite`, {})).status).toBe(404);
    expect(await insightRows(t)).toBe(stored);
    expect((await t.request(`/api/v1/ai/incidents/${gateway.id}/insights`, { method: 'POST' })).status).toBe(401);
  });

  it('insights: bad input is a clear 4xx', async () => {
    const gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
    expect((await insights(momo.viewer, 999999)).status).toBe(404);
    expect((await insights(momo.viewer, 'abc')).status).toBe(404);
    expect((await insights(momo.viewer, '1e3')).status).toBe(404);
    const wrongType = await insights(momo.viewer, gateway.id, { refresh: 'yes' });
    expect(wrongType.status).toBe(422);
    expect((await json<ErrorJson>(wrongType)).error.fields?.refresh).toMatch(/true or false/);
    expect((await insights(momo.viewer, gateway.id, '{"refresh": tru')).status).toBe(400);
    expect((await insights(momo.viewer, gateway.id, '[1]')).status).toBe(400);
    // An empty body is fine: the cache is used.
    const empty = await t.request(`/api/v1/ai/incidents/${gateway.id}/insights`, { method: 'POST', headers: { authorization: `Bearer ${await t.token(momo.viewer)}` } });
    expect(empty.status).toBe(200);
  });

  it('insights: text with HTML comes back as data, and the page shows it escaped', async () => {
    const created = await json<{ id: number }>(await t.api(momo.operator, 'POST', '/incidents', {
      title: '<img src=x onerror=alert(1)> gateway down', description: '<script>alert("x")</script> checkout 502', severity: 2,
    }));
    const body = await json<InsightJson>(await insights(momo.viewer, created.id));
    expect(body.source).toBe('local');
    const page = await (await t.page(momo.viewer, `/ai-insights?incident=${created.id}`)).text();
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt; gateway down');
    expect(page).not.toContain('<img src=x');
  });

  it('chat: answers the quick actions from the user\'s own process', async () => {
    const gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
    const open = await json<ChatJson>(await chat(momo.viewer, 'What is open?'));
    expect(open).toMatchObject({ source: 'local', model: null, fallback_reason: 'not_configured' });
    expect(open.reply).toMatch(/\d+ active incidents? in Momo/);
    expect(open.reply).toContain(`#${gateway.id} Sev 1 “${gateway.title}”`);
    expect(open.reply).not.toContain('Ignite');
    expect(open.reply).toContain('Open tickets:');

    const igniteOpen = await json<ChatJson>(await chat(ignite.viewer, 'What is open?'));
    expect(igniteOpen.reply).toContain('in Ignite');
    expect(igniteOpen.reply).not.toContain('Momo');

    // A client sees incidents but not tickets.
    const client = await json<ChatJson>(await chat(momo.client, 'What is open?'));
    expect(client.reply).not.toContain('Open tickets');
    expect((await json<ChatJson>(await chat(momo.client, 'Any open tickets?'))).reply).toBe('Your role cannot see tickets.');

    const primary = await t.db.selectFrom('oncall_schedules').innerJoin('users', 'users.id', 'oncall_schedules.user_id')
      .select(['users.name']).where('oncall_schedules.process_id', '=', await processId(t, 'momo'))
      .where('oncall_schedules.role', '=', 'primary').where('oncall_schedules.date', '=', '2026-05-09').executeTakeFirstOrThrow();
    const oncall = await json<ChatJson>(await chat(momo.client, 'Who is on call?'));
    expect(oncall.reply).toContain('On call now in Momo');
    expect(oncall.reply).toContain(`Primary: ${primary.name}`);

    const summary = await json<ChatJson>(await chat(momo.viewer, `Summarise incident #${gateway.id}`));
    expect(summary.reply).toContain(`#${gateway.id} “${gateway.title}” — Sev 1, open`);
    expect(summary.reply).toContain('Latest on the timeline');
    // Absolute times in a text answer name their zone (the reader may be elsewhere).
    expect(summary.reply).toMatch(/Opened \d{1,2} \w{3} \d{4}, \d{2}:\d{2} \(times in Africa\/Johannesburg\), open for /);
    expect(summary.reply).toMatch(/Similar: #\d+/);

    const foreign = await seeded(t, 'ignite', 'API Gateway Timeout', 'open');
    const refused = await json<ChatJson>(await chat(momo.viewer, `Summarise incident #${foreign.id}`));
    expect(refused.reply).toBe(`I can't find incident #${foreign.id} among the incidents you can see.`);

    const escalate = await json<ChatJson>(await chat(momo.client, 'How do I escalate?'));
    expect(escalate.reply).toMatch(/^Escalating an incident:/);
    const howViewer = await json<ChatJson>(await chat(momo.viewer, 'How do I create an incident?'));
    expect(howViewer.reply).toContain('Your role cannot do this yourself');
    const howOperator = await json<ChatJson>(await chat(momo.operator, 'How do I create an incident?'));
    expect(howOperator.reply).not.toContain('Your role cannot');

    const mine = await json<ChatJson>(await chat(momo.operator, 'What is assigned to me?'));
    expect(mine.reply).toMatch(/^Assigned to you/);
    expect((await json<ChatJson>(await chat(momo.viewer, 'hello'))).reply).toContain('Who is on call?');
  });

  it('chat: the super admin sees every process on "All processes", and one when viewing it', async () => {
    const all = await json<ChatJson>(await chat(SUPER_ADMIN, 'What is open?'));
    expect(all.reply).toContain('across all processes');
    expect(all.reply).toContain('[Momo]');
    const oncall = await json<ChatJson>(await chat(SUPER_ADMIN, 'Who is on call?'));
    expect(oncall.reply).toContain('On call now in Ignite');
    expect(oncall.reply).toContain('On call now in Muzanu');
    const viewing = await json<ChatJson>(await t.api(SUPER_ADMIN, 'POST', '/ai/chat?process=ignite', { message: 'What is open?' }));
    expect(viewing.reply).toContain('in Ignite');
    expect(viewing.reply).not.toContain('Momo');
  });

  it('chat: every role may ask; signed out is 401', async () => {
    for (const email of [...Object.values(momo), ...Object.values(ignite), SUPER_ADMIN]) {
      const res = await chat(email, 'What is open?');
      expect(res.status, email).toBe(200);
    }
    expect((await t.request('/api/v1/ai/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' })).status).toBe(401);
  });

  it('chat: an empty, too long or non-text message is a 422 naming the field; malformed JSON is a 400', async () => {
    const cases: [unknown, RegExp][] = [
      ['', /required/],
      ['   \n ', /required/],
      [undefined, /required/],
      ['x'.repeat(20_000), /at most 2,000 characters/],
      [42, /must be text/],
      [['What is open?'], /must be text/],
    ];
    for (const [message, why] of cases) {
      const res = await chat(momo.viewer, message);
      expect(res.status, String(message).slice(0, 20)).toBe(422);
      const err = await json<ErrorJson>(res);
      expect(err.error.code).toBe('validation_failed');
      expect(err.error.fields?.message).toMatch(why);
    }
    expect((await t.api(momo.viewer, 'POST', '/ai/chat', '{"message": ')).status).toBe(400);
    expect((await t.api(momo.viewer, 'POST', '/ai/chat', '"hello"')).status).toBe(400);
    // 2,000 characters exactly is accepted.
    expect((await chat(momo.viewer, `What is open? ${'x'.repeat(1986)}`)).status).toBe(200);
  });
});
