import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookJob } from '../../src/jobs/scheduler.js';
import { dispatchWebhooks, WEBHOOK_USER_AGENT } from '../../src/webhooks/dispatcher.js';
import { enqueueWebhooks } from '../../src/webhooks/outbox.js';
import { incidentWebhookPayload, slackEscape } from '../../src/webhooks/payload.js';
import { signPayload, verifySignature } from '../../src/webhooks/signing.js';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { Receiver, type Received } from './http.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

describe('webhook signatures', () => {
  const now = new Date('2026-05-09T08:00:00.000Z');
  const ts = Math.floor(now.getTime() / 1000);
  it('is HMAC-SHA256 over "timestamp.body", hex, prefixed sha256=', () => {
    // echo -n '1778313600.{"text":"hi"}' | openssl dgst -sha256 -hmac whsec_test
    expect(signPayload('whsec_test', 1778313600, '{"text":"hi"}')).toBe('sha256=02a43acb31a9c746d769d1fc42b236c2a8a8303e8ec2a52c62e79b3a4da11fa8');
    const sig = signPayload('s3cret', ts, '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', '{"a":1}', { signature: sig, timestamp: String(ts) }, { now })).toBe(true);
  });
  it('refuses a changed body, another secret, a missing header and an old timestamp', () => {
    const sig = signPayload('s3cret', ts, '{"a":1}');
    expect(verifySignature('s3cret', '{"a":2}', { signature: sig, timestamp: String(ts) }, { now })).toBe(false);
    expect(verifySignature('other', '{"a":1}', { signature: sig, timestamp: String(ts) }, { now })).toBe(false);
    expect(verifySignature('s3cret', '{"a":1}', { signature: null, timestamp: String(ts) }, { now })).toBe(false);
    expect(verifySignature('s3cret', '{"a":1}', { signature: sig, timestamp: 'soon' }, { now })).toBe(false);
    const late = new Date(now.getTime() + 301_000);
    expect(verifySignature('s3cret', '{"a":1}', { signature: sig, timestamp: String(ts) }, { now: late })).toBe(false);
  });
  it('escapes text for Slack so a title cannot ping a channel or forge a link', () => {
    expect(slackEscape('<!channel> & <http://evil|click>')).toBe('&lt;!channel&gt; &amp; &lt;http://evil|click&gt;');
    const p = incidentWebhookPayload('escalation.fired', { id: 7, title: '<!here> DB down', severity: 1, status: 'open', opened_at: now }, {
      appUrl: 'https://ops.example.com', process: { id: 1, slug: 'momo', name: 'Momo' }, headline: 'Tier 1 fired', now,
    });
    expect(p.text).toBe('Tier 1 fired: *Sev 1* incident <https://ops.example.com/incidents/7|#7 &lt;!here&gt; DB down> is open (Momo)');
    expect(p).toMatchObject({ event: 'escalation.fired', incident: { id: 7, title: '<!here> DB down', url: 'https://ops.example.com/incidents/7' }, process: { slug: 'momo' } });
  });
});

interface Delivery { id: number; status: string; attempts: number; response_code: number | null; last_error: string | null; url: string; event: string; process_id: number }

describe.each(DIALECTS)('webhook delivery on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let momoId: number;
  let igniteId: number;
  let now: Date;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    receiver = new Receiver();
    await receiver.start();
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.deleteFrom('email_outbox').where('channel', '=', 'webhook').execute();
    receiver.clear();
    if (!receiver.running) await receiver.start();
    now = t.clock.now();
  });

  const run = (opts: Parameters<typeof dispatchWebhooks>[2] = {}) => dispatchWebhooks(t.db, now, { random: () => 0.5, ...opts });
  const later = (ms: number) => { now = new Date(now.getTime() + ms); };

  async function secret(email = momo.admin): Promise<string> {
    const res = await t.api(email, 'GET', '/webhooks/secret');
    expect(res.status).toBe(200);
    return ((await res.json()) as { secret: string }).secret;
  }

  async function deliveries(email = momo.admin, query = ''): Promise<Delivery[]> {
    const res = await t.api(email, 'GET', `/webhooks/deliveries${query}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Delivery[] }).items;
  }

  /** Webhooks as the escalation and automation modules queue them. */
  async function queue(n: number, processId = momoId, url = `${receiver.url}/hook`): Promise<number[]> {
    const incident = await t.db.selectFrom('incidents').selectAll().where('process_id', '=', processId).orderBy('id').executeTakeFirstOrThrow();
    const process = await t.db.selectFrom('processes').select(['id', 'slug', 'name']).where('id', '=', processId).executeTakeFirstOrThrow();
    return t.db.transaction().execute((trx) => enqueueWebhooks(trx, Array.from({ length: n }, (_, i) => ({
      url, event: 'escalation.fired', processId, entityType: 'incident', entityId: incident.id,
      payload: incidentWebhookPayload('escalation.fired', incident, { appUrl: t.deps.config.appUrl, process, headline: `Tier ${i + 1} fired`, now }),
    })), now));
  }

  /** The receiver checks every request's signature the way VerifyHelp tells receivers to. */
  function checkSignatures(secretValue: () => string) {
    receiver.decide = (r: Received) => {
      const ok = verifySignature(secretValue(), r.body, {
        signature: r.headers['x-d2c-signature'] as string, timestamp: r.headers['x-d2c-timestamp'] as string,
      }, { now });
      return ok ? { status: 204 } : { status: 401, body: 'bad signature' };
    };
  }

  it('"Send test webhook" queues a signed JSON POST; the receiver checks the HMAC; the log shows 2xx', async () => {
    const key = await secret();
    expect(key).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(await secret()).toBe(key);
    checkSignatures(() => key);
    const res = await t.api(momo.admin, 'POST', '/webhooks/test', { url: `${receiver.url}/slack?x=1` });
    expect(res.status).toBe(202);
    const queued = (await res.json()) as Delivery;
    expect(queued).toMatchObject({ status: 'queued', attempts: 0, response_code: null, event: 'test', process_id: momoId });
    expect(await run()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0];
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/slack?x=1');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
    expect(got.headers['x-d2c-event']).toBe('test');
    expect(got.headers['x-d2c-delivery']).toBe(String(queued.id));
    expect(got.headers['x-d2c-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    const body = JSON.parse(got.body);
    expect(body.text).toContain('Test webhook from D2C OPs for Momo');
    expect(body).toMatchObject({ event: 'test', process: { slug: 'momo' }, requested_by: { name: 'Momo Admin' } });
    const [logged] = await deliveries();
    expect(logged).toMatchObject({ id: queued.id, status: 'sent', attempts: 1, response_code: 204, last_error: null });
    expect(await t.db.selectFrom('audit_log').select('action').where('action', '=', 'webhook.test').where('entity_id', '=', queued.id).execute()).toHaveLength(1);
    // Delivered: nothing more, ever.
    later(3_600_000);
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(receiver.received).toHaveLength(1);
  });

  it('a rotated secret signs from then on; a receiver with the old one refuses (401, failed) until updated and retried', async () => {
    const old = await secret();
    let current = old;
    checkSignatures(() => current);
    const rotated = await t.api(momo.admin, 'POST', '/webhooks/secret/rotate');
    expect(rotated.status).toBe(200);
    const fresh = ((await rotated.json()) as { secret: string; rotated_at: string }).secret;
    expect(fresh).not.toBe(old);
    expect(await secret()).toBe(fresh);
    const [id] = await queue(1);
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 1 });
    let [row] = await deliveries();
    expect(row).toMatchObject({ id, status: 'failed', attempts: 1, response_code: 401, last_error: 'HTTP 401: bad signature' });
    current = fresh;
    const retry = await t.api(momo.admin, 'POST', `/webhooks/deliveries/${id}/retry`);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as Delivery).status).toBe('queued');
    expect(await run()).toEqual({ sent: 1, retried: 0, failed: 0 });
    [row] = await deliveries();
    expect(row).toMatchObject({ status: 'sent', response_code: 204 });
    expect(receiver.received.map((r) => r.headers['x-d2c-delivery'])).toEqual([String(id), String(id)]);
    // Another process signs with its own secret.
    expect(await secret(ignite.admin)).not.toBe(fresh);
    expect(await t.db.selectFrom('audit_log').select('action').where('action', '=', 'webhook.rotate_secret').execute()).toHaveLength(1);
  });

  it('a receiver down then up gets each webhook exactly once', async () => {
    const ids = await queue(3);
    await receiver.stop();
    expect(await run()).toEqual({ sent: 0, retried: 3, failed: 0 });
    for (const d of await deliveries()) {
      expect(d).toMatchObject({ status: 'retrying', attempts: 1, response_code: null });
      // Refused, or a kept-alive connection the receiver closed when it went down.
      expect(d.last_error).toMatch(/ECONNREFUSED|other side closed/);
    }
    // Not due yet: nothing is tried.
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 0 });
    later(31_000);
    expect(await run()).toEqual({ sent: 0, retried: 3, failed: 0 });
    await receiver.start();
    later(30_000);
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 0 });
    later(31_000);
    expect(await run()).toEqual({ sent: 3, retried: 0, failed: 0 });
    later(24 * 3_600_000);
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 0 });
    const got = receiver.received.map((r) => Number(r.headers['x-d2c-delivery'])).sort((a, b) => a - b);
    expect(got).toEqual([...ids].sort((a, b) => a - b));
    expect((await deliveries()).every((d) => d.status === 'sent' && d.attempts === 3 && d.response_code === 200)).toBe(true);
    expect(JSON.parse(receiver.received[0].body).text).toMatch(/^Tier \d fired: \*Sev \d\* incident </);
  });

  it('two dispatchers at once deliver each webhook once', async () => {
    const ids = await queue(12);
    receiver.fallback = { status: 200, delayMs: 30 };
    const results = await Promise.all([run({ workerId: 'a', batchSize: 5 }), run({ workerId: 'b', batchSize: 5 }), run({ workerId: 'c', batchSize: 5 })]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(12);
    const got = receiver.received.map((r) => Number(r.headers['x-d2c-delivery']));
    expect(new Set(got).size).toBe(12);
    expect(got.sort((a, b) => a - b)).toEqual(ids);
  });

  it('5xx, 408 and 429 are retried (Retry-After honoured); other 4xx and redirects fail at once', async () => {
    const [a] = await queue(1);
    receiver.script = [{ status: 503, body: 'maintenance' }, { status: 429, headers: { 'retry-after': '600' } }, { status: 408 }, { status: 201 }];
    expect(await run()).toEqual({ sent: 0, retried: 1, failed: 0 });
    let [row] = await deliveries();
    expect(row).toMatchObject({ id: a, status: 'retrying', response_code: 503, last_error: 'HTTP 503: maintenance' });
    later(31_000);
    expect(await run()).toEqual({ sent: 0, retried: 1, failed: 0 });
    const rowDb = await t.db.selectFrom('email_outbox').select('next_attempt_at').where('id', '=', a).executeTakeFirstOrThrow();
    expect(rowDb.next_attempt_at.getTime() - now.getTime()).toBe(600_000);
    later(600_000);
    expect(await run()).toEqual({ sent: 0, retried: 1, failed: 0 });
    later(3_600_000);
    expect(await run()).toEqual({ sent: 1, retried: 0, failed: 0 });
    [row] = await deliveries();
    expect(row).toMatchObject({ status: 'sent', attempts: 4, response_code: 201, last_error: null });

    await t.db.deleteFrom('email_outbox').where('channel', '=', 'webhook').execute();
    await queue(2);
    receiver.script = [{ status: 410, body: 'gone' }, { status: 302, headers: { location: 'https://elsewhere.example.com/' } }];
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 2 });
    const failed = await deliveries();
    expect(failed.map((d) => d.response_code).sort()).toEqual([302, 410]);
    expect(failed.find((d) => d.response_code === 302)?.last_error).toContain('redirects are not followed');
    expect(receiver.received.length).toBe(4 + 2);
  });

  it('a receiver that does not answer in time is retried; attempts run out into "failed"', async () => {
    await queue(1);
    receiver.fallback = { status: 200, delayMs: 1_500 };
    expect(await run({ timeoutMs: 200, maxAttempts: 2 })).toEqual({ sent: 0, retried: 1, failed: 0 });
    let [row] = await deliveries();
    expect(row.last_error).toContain('No answer within');
    later(60_000);
    expect(await run({ timeoutMs: 200, maxAttempts: 2 })).toEqual({ sent: 0, retried: 0, failed: 1 });
    [row] = await deliveries();
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(row.last_error).toMatch(/^Gave up after 2 attempts/);
  });

  it('URLs that can never work fail at once; credentials in the URL become Basic auth', async () => {
    await queue(1, momoId, 'ftp://example.com/hook');
    await queue(1, momoId, 'http://127.0.0.1:6667/irc');
    await queue(1, momoId, `http://user:p%40ss@127.0.0.1:${receiver.port}/auth`);
    expect(await run()).toEqual({ sent: 1, retried: 0, failed: 2 });
    const errors = (await deliveries()).filter((d) => d.status === 'failed').map((d) => d.last_error).join('\n');
    expect(errors).toContain('Not an http(s) URL');
    expect(errors).toContain('Port 6667 is refused');
    expect(receiver.received[0].headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('the webhook job delivers without any SMTP settings', async () => {
    expect(t.deps.config.smtp).toBeNull();
    await queue(1);
    const job = webhookJob(t.deps);
    expect(job.name).toBe('webhook-outbox');
    expect(await job.run(now)).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(receiver.received).toHaveLength(1);
  });

  it('the delivery log and retries stay within the process; bad input is refused', async () => {
    const [mine] = await queue(1);
    const [theirs] = await queue(1, igniteId);
    receiver.fallback = { status: 500 };
    await run();
    expect((await deliveries()).map((d) => d.id)).toEqual([mine]);
    expect((await deliveries(ignite.admin)).map((d) => d.id)).toEqual([theirs]);
    const all = (await (await t.api(SUPER_ADMIN, 'GET', '/webhooks/deliveries')).json()) as { items: Delivery[] };
    expect(all.items.map((d) => d.id).sort()).toEqual([mine, theirs].sort());
    expect((await t.api(momo.admin, 'POST', `/webhooks/deliveries/${theirs}/retry`)).status).toBe(404);
    expect((await t.api(momo.admin, 'GET', `/webhooks/deliveries/${theirs}`)).status).toBe(404);
    expect((await t.api(momo.admin, 'GET', `/webhooks/deliveries/${mine}`)).status).toBe(200);
    expect((await t.api(momo.admin, 'POST', '/webhooks/deliveries/999999/retry')).status).toBe(404);
    expect((await t.api(momo.admin, 'POST', '/webhooks/deliveries/abc/retry')).status).toBe(404);
    expect((await t.api(momo.admin, 'GET', '/webhooks/deliveries?status=bogus')).status).toBe(400);
    expect((await deliveries(momo.admin, '?status=retrying')).map((d) => d.id)).toEqual([mine]);
    expect(await deliveries(momo.admin, '?status=sent')).toEqual([]);
    // Email rows never show up here, and cannot be retried from here.
    const email = await t.db.selectFrom('email_outbox').select('id').where('channel', '=', 'email').where('process_id', '=', momoId).executeTakeFirst();
    if (email) expect((await t.api(momo.admin, 'POST', `/webhooks/deliveries/${email.id}/retry`)).status).toBe(404);
    // Only failed or retrying deliveries can be retried.
    receiver.fallback = { status: 200 };
    later(60_000);
    await run();
    const again = await t.api(momo.admin, 'POST', `/webhooks/deliveries/${mine}/retry`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toContain('sent');
  });

  it('"Send test webhook" refuses bad URLs and needs a process for a super admin', async () => {
    const before = (await deliveries(SUPER_ADMIN)).length;
    const bad: [unknown, string][] = [
      [{}, 'url'],
      [{ url: '' }, 'url'],
      [{ url: 42 }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'ftp://example.com/x' }, 'url'],
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ url: `https://example.com/${'x'.repeat(500)}` }, 'url'],
    ];
    for (const [body, field] of bad) {
      const res = await t.api(momo.admin, 'POST', '/webhooks/test', body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(422);
      expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty([field]);
    }
    expect((await t.api(momo.admin, 'POST', '/webhooks/test', '{"url":')).status).toBe(400);
    const sa = await t.api(SUPER_ADMIN, 'POST', '/webhooks/test', { url: receiver.url });
    expect(sa.status).toBe(422);
    expect(((await sa.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty(['process_id']);
    expect((await t.api(SUPER_ADMIN, 'POST', '/webhooks/test', { url: receiver.url, process_id: 999999 })).status).toBe(422);
    expect((await deliveries(SUPER_ADMIN)).length).toBe(before);
    const ok = await t.api(SUPER_ADMIN, 'POST', '/webhooks/test', { url: receiver.url, process_id: igniteId });
    expect(ok.status).toBe(202);
    expect(((await ok.json()) as Delivery).process_id).toBe(igniteId);
    // A super admin reads a process's secret by naming it.
    expect((await t.api(SUPER_ADMIN, 'GET', '/webhooks/secret')).status).toBe(422);
    expect((await t.api(SUPER_ADMIN, 'GET', '/webhooks/secret?process=ignite')).status).toBe(200);
    expect(((await (await t.api(SUPER_ADMIN, 'GET', '/webhooks/secret?process=ignite')).json()) as { secret: string }).secret).toBe(await secret(ignite.admin));
  });
});
