/**
 * Two real gateways, each `kirim gateway` beside its own real gammu-smsd
 * driving its own `kirim modem-sim`, on one `kirim server`: gateway A's
 * modem refuses every send (+CMS ERROR 500, forever). The reliability
 * monitor takes A out of rotation once its failures cross the threshold
 * (`gateway.unhealthy` at a real webhook receiver, the reason in GET
 * /v1/gateways), and from then on every SMS reaches its handset through B.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { gammuSmsdInstalled, startGammuSmsd, type GammuSmsdInstance } from '../src/dev/gammu-smsd.js';
import { stopChild } from '../src/dev/stop-child.js';
import { clearFaults, setFaults } from '../src/modem-sim/control.js';
import { readHandset } from '../src/modem-sim/state.js';
import { createGateway } from '../src/server/credentials.js';
import { DIALECTS } from '../src/server/store/index.js';
import { KIRIM_BIN, waitFor } from './support/process.js';
import { startStack, webhookReceiver, type Stack } from './support/stack.js';

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

for (const dialect of DIALECTS) {
  describe(`two gateways, one failing every send, on ${dialect}`, { skip, timeout: 300_000 }, () => {
    let s: Stack;
    let hooks: Awaited<ReturnType<typeof webhookReceiver>>;
    let gammuB: GammuSmsdInstance | undefined;
    let agentB: ChildProcess | undefined;
    let logB = '';
    let b: { id: string; token: string };
    const simB = () => join(s.dataDir, 'modem-sim-b');

    before(async () => {
      s = await startStack({
        dialect,
        gatewayArgs: ['--max-attempts', '1'],
        serverEnv: {
          KIRIM_GATEWAY_FAILURE_RATE: '0.5',
          KIRIM_GATEWAY_FAILURE_MIN_SAMPLES: '3',
          // No probe during the test: once out, A stays out.
          KIRIM_GATEWAY_COOLOFF_SECONDS: '3600',
          KIRIM_BUDGET_DESTINATION_PER_HOUR: '0',
          KIRIM_BUDGET_DESTINATION_PER_DAY: '0',
          KIRIM_BUDGET_PREFIX_PER_HOUR: '0',
        },
      });
      await setFaults(s.simState, { cmsError: { code: 500, remaining: null } }).applied(60_000);
      hooks = await webhookReceiver();
      const wh = await s.api('POST', '/v1/webhooks', { url: hooks.url, events: ['gateway.unhealthy', 'gateway.healthy'] });
      assert.equal(wh.status, 201, JSON.stringify(wh.body));
      hooks.setSecret(wh.body.secret);

      b = await createGateway(s.server.store, 'gw-b');
      gammuB = startGammuSmsd({
        dir: join(s.dataDir, 'gammu-b'),
        modem: { kind: 'modem-sim', command: `${shq(process.execPath)} ${shq(KIRIM_BIN)} modem-sim --state ${shq(simB())}` },
        env: { LANG: 'C' },
      });
      await clearFaults(simB()).applied(60_000);
      agentB = spawn(process.execPath, [KIRIM_BIN, 'gateway', '--server', s.server.url, '--token', b.token, '--smsdrc', gammuB.smsdrc, '--max-attempts', '1'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, KIRIM_LOG_LEVEL: 'info' },
      });
      agentB.stderr!.on('data', (d) => (logB += String(d)));
    });
    after(async () => {
      if (agentB) await stopChild(agentB, { signal: 'SIGTERM' });
      await gammuB?.stop();
      await s?.close();
      await hooks?.close();
    });

    const routing = async (id: string) => (await s.api('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === id).routing;
    const send = async (to: string) => {
      const r = await s.api('POST', '/v1/messages', { to, channel: 'sms', text: `for ${to}` });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const settled = (id: string) =>
      waitFor(async () => {
        const m = (await s.api('GET', `/v1/messages/${id}`)).body;
        return ['sent', 'delivered', 'failed'].includes(m.status) ? m : null;
      }, { timeoutMs: 90_000, what: `message ${id} sent or failed` });

    test('the failing gateway goes out of rotation, and every SMS after that reaches its handset through the other', async () => {
      await waitFor(async () => ((await routing(s.gatewayId)).eligible && (await routing(b.id)).eligible ? true : null), { timeoutMs: 60_000, what: 'both gateways eligible' });

      // Batches until A is out: whichever gateway asks first leases.
      let n = 0;
      const failedOnA: string[] = [];
      for (let batch = 0; batch < 10 && (await routing(s.gatewayId)).rotation === 'in'; batch++) {
        const ids = await Promise.all(Array.from({ length: 4 }, () => send(`+628120000${String(100 + n++).padStart(4, '0')}`)));
        for (const id of ids) {
          const m = await settled(id);
          if (m.gateway === s.gatewayId) {
            assert.equal(m.status, 'failed', 'A\'s modem refuses every send');
            failedOnA.push(id);
          }
        }
      }
      const out = await routing(s.gatewayId);
      assert.equal(out.rotation, 'out', `A out of rotation after ${failedOnA.length} failures`);
      assert.match(out.rotation_reason, /^failure rate 100 % over \d+ sends$/);
      const event = await waitFor(() => hooks.events.find((e) => e.type === 'gateway.unhealthy') ?? null, { timeoutMs: 30_000, what: 'gateway.unhealthy delivered' });
      assert.ok(event.valid, 'signed');
      assert.equal(event.data.id, s.gatewayId);
      assert.equal(event.data.reason, out.rotation_reason);

      // From now on: everything through B, onto the handsets.
      const numbers = Array.from({ length: 6 }, (_, i) => `+628130000${String(200 + i).padStart(4, '0')}`);
      const ids = await Promise.all(numbers.map(send));
      for (const [i, id] of ids.entries()) {
        const m = await settled(id);
        assert.equal(m.gateway, b.id, `${numbers[i]} through B`);
        assert.equal(m.status === 'sent' || m.status === 'delivered', true, `${numbers[i]}: ${m.status}`);
        const got = await waitFor(() => (readHandset(simB(), numbers[i]!).length > 0 ? readHandset(simB(), numbers[i]!) : null), { timeoutMs: 30_000, what: `${numbers[i]}'s handset` });
        assert.equal(got.length, 1, 'once');
        assert.equal(got[0]!.text, `for ${numbers[i]}`);
        assert.equal(readHandset(s.simState, numbers[i]!).length, 0, 'nothing through A');
      }
      assert.deepEqual(hooks.events.map((e) => e.type), ['gateway.unhealthy'], 'said once');
      assert.doesNotMatch(logB, /"level":(50|60)/, 'gateway B logged no error');
    });
  });
}
