import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, rowCount, userId } from '../helpers/refs.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const NOT_A_MEMBER = 'Choose an active member of this process, or leave it empty for the on-call person.';
const NO_DELAY = 'After (minutes) is required.';

describe.each(DIALECTS)('escalation tiers and their users in one answer on %s', (dialect) => {
  let t: TestApp;
  let stranger: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    stranger = await userId(t, ignite.operator);
  });
  afterAll(async () => t?.close());

  it('the API names one tier\'s missing delay and another tier\'s foreign user together, and stores nothing', async () => {
    const before = await rowCount(t, 'escalation_chains');
    const tiers = [{ channels: ['email'] }, { delay_minutes: 30, channels: ['email'], user_id: stranger }];
    await expectFieldErrors(await t.api(momo.manager, 'POST', '/escalation-chains', { name: 'Night chain', tiers }),
      { 'tiers[0].delay_minutes': NO_DELAY, 'tiers[1].user_id': NOT_A_MEMBER });
    expect(await rowCount(t, 'escalation_chains')).toBe(before);

    const chain = await (await t.api(momo.manager, 'POST', '/escalation-chains', { name: 'Kept chain', tiers: [{ delay_minutes: 0 }] })).json() as { id: number };
    await expectFieldErrors(await t.api(momo.manager, 'PATCH', `/escalation-chains/${chain.id}`, { tiers }),
      { 'tiers[0].delay_minutes': NO_DELAY, 'tiers[1].user_id': NOT_A_MEMBER });
    const kept = await (await t.api(momo.manager, 'GET', `/escalation-chains/${chain.id}`)).json() as { tiers: { delay_minutes: number; user_id: number | null }[] };
    expect(kept.tiers.map((x) => [x.delay_minutes, x.user_id])).toEqual([[0, null]]);
  });

  it('the chain form shows both messages at once', async () => {
    const before = await rowCount(t, 'escalation_chains');
    const res = await postForm(t, momo.manager, '/escalations', {
      name: 'Form chain', trigger_severity: '', _action: 'save',
      tier_delay_minutes_0: '', tier_user_id_0: '', tier_email_0: '1',
      tier_delay_minutes_1: '30', tier_user_id_1: String(stranger), tier_email_1: '1',
    });
    await expectFormMessages(res, [NO_DELAY, NOT_A_MEMBER]);
    expect(await rowCount(t, 'escalation_chains')).toBe(before);
  });
});
