/**
 * Fallback (fallback.ts): a verification's code moves to the next channel
 * of its plan when the SMS fails or is not sent in time, carrying the same
 * code; the superseded message is canceled; every hop is in the messages'
 * histories; without a hop left a failed SMS fails the verification.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { waitFor } from '../../../test/support/process.js';

const TO = '+6281500000001';
const MAIL = 'person@example.com';

async function messagesOf(s: TestServer, verificationId: string) {
  const ids = (await s.store.messagesOfVerification(verificationId)).map((m) => m.id);
  return Promise.all(ids.map(async (id) => (await s.api('GET', `/v1/messages/${id}`)).body as { id: string; channel: string; to: string; status: string; events: Array<{ status: string; detail?: string }> }));
}

for (const dialect of DIALECTS) {
  describe(`verification fallback on ${dialect}`, () => {
    test('the SMS fails at the modem: the same code goes by email, the verification stays pending, and that code approves it', async () => {
      const transport = capturingTransport();
      const s = await createTestServer({ dialect, transport, start: true });
      try {
        const start = await s.api('POST', '/v1/verifications', { to: TO, channel: 'sms', fallback: [{ channel: 'email', to: MAIL }] });
        assert.equal(start.status, 201, JSON.stringify(start.body));
        const leased = (await s.gw('/lease', { max: 10, wait_ms: 0 })).body.messages as Array<{ id: string; text: string }>;
        assert.equal(leased.length, 1);
        const smsCode = /\d{6}/.exec(leased[0]!.text)![0];
        const failed = await s.gw('/reports', { reports: [{ message_id: leased[0]!.id, status: 'failed', at: new Date().toISOString(), detail: 'modem refused' }] });
        assert.equal(failed.body.results[0].outcome, 'applied');

        await waitFor(() => transport.sent.length === 1, { what: 'the fallback email' });
        assert.equal(transport.sent[0]!.to, MAIL);
        const mailCode = /\d{6}/.exec(transport.sent[0]!.text)![0];
        assert.equal(mailCode, smsCode, 'one code: the email carries the SMS code');
        assert.equal((await s.api('GET', `/v1/verifications/${start.body.id}`)).body.status, 'pending');

        const [sms, mail] = await messagesOf(s, start.body.id);
        assert.equal(sms!.status, 'failed');
        assert.equal(mail!.channel, 'email');
        assert.equal(mail!.to, MAIL);
        assert.match(mail!.events[0]!.detail ?? '', /^fallback 1 of 1 \(email to person@example\.com\): SMS through the modems failed$/);
        assert.doesNotMatch(JSON.stringify([sms, mail]), new RegExp(smsCode), 'the code is masked in both histories');

        const check = await s.api('POST', '/v1/verifications/check', { id: start.body.id, code: mailCode });
        assert.equal(check.body.status, 'approved');
      } finally {
        await s.close();
      }
    });

    test('an SMS not sent within fallback_after_seconds is canceled and the code moves on; the gateway that leased it is refused and gets nothing more', async () => {
      let clock = Date.now();
      const transport = capturingTransport();
      const s = await createTestServer({ dialect, transport, now: () => clock });
      try {
        const start = await s.api('POST', '/v1/verifications', { to: TO, channel: 'sms', fallback: [{ channel: 'email', to: MAIL }], fallback_after_seconds: 20 });
        assert.equal(start.status, 201, JSON.stringify(start.body));
        const leased = (await s.gw('/lease', { max: 10, wait_ms: 0 })).body.messages as Array<{ id: string }>;
        assert.equal(leased.length, 1);
        assert.equal(await s.services.verifications.runFallback(), 0, 'not yet: within its 20 s');
        clock += 21_000;
        assert.equal(await s.services.verifications.runFallback(), 1);
        assert.equal(await s.services.verifications.runFallback(), 0, 'one hop, not two');

        const [sms, mail] = await messagesOf(s, start.body.id);
        assert.equal(sms!.status, 'canceled');
        assert.match(sms!.events.at(-1)!.detail ?? '', /^superseded: SMS through the modems did not send it within 20 s; the same code goes by email to person@example\.com$/);
        assert.equal(mail!.status, 'queued');
        // The gateway's late claim and report are refused: its agent withdraws the file (docs/gateway-protocol.md).
        assert.equal((await s.gw('/claims', { message_ids: [leased[0]!.id] })).body.results[0].outcome, 'lost');
        assert.equal((await s.gw('/reports', { reports: [{ message_id: leased[0]!.id, status: 'spooled', at: new Date(clock).toISOString() }] })).body.results[0].outcome, 'stale');
        assert.deepEqual((await s.gw('/lease', { max: 10, wait_ms: 0 })).body.messages, []);
      } finally {
        await s.close();
      }
    });

    test('with no hop left a failed SMS fails the verification, as without fallback', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport(), start: true });
      try {
        const start = await s.api('POST', '/v1/verifications', { to: TO, channel: 'sms' });
        const leased = (await s.gw('/lease', { max: 10, wait_ms: 0 })).body.messages as Array<{ id: string }>;
        await s.gw('/reports', { reports: [{ message_id: leased[0]!.id, status: 'failed', at: new Date().toISOString() }] });
        assert.equal((await s.api('GET', `/v1/verifications/${start.body.id}`)).body.status, 'failed');
      } finally {
        await s.close();
      }
    });

    test('a fallback is checked: a provider that is not configured, email as the first channel, a reverse verification', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport() });
      try {
        const unknown = await s.api('POST', '/v1/verifications', { to: TO, channel: 'sms', fallback: [{ channel: 'sms', via: 'kannel' }] });
        assert.equal(unknown.status, 422);
        assert.match(unknown.body.detail, /fallback\[0\]\.via: no SMS provider "kannel"/);
        for (const [body, why] of [
          [{ to: MAIL, channel: 'email', fallback: [{ channel: 'sms', via: 'modem' }] }, /fallback. starts from an SMS/],
          [{ to: TO, channel: 'sms', method: 'reverse', fallback: [{ channel: 'email', to: MAIL }] }, /reverse verification sends nothing/],
          [{ to: TO, channel: 'sms', fallback: [{ channel: 'email', to: 'not an address' }] }, /fallback\[0\]\.to: /],
        ] as const) {
          const r = await s.api('POST', '/v1/verifications', body);
          assert.ok(r.status === 400 || r.status === 422, `${r.status} ${JSON.stringify(r.body)}`);
          assert.ok(['validation_failed', 'invalid_destination'].includes(r.body.code), r.body.code);
          assert.match(JSON.stringify(r.body), why);
        }
        assert.equal((await s.store.messagesOfVerification('none')).length, 0);
      } finally {
        await s.close();
      }
    });
  });
}
