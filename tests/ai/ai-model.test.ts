// The model path against a real loopback server speaking the chat completions API: good answers are
// used, every kind of failure falls back to the local analysis, and nothing of another process is sent.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { GOOD_CHAT_REPLY, GOOD_INSIGHT, startFakeOpenAi, type FakeBehaviour, type FakeOpenAi, type RecordedRequest } from '../helpers/fake-openai.js';
import { complete, ModelError, normaliseBaseUrl } from '../../src/modules/ai/model.js';
import { json, processId, PROCESS_NAMES, seeded, sev3Pair, type ChatJson, type InsightJson } from './util.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const OTHER_THAN_MOMO = Object.entries(PROCESS_NAMES).filter(([slug]) => slug !== 'momo').map(([, name]) => name);
const TIMEOUT_MS = 400;

/** Every other process's name, its users' addresses and its incident titles: none may be in a request. */
function assertOnlyMomo(req: RecordedRequest, ignoreTitles: string[] = []) {
  for (const name of OTHER_THAN_MOMO) {
    expect(req.raw, `request mentions ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
    expect(req.raw).not.toContain(`.${name.toLowerCase()}@`);
    expect(req.raw).not.toContain(`@${name.toLowerCase()}.com`);
  }
  for (const t of ignoreTitles) expect(req.raw).not.toContain(t);
}

function userData(req: RecordedRequest): any {
  return JSON.parse(req.body.messages!.find((m) => m.role === 'user')!.content);
}

describe('the model client', () => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(async () => fake?.close());

  it('adds /v1 to a bare server address (an Ollama or vLLM URL as people write it) and defaults to the public API', async () => {
    expect(normaliseBaseUrl(undefined)).toBe('https://api.openai.com/v1');
    expect(normaliseBaseUrl('http://localhost:11434')).toBe('http://localhost:11434/v1');
    expect(normaliseBaseUrl('http://localhost:8000/v1/')).toBe('http://localhost:8000/v1');
    expect(normaliseBaseUrl('https://gw.example/openai/v1')).toBe('https://gw.example/openai/v1');
    const origin = fake.url.replace(/\/v1$/, '');
    const reply = await complete({ apiKey: 'k', baseUrl: origin, model: 'm', timeoutMs: 1000 }, [{ role: 'user', content: 'hi' }]);
    expect(reply).toBe(GOOD_CHAT_REPLY);
    expect(fake.requests[0].path).toBe('/v1/chat/completions');
  });

  it('names what went wrong, and never constructs a client without a key', async () => {
    const config = { apiKey: 'k', baseUrl: fake.url, model: 'm', timeoutMs: 300 };
    const reason = async (cfg: typeof config) => {
      try {
        await complete(cfg, [{ role: 'user', content: 'hi' }]);
        return 'none';
      } catch (e) {
        return e instanceof ModelError ? e.reason : 'other';
      }
    };
    fake.behaviour = 'error500';
    expect(await reason(config)).toBe('http');
    fake.behaviour = 'slow';
    expect(await reason(config)).toBe('timeout');
    fake.behaviour = 'malformed-body';
    expect(await reason(config)).toBe('malformed');
    fake.behaviour = 'good';
    expect(await reason({ ...config, baseUrl: 'http://127.0.0.1:9/v1' })).toBe('connection');
    const before = fake.requests.length;
    expect(await reason({ ...config, apiKey: undefined as unknown as string })).toBe('connection');
    expect(fake.requests.length).toBe(before);
  });
});

describe.each(DIALECTS)('AI with an OpenAI-compatible model on %s', (dialect) => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let gateway: { id: number; title: string };
  let neighbour: { id: number; rca: string | null };

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await createTestApp(dialect, { config: { openai: { apiKey: 'test-key', baseUrl: fake.url, model: 'fake-gpt', timeoutMs: TIMEOUT_MS } } });
    gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
    neighbour = await seeded(t, 'momo', 'API Gateway Timeout', 'resolved');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const insights = (email: string, id: number, body: unknown = { refresh: true }, query = '') =>
    t.api(email, 'POST', `/ai/incidents/${id}/insights${query}`, body);

  it('a good structured answer is used and shown with source "openai"; the request carries the incident, its timeline and its neighbours', async () => {
    const res = await insights(momo.viewer, gateway.id);
    expect(res.status).toBe(200);
    const body = await json<InsightJson>(res);
    expect(body).toMatchObject({
      source: 'openai', model: 'fake-gpt', fallback_reason: null, cached: false, incident_id: gateway.id,
      root_cause: GOOD_INSIGHT.root_cause, recommended_actions: GOOD_INSIGHT.recommended_actions, prevention_tips: GOOD_INSIGHT.prevention_tips,
    });
    // Similar incidents are always the process's own, found locally, with working links.
    expect(body.similar_incidents[0].id).toBe(neighbour.id);

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0];
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.authorization).toBe('Bearer test-key');
    expect(req.body.model).toBe('fake-gpt');
    expect(req.body.response_format?.type).toBe('json_schema');
    const data = userData(req);
    expect(data.incident).toMatchObject({ id: gateway.id, title: gateway.title, severity: 'Sev 1', status: 'open' });
    expect(data.timeline.length).toBeGreaterThan(0);
    expect(data.timeline[0].message).toMatch(/Opened by/);
    expect(data.similar_past_incidents[0]).toMatchObject({ id: neighbour.id, rca: neighbour.rca });
    assertOnlyMomo(req);

    // Cached until the incident changes: no second request.
    const again = await json<InsightJson>(await insights(momo.operator, gateway.id, {}));
    expect(again).toMatchObject({ source: 'openai', cached: true, root_cause: GOOD_INSIGHT.root_cause });
    expect(fake.requests).toHaveLength(1);

    // The page shows it with the model badge.
    const page = await (await t.page(momo.viewer, `/ai-insights?incident=${gateway.id}`)).text();
    expect(page).toContain('data-testid="insight-panels"');
    expect(page).toContain('data-source="openai"');
    expect(page).toContain('AI model · fake-gpt');
    expect(page).toContain('MODEL-ACTION-1');
  });

  const failures: [string, FakeBehaviour, ((f: FakeOpenAi) => void)?][] = [
    ['malformed JSON content', 'malformed-content'],
    ['a body that is not JSON', 'malformed-body'],
    ['HTTP 500', 'error500'],
    ['a timeout', 'slow', (f) => { f.delayMs = 5000; }],
    ['JSON of the wrong shape', 'good', (f) => { f.content = () => JSON.stringify({ root_cause: 'x', recommended_actions: 'not a list', prevention_tips: [] }); }],
    ['an empty answer', 'good', (f) => { f.content = () => ''; }],
  ];

  it.each(failures)('%s falls back to the local analysis', async (_label, behaviour, setup) => {
    fake.behaviour = behaviour;
    setup?.(fake);
    const started = Date.now();
    const res = await insights(momo.manager, gateway.id);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    const body = await json<InsightJson>(res);
    expect(body.source).toBe('local');
    expect(body.model).toBeNull();
    expect(body.fallback_reason).toBe('unavailable');
    expect(body.root_cause).not.toContain('MODEL-');
    expect(body.root_cause).toContain(`#${neighbour.id}`);
    expect(body.recommended_actions.length).toBeGreaterThan(2);
    expect(body.prevention_tips.length).toBeGreaterThan(1);
    expect(body.similar_incidents[0].id).toBe(neighbour.id);
    expect(fake.requests).toHaveLength(1);
    if (behaviour === 'slow') {
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(4000);
    }
  });

  it('a fallback is kept for ten minutes, then the model is asked again; changing the incident invalidates the cache', async () => {
    const pair = await sev3Pair(t, 'momo');
    fake.behaviour = 'error500';
    const first = await json<InsightJson>(await insights(momo.operator, pair.open, {}));
    expect(first).toMatchObject({ source: 'local', cached: false, fallback_reason: 'unavailable' });
    fake.behaviour = 'good';
    const soon = await json<InsightJson>(await insights(momo.operator, pair.open, {}));
    expect(soon).toMatchObject({ source: 'local', cached: true });
    expect(fake.requests).toHaveLength(1);

    t.clock.advance(11 * 60_000);
    const later = await json<InsightJson>(await insights(momo.operator, pair.open, {}));
    expect(later).toMatchObject({ source: 'openai', cached: false });
    expect(fake.requests).toHaveLength(2);
    expect((await json<InsightJson>(await insights(momo.operator, pair.open, {}))).cached).toBe(true);

    t.clock.advance(60_000);
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${pair.open}`, { description: 'SMS now 20 minutes late' })).status).toBe(200);
    const changed = await json<InsightJson>(await insights(momo.operator, pair.open, {}));
    expect(changed).toMatchObject({ source: 'openai', cached: false });
    expect(fake.requests).toHaveLength(3);
    expect(userData(fake.requests[2]).incident.description).toBe('SMS now 20 minutes late');
  });

  it('the super admin on "All processes" sends only the incident\'s own process', async () => {
    const res = await insights(SUPER_ADMIN, gateway.id);
    expect((await json<InsightJson>(res)).source).toBe('openai');
    expect(fake.requests).toHaveLength(1);
    const data = userData(fake.requests[0]);
    expect(data.process).toBe('Momo');
    expect(data.similar_past_incidents.map((s: { id: number }) => s.id)).toContain(neighbour.id);
    const momoIds = (await t.db.selectFrom('incidents').select('id').where('process_id', '=', await processId(t, 'momo')).execute()).map((r) => r.id);
    for (const s of data.similar_past_incidents) expect(momoIds).toContain(s.id);
    assertOnlyMomo(fake.requests[0]);
  });

  it('chat: a good answer is shown with source "openai", grounded in the user\'s process only', async () => {
    const res = await t.api(momo.operator, 'POST', '/ai/chat', { message: 'What is open?' });
    expect(res.status).toBe(200);
    expect(await json<ChatJson>(res)).toEqual({ source: 'openai', reply: GOOD_CHAT_REPLY, model: 'fake-gpt', fallback_reason: null });
    const req = fake.requests[0];
    expect(req.body.response_format).toBeUndefined();
    expect(req.body.messages!.at(-1)).toEqual({ role: 'user', content: 'What is open?' });
    const system = req.body.messages![0].content;
    expect(system).toContain(gateway.title);
    expect(system).toContain('"process":"Momo"');
    expect(system).toContain('on_call_now');
    assertOnlyMomo(req);

    // The super admin viewing Momo gets Momo; the page shows the model badge.
    fake.reset();
    expect((await json<ChatJson>(await t.api(SUPER_ADMIN, 'POST', '/ai/chat?process=momo', { message: 'Who is on call?' }))).source).toBe('openai');
    expect(fake.requests[0].body.messages![0].content).toContain('"process":"Momo"');
    assertOnlyMomo(fake.requests[0]);
  });

  it('chat: asking about another process\'s incident sends nothing of it', async () => {
    const foreign = await seeded(t, 'ignite', 'API Gateway Timeout', 'open');
    const res = await json<ChatJson>(await t.api(momo.operator, 'POST', '/ai/chat', { message: `Summarise incident #${foreign.id}` }));
    expect(res.source).toBe('openai');
    const system = fake.requests[0].body.messages![0].content;
    expect(system).toContain(`Incident #${foreign.id} does not exist or this user cannot see it`);
    assertOnlyMomo(fake.requests[0], [foreign.title]);

    // A Momo incident by number does go, with its timeline.
    fake.reset();
    await t.api(momo.operator, 'POST', '/ai/chat', { message: `Summarise incident #${gateway.id}` });
    const ctx = fake.requests[0].body.messages![0].content;
    expect(ctx).toContain('"referenced_incident":{"id":' + gateway.id);
    expect(ctx).toContain('Opened by');
  });

  it('chat: the super admin on "All processes" gets state questions answered locally, and how-to questions from the model without process data', async () => {
    const open = await json<ChatJson>(await t.api(SUPER_ADMIN, 'POST', '/ai/chat', { message: 'What is open?' }));
    expect(open.source).toBe('local');
    expect(open.reply).toContain('across all processes');
    expect(fake.requests).toHaveLength(0);

    const howto = await json<ChatJson>(await t.api(SUPER_ADMIN, 'POST', '/ai/chat', { message: 'How do I escalate?' }));
    expect(howto.source).toBe('openai');
    const raw = fake.requests[0].raw;
    for (const name of Object.values(PROCESS_NAMES)) expect(raw).not.toMatch(new RegExp(`\\b${name}\\b`));

    // Naming an incident narrows the context to that incident's process.
    fake.reset();
    await t.api(SUPER_ADMIN, 'POST', '/ai/chat', { message: `Summarise incident #${gateway.id}` });
    expect(fake.requests[0].body.messages![0].content).toContain('"process":"Momo"');
    assertOnlyMomo(fake.requests[0]);
  });

  it.each(failures)('chat: %s falls back to the local answerer', async (_label, behaviour, setup) => {
    fake.behaviour = behaviour;
    setup?.(fake);
    const res = await json<ChatJson>(await t.api(momo.viewer, 'POST', '/ai/chat', { message: 'What is open?' }));
    if (behaviour === 'good' && fake.content && fake.content({} as RecordedRequest) !== '') {
      // Free text has no schema: a reply that happens to be JSON is still a reply.
      expect(res.source).toBe('openai');
      return;
    }
    expect(res.source).toBe('local');
    expect(res.fallback_reason).toBe('unavailable');
    expect(res.reply).toContain(`#${gateway.id}`);
    expect(res.reply).toMatch(/active incidents? in Momo/);
  });

  it('the chat page shows where the answer came from', async () => {
    const res = await t.request('/ai-insights/chat', {
      method: 'POST',
      headers: { cookie: await t.cookie(momo.viewer), origin: BASE, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
      body: new URLSearchParams({ message: 'What is open?' }).toString(),
    });
    const html = await res.text();
    expect(html).toContain('MODEL-REPLY');
    expect(html).toContain('data-source="openai"');
    // "#1" in the reply links to the incident.
    expect(html).toContain('href="/incidents/1"');
  });

  it('the model is not asked more than 60 times an hour per user', async () => {
    for (let i = 0; i < 60; i++) await t.api(ignite.viewer, 'POST', '/ai/chat', { message: `How do I escalate? ${i}` });
    expect(fake.requests).toHaveLength(60);
    const limited = await json<ChatJson>(await t.api(ignite.viewer, 'POST', '/ai/chat', { message: 'How do I escalate?' }));
    expect(limited).toMatchObject({ source: 'local', fallback_reason: 'rate_limited' });
    expect(limited.reply).toContain('Escalating an incident');
    expect(fake.requests).toHaveLength(60);
    t.clock.advance(61 * 60_000);
    expect((await json<ChatJson>(await t.api(ignite.viewer, 'POST', '/ai/chat', { message: 'How do I escalate?' }))).source).toBe('openai');
  });
});
