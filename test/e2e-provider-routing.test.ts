/**
 * Routing rules end to end, through real parts: one rule sends an
 * Indonesian Telkomsel number (+62812…) to Kannel (bearerbox, smsbox,
 * fakesmsc from Debian's packages), another sends every other Indonesian
 * number to the modem gateway (`kirim gateway` beside real gammu-smsd
 * driving `kirim modem-sim`). Each SMS arrives where its rule says and
 * nowhere else; an OTP routed to Kannel carries a code that checks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHandset, waitForHandsetMessage } from '../src/modem-sim/state.js';
import { kannelMissing, startKannelRig, type KannelRig } from './support/kannel.js';
import { tempDir, waitFor } from './support/process.js';
import { startStack, type Stack } from './support/stack.js';

const missing = kannelMissing();
if (missing) throw new Error(`this test needs real Kannel: ${missing}`);

describe('routing rules: Telkomsel numbers to Kannel, other Indonesian numbers to the modem', () => {
  let kannel: KannelRig;
  let s: Stack;
  const dir = tempDir('kirim-rules-e2e');

  before(async () => {
    kannel = await startKannelRig(join(dir, 'kannel'), { store: 'spool' });
    const file = join(dir, 'providers.json');
    writeFileSync(
      file,
      JSON.stringify({
        // No delivery reports here (dlr_mask 0): this test is about where each SMS goes.
        providers: [{ id: 'kannel', type: 'kannel', url: kannel.sendsmsUrl, username: kannel.username, password: kannel.password, from: 'KIRIM', dlr_mask: 0 }],
        rules: [
          { prefixes: ['+62812'], channels: ['kannel'] },
          { countries: ['ID'], channels: ['modem', 'kannel'] },
        ],
      }),
    );
    s = await startStack({ serverEnv: { KIRIM_SMS_PROVIDERS: file } });
  });
  after(async () => {
    await s?.close();
    await kannel?.stop();
  });

  const status = async (id: string) => (await s.api('GET', `/v1/messages/${id}`)).body;
  const waitStatus = (id: string, want: string) =>
    waitFor(async () => ((await status(id)).status === want ? true : undefined), { timeoutMs: 60_000, what: `message ${id} ${want}` });

  test('each SMS goes the way its rule says, and only there', async () => {
    // The modem gateway must be heard from before a rule can choose it.
    await waitFor(async () => ((await s.api('GET', '/v1/gateways')).body.data?.some((g: { state: string }) => g.state === 'online') ? true : undefined), { timeoutMs: 60_000, what: 'the gateway online' });
    const toKannel = await s.api('POST', '/v1/messages', { to: '+6281211112222', channel: 'sms', text: 'lewat Kannel' });
    const toModem = await s.api('POST', '/v1/messages', { to: '+6285711112222', channel: 'sms', text: 'lewat modem' });
    assert.equal(toKannel.status, 202, JSON.stringify(toKannel.body));
    assert.equal(toModem.status, 202, JSON.stringify(toModem.body));

    const onHandset = await waitForHandsetMessage(s.simState, '+6285711112222', { timeoutMs: 60_000 });
    assert.equal(onHandset.text, 'lewat modem');
    await waitFor(() => (kannel.received.some((r) => r.text === 'lewat Kannel') ? true : undefined), { timeoutMs: 60_000, what: 'the Kannel SMS at fakesmsc' }).catch(async (err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify((await status(toKannel.body.id)).events)}`);
    });
    assert.equal(kannel.received.find((r) => r.text === 'lewat Kannel')!.to, '+6281211112222');

    await waitStatus(toKannel.body.id, 'sent');
    await waitStatus(toModem.body.id, 'sent');
    assert.equal((await status(toKannel.body.id)).gateway, 'provider:kannel');
    assert.equal((await status(toModem.body.id)).gateway, s.gatewayId);
    // Nowhere else: the modem never got the Kannel one, Kannel never got the modem one.
    assert.equal(readHandset(s.simState, '+6281211112222').length, 0);
    assert.equal(kannel.received.filter((r) => r.text === 'lewat modem').length, 0);
  });

  test('an OTP routed to Kannel carries a code that checks', async () => {
    const v = await s.api('POST', '/v1/verifications', { to: '+6281233334444', channel: 'sms' });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    const sms = await waitFor(() => kannel.received.find((r) => r.to === '+6281233334444'), { timeoutMs: 60_000, what: 'the OTP at fakesmsc' });
    const code = /(\d{6})/.exec(sms.text)?.[1];
    assert.ok(code, sms.text);
    const check = await s.api('POST', '/v1/verifications/check', { id: v.body.id, code });
    assert.equal(check.body.status, 'approved');
  });
});
