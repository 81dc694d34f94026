/**
 * Verification fallback end to end, through real parts: a verification's
 * SMS fails at the modem (real gammu-smsd driving `kirim modem-sim`, which
 * refuses every send), its code moves to Kannel (bearerbox, smsbox and
 * fakesmsc from Debian's packages), which refuses the number
 * (`denied-prefix`: 403 Not routable), and then to email, delivered to a
 * real SMTP server in this process. The verification stays pending through
 * both failures; the person holds one code, the one in the email, and only
 * it approves; every hop is in the messages' histories, with the code
 * masked; nothing reached a handset or fakesmsc. docs/fallback.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { readHandset, readSubmittedParts } from '../src/modem-sim/state.js';
import { setFaults } from '../src/modem-sim/control.js';
import { DIALECTS } from '../src/server/store/index.js';
import { kannelMissing, startKannelRig, type KannelRig } from './support/kannel.js';
import { tempDir, waitFor } from './support/process.js';
import { startStack, type Stack } from './support/stack.js';

const missing = kannelMissing();
if (missing) throw new Error(`this test needs real Kannel: ${missing}`);

/** Kannel cannot route numbers starting with this. */
const DENIED = '+62858';
const MAIL = 'person@example.com';

/** An SMTP server in this process that keeps every mail it is given. */
async function smtpSink() {
  const mails: Array<{ to: string; text: string }> = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => {
        mails.push({ to: (m.to as { text: string }).text, text: m.text ?? '' });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  return { mails, url: `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}

interface ApiMessage {
  id: string;
  channel: string;
  to: string;
  status: string;
  gateway: string | null;
  events: Array<{ status: string; detail?: string }>;
}

describe('verification fallback: a failing modem, then Kannel refusing the number, then email', { timeout: 600_000 }, () => {
  let kannel: KannelRig;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  const dir = tempDir('kirim-fallback-e2e');
  const providers = join(dir, 'providers.json');

  before(async () => {
    kannel = await startKannelRig(join(dir, 'kannel'), { store: 'memory', deniedPrefix: DENIED });
    smtp = await smtpSink();
    // No rules: the first SMS goes to the modems; the plan names Kannel for the first hop.
    // No delivery reports (dlr_mask 0): Kannel's refusal is its answer to the send.
    writeFileSync(providers, JSON.stringify({ providers: [{ id: 'kannel', type: 'kannel', url: kannel.sendsmsUrl, username: kannel.username, password: kannel.password, from: 'KIRIM', dlr_mask: 0 }] }));
  });
  after(async () => {
    await smtp?.close();
    await kannel?.stop();
  });

  for (const [i, dialect] of DIALECTS.entries()) {
    describe(`on ${dialect}`, () => {
      let s: Stack;
      const to = `${DENIED}0000000${i + 1}`;

      before(async () => {
        s = await startStack({ dialect, gatewayArgs: ['--max-attempts', '1'], serverEnv: { KIRIM_SMS_PROVIDERS: providers, KIRIM_SMTP_URL: smtp.url } });
        // The modem refuses every send (+CMS ERROR 500, forever).
        await setFaults(s.simState, { cmsError: { code: 500, remaining: null } }).applied(60_000);
        await waitFor(async () => ((await s.api('GET', '/v1/gateways')).body.data?.some((g: { state: string }) => g.state === 'online') ? true : undefined), { timeoutMs: 60_000, what: 'the gateway online' });
      });
      after(async () => {
        await s?.close();
      });

      const messagesOf = async (id: string) => {
        const rows = await s.server.store.messagesOfVerification(id);
        return Promise.all(rows.map(async (m) => (await s.api('GET', `/v1/messages/${m.id}`)).body as ApiMessage));
      };
      const verification = async (id: string) => (await s.api('GET', `/v1/verifications/${id}`)).body as { status: string; attempts_left: number };

      test('the code goes modem → Kannel → email; one code, which approves it', async () => {
        const mailsBefore = smtp.mails.length;
        // fallback_after_seconds at its maximum: every hop here is caused by a failure, not by waiting.
        const start = await s.api('POST', '/v1/verifications', {
          to,
          channel: 'sms',
          fallback: [{ channel: 'sms', via: 'kannel' }, { channel: 'email', to: MAIL }],
          fallback_after_seconds: 3600,
        });
        assert.equal(start.status, 201, JSON.stringify(start.body));
        const id = start.body.id as string;
        const mine = () => smtp.mails.slice(mailsBefore).filter((m) => m.to === MAIL);

        // Pending through both failures: looked at on every poll while the code is on the way
        // (a verification that ends early stops the wait at once).
        const seen = new Set<string>();
        const mail = await waitFor(async () => {
          const status = (await verification(id)).status;
          seen.add(status);
          return status === 'pending' ? mine()[0] : { to: '', text: '' };
        }, { timeoutMs: 180_000, what: 'the fallback email' }).catch(async (err) => {
          throw new Error(`${(err as Error).message}: ${JSON.stringify(await messagesOf(id))}\n${kannel.output()}`);
        });
        assert.deepEqual([...seen], ['pending'], `the verification stayed pending: ${JSON.stringify(await messagesOf(id))}`);
        const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
        assert.ok(code, `a code in the email: ${mail.text}`);

        const [modemSms, kannelSms, email, ...more] = await messagesOf(id);
        assert.equal(more.length, 0, 'three messages, one per channel');
        assert.equal(modemSms!.channel, 'sms');
        assert.equal(modemSms!.gateway, s.gatewayId, 'the first SMS went to the modem gateway');
        assert.equal(modemSms!.status, 'failed');
        assert.equal(modemSms!.events.at(-1)!.status, 'failed', JSON.stringify(modemSms!.events));
        assert.equal(kannelSms!.channel, 'sms');
        assert.equal(kannelSms!.gateway, 'provider:kannel');
        assert.equal(kannelSms!.status, 'failed');
        assert.match(kannelSms!.events.at(-1)!.detail ?? '', /provider kannel refused it: answered 403 Not routable/);
        assert.equal(email!.channel, 'email');
        assert.equal(email!.to, MAIL);
        await waitFor(async () => (['sent', 'delivered'].includes((await messagesOf(id))[2]!.status) ? true : undefined), { what: 'the email sent' });

        // Every hop in the histories.
        assert.match(kannelSms!.events[0]!.detail ?? '', /^fallback 1 of 2 \(SMS through kannel\): SMS through the modems failed$/);
        assert.match(email!.events[0]!.detail ?? '', /^fallback 2 of 2 \(email to person@example\.com\): SMS through kannel failed$/);

        // Nothing reached a handset or fakesmsc: the modem refused, Kannel refused.
        assert.equal(readHandset(s.simState, to).length, 0, 'no SMS on the handset');
        assert.equal(readSubmittedParts(s.simState).filter((p) => p.number === to).length, 0, 'no part accepted by the modem');
        assert.equal(kannel.received.filter((r) => r.to === to).length, 0, 'nothing at fakesmsc');

        // The code is never in a history (masked everywhere).
        const histories = JSON.stringify(await messagesOf(id));
        assert.doesNotMatch(histories, new RegExp(code));

        // One valid code: another code is refused and costs an attempt; the emailed one approves.
        const before = await verification(id);
        assert.equal(before.status, 'pending');
        const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        const refused = await s.api('POST', '/v1/verifications/check', { id, code: wrong });
        assert.equal(refused.status, 200, JSON.stringify(refused.body));
        assert.equal(refused.body.status, 'pending');
        assert.equal(refused.body.attempts_left, before.attempts_left - 1);
        const afterWrong = await verification(id);
        assert.equal(afterWrong.status, 'pending');
        assert.equal(afterWrong.attempts_left, before.attempts_left - 1);
        const check = await s.api('POST', '/v1/verifications/check', { id, code });
        assert.equal(check.body.status, 'approved', JSON.stringify(check.body));

        // No second verification, no second code: one row for this number, and its messages are the three above.
        const rows = await s.server.store.db.selectFrom('verifications').select('id').where('to', '=', to).execute();
        assert.deepEqual(rows.map((r) => r.id), [id]);
        assert.equal(mine().length, 1, 'one email for this verification');
      });
    });
  }
});
