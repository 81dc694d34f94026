/**
 * The agent with real gammu-smsd driving `kirim modem-sim`: delivery
 * reports, inbound SMS from the network, and a file that fails with
 * `+CMS ERROR` forever (which would block gammu's queue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gammuSmsdInstalled, startGammuSmsd, type GammuSmsdInstance } from '../src/dev/gammu-smsd.js';
import { waitForHandsetMessage } from '../src/modem-sim/state.js';
import { injectSms, injectStatusReport, setFaults, clearFaults } from '../src/modem-sim/control.js';
import { startTestGatewayServer, leased, type TestGatewayServer } from '../src/gateway/test-server.js';
import { KIRIM, runAgent, ls, until, removeLeftoverSegment, TEST_SMSD, type AgentProcess } from './gateway-helpers.js';

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

interface SimRig {
  gammu: GammuSmsdInstance;
  sim: string;
  state: string;
  server: TestGatewayServer;
  agent: AgentProcess;
}

async function withSim(smsd: Record<string, string | number>, agentArgs: string[], fn: (r: SimRig) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-gw-sim-'));
  const sim = join(dir, 'sim');
  const gammu = startGammuSmsd({
    dir: join(dir, 'gammu'),
    modem: { kind: 'modem-sim', command: `${process.execPath} ${KIRIM} modem-sim --state ${sim}` },
    smsd: { ...TEST_SMSD, ...smsd },
  });
  const server = await startTestGatewayServer();
  const state = join(dir, 'state');
  const agent = runAgent(['--server', server.url, '--token', server.token, '--smsdrc', gammu.smsdrc, '--state-dir', state, ...agentArgs]);
  try {
    await fn({ gammu, sim, state, server, agent });
    assert.deepEqual(server.errors, []);
  } catch (err) {
    const tail = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-30).join('\n') : '(none)');
    (err as Error).message += `\n--- gammu-smsd.log\n${tail(gammu.logfile)}\n--- agent\n${agent.output().split('\n').slice(-30).join('\n')}`;
    throw err;
  } finally {
    await agent.stop();
    await gammu.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const statuses = (s: TestGatewayServer, id: string) => s.reports.filter((r) => r.message_id === id).map((r) => r.status);

test('delivery reports (inboxformat = standard): delivered and failed reported, report files not forwarded as SMS', { skip, timeout: 120_000 }, async () => {
  await withSim({ deliveryreport: 'sms', inboxformat: 'standard' }, [], async ({ sim, server, state }) => {
    server.enqueue(leased({ id: 'dr_ok', to: '+6281200000001', delivery_report: true }), leased({ id: 'dr_bad', to: '+6281200000002', delivery_report: true }));
    const ok = await waitForHandsetMessage(sim, '+6281200000001', { timeoutMs: 30_000 });
    const bad = await waitForHandsetMessage(sim, '+6281200000002', { timeoutMs: 30_000 });
    assert.equal(ok.delivery_report_requested, true);
    await server.waitFor(() => statuses(server, 'dr_ok').includes('sent') && statuses(server, 'dr_bad').includes('sent'), 30_000, 'both sent');
    await injectStatusReport(sim, { reference: ok.references[0]!, status: 'delivered' }).applied();
    await injectStatusReport(sim, { reference: bad.references[0]!, status: 'failed' }).applied();
    await server.waitFor(() => statuses(server, 'dr_ok').includes('delivered'), 40_000, 'delivered');
    await server.waitFor(() => statuses(server, 'dr_bad').includes('failed'), 40_000, 'failed');
    assert.deepEqual(statuses(server, 'dr_ok'), ['spooled', 'sent', 'delivered']);
    assert.deepEqual(statuses(server, 'dr_bad'), ['spooled', 'sent', 'failed']);
    assert.match(server.reports.find((r) => r.message_id === 'dr_bad' && r.status === 'failed')!.detail!, /delivery report/);
    await until(() => ls(join(state, 'inbox-archive')).length === 2, 10_000, 'report files archived');
    assert.equal(server.inbound.length, 0, 'a delivery report is not an inbound SMS');
  });
});

test('delivery reports (inboxformat = detail): matched by message reference even out of order; inbound SMS forwarded', { skip, timeout: 120_000 }, async () => {
  await withSim({ deliveryreport: 'sms', inboxformat: 'detail' }, [], async ({ sim, server }) => {
    const to = '+6281200000003';
    server.enqueue(leased({ id: 'first', to, delivery_report: true }));
    const m1 = await waitForHandsetMessage(sim, to, { timeoutMs: 30_000 });
    server.enqueue(leased({ id: 'second', to, delivery_report: true }));
    const m2 = await waitForHandsetMessage(sim, to, { timeoutMs: 30_000, skip: 1 });
    await server.waitFor(() => statuses(server, 'second').includes('sent'), 30_000, 'second sent');
    // The second message's report arrives first: only the reference tells them apart.
    await injectStatusReport(sim, { reference: m2.references[0]!, status: 'delivered' }).applied();
    await server.waitFor(() => statuses(server, 'second').includes('delivered'), 40_000, 'second delivered');
    assert.ok(!statuses(server, 'first').includes('delivered'));
    await injectStatusReport(sim, { reference: m1.references[0]!, status: 'failed' }).applied();
    await server.waitFor(() => statuses(server, 'first').includes('failed'), 40_000, 'first failed');

    const long = 'Balasan panjang dari pelanggan ✓ '.repeat(6).trim();
    await injectSms(sim, { from: '+6285700000009', text: long }).applied();
    await server.waitFor(() => server.inbound.length === 1, 40_000, 'inbound SMS');
    assert.equal(server.inbound[0]!.text, long);
    assert.equal(server.inbound[0]!.from, '+6285700000009');
    assert.ok(server.inbound[0]!.parts >= 2);
  });
});

test('inbound multipart SMS (standard format): parts joined and forwarded once', { skip, timeout: 120_000 }, async () => {
  await withSim({ inboxformat: 'standard' }, [], async ({ sim, server, state }) => {
    const long = 'Saya mau konfirmasi pesanan nomor 12345, tolong dicek ya. '.repeat(5).trim();
    await injectSms(sim, { from: '+6285700000001', text: long }).applied();
    await injectSms(sim, { from: '+6285700000002', text: 'OK' }).applied();
    await server.waitFor(() => server.inbound.length === 2, 40_000, 'two inbound');
    const byFrom = Object.fromEntries(server.inbound.map((m) => [m.from, m]));
    assert.equal(byFrom['+6285700000001']!.text, long);
    assert.ok(byFrom['+6285700000001']!.parts >= 2);
    assert.equal(byFrom['+6285700000002']!.text, 'OK');
    await until(() => ls(join(state, 'inbox-archive')).length >= 3, 10_000, 'archived');
  });
});

test('a file failing with +CMS ERROR forever is moved to error/ after 3 attempts; the queue moves on', { skip, timeout: 120_000 }, async () => {
  await withSim({}, ['--max-attempts', '3'], async ({ gammu, sim, server }) => {
    await setFaults(sim, { cmsError: { code: 500, remaining: null } }).applied();
    server.enqueue(leased({ id: 'stuck', priority: 'high', to: '+6281200000010' }));
    await server.waitFor(() => statuses(server, 'stuck').includes('spooled'), 20_000, 'spooled');
    server.enqueue(leased({ id: 'behind', priority: 'normal', to: '+6281200000011' }));
    await server.waitFor(() => statuses(server, 'stuck').includes('failed'), 60_000, 'stuck file failed');
    const failed = server.reports.find((r) => r.message_id === 'stuck' && r.status === 'failed')!;
    assert.match(failed.detail!, /gammu: Error .*3 attempts/);
    assert.ok(ls(gammu.spool.error).some((n) => n.includes('_stuck.txt')));
    assert.ok(!ls(gammu.spool.outbox).some((n) => n.includes('_stuck.txt')));
    await clearFaults(sim).applied();
    await server.waitFor(() => statuses(server, 'behind').includes('sent'), 40_000, 'message behind it sent');
    const got = await waitForHandsetMessage(sim, '+6281200000011', { timeoutMs: 5000 });
    assert.equal(got.text, 'Kode OTP: 123456');
    const attempts = [...readFileSync(gammu.logfile, 'utf8').matchAll(/Error getting send status|Error sending SMS/g)].length;
    assert.ok(attempts >= 3 && attempts <= 6, `gammu attempts: ${attempts}`);
  });
});

test('without a gammu log, a file stuck at the head of the outbox is moved after --stuck-seconds', { skip, timeout: 120_000 }, async () => {
  await withSim({ logfile: 'syslog' }, ['--stuck-seconds', '4'], async ({ gammu, sim, server }) => {
    await setFaults(sim, { cmsError: { code: 500, remaining: null } }).applied();
    server.enqueue(leased({ id: 'stuck_nolog', priority: 'high', to: '+6281200000020' }));
    await server.waitFor(() => statuses(server, 'stuck_nolog').includes('spooled'), 20_000, 'spooled');
    const spooledAt = Date.now();
    await server.waitFor(() => statuses(server, 'stuck_nolog').includes('failed'), 60_000, 'stuck file failed');
    assert.ok(Date.now() - spooledAt >= 3500, 'not before --stuck-seconds');
    assert.match(server.reports.find((r) => r.status === 'failed')!.detail!, /did not send it within 4 s/);
    assert.ok(ls(gammu.spool.error).some((n) => n.includes('_stuck_nolog.txt')));
    await clearFaults(sim).applied();
    server.enqueue(leased({ id: 'after', to: '+6281200000021' }));
    await server.waitFor(() => statuses(server, 'after').includes('sent'), 40_000, 'next message sent');
  });
});

/** The agent's JSON log lines with this `msg`. */
function agentLines(agent: AgentProcess, msg: string): Array<Record<string, unknown>> {
  return agent
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

test('send failures are charged to the file gammu was sending, never to a message delivered before (modem-sim fault --cms-error 500 --count 5)', { skip, timeout: 180_000 }, async () => {
  await withSim({}, [], async ({ gammu, sim, server, agent }) => {
    // A message goes out and is delivered.
    server.enqueue(leased({ id: 'first', to: '+6281200000030', delivery_report: true }));
    const got = await waitForHandsetMessage(sim, '+6281200000030', { timeoutMs: 30_000 });
    await server.waitFor(() => statuses(server, 'first').includes('sent'), 30_000, 'first sent');
    await injectStatusReport(sim, { reference: got.references[0]!, status: 'delivered' }).applied();
    await server.waitFor(() => statuses(server, 'first').includes('delivered'), 40_000, 'first delivered');
    // The next five sends are refused; the next message takes them.
    await setFaults(sim, { cmsError: { code: 500, remaining: 5 } }).applied();
    server.enqueue(leased({ id: 'second', to: '+6281200000031' }));
    await server.waitFor(() => statuses(server, 'second').includes('failed'), 60_000, 'second given up');
    assert.match(server.reports.find((r) => r.message_id === 'second' && r.status === 'failed')!.detail!, /gammu: Error .*gave up after 3 attempts/);
    // Whatever refusals are left fall on the message after it, which then goes out.
    server.enqueue(leased({ id: 'third', to: '+6281200000032' }));
    await server.waitFor(() => statuses(server, 'third').includes('sent'), 60_000, 'third sent');
    await waitForHandsetMessage(sim, '+6281200000032', { timeoutMs: 5000 });

    const charged = () => agentLines(agent, 'gammu failed to send a file');
    const uncertain = () => agentLines(agent, "gammu failed to send a file; which one is not certain, none is charged");
    const gammuFailures = () => [...readFileSync(gammu.logfile, 'utf8').matchAll(/Error getting send status|Error sending SMS/g)].length;
    // Every refusal gammu logged has been read by the agent (charged to one file, or to none).
    await until(() => gammuFailures() === 5 && charged().length + uncertain().length === 5, 20_000, 'all five refusals read');
    const files = charged().map((l) => String(l.file));
    assert.ok(files.every((f) => /_second\.txt$|_third\.txt$/.test(f)), `charged to: ${files.join(', ')}`);
    const attempts = (id: string) => charged().filter((l) => String(l.file).includes(`_${id}.`)).map((l) => l.attempts);
    assert.deepEqual(attempts('second').slice(0, 3), [1, 2, 3], 'the first three refusals are the second message\'s own');
    const third = attempts('third');
    assert.deepEqual(third, third.map((_, i) => i + 1), 'the third message counts from 1');
    assert.ok(third.length < 3);
    // The delivered message is untouched.
    assert.deepEqual(statuses(server, 'first'), ['spooled', 'sent', 'delivered']);
    assert.deepEqual(statuses(server, 'third'), ['spooled', 'sent']);
  });
});

test('a SIGKILLed gammu-smsd is reported down, a queued message is not failed meanwhile, and goes out once gammu-smsd is back', { skip, timeout: 180_000 }, async () => {
  await withSim({}, ['--stuck-seconds', '4'], async ({ gammu, sim, server }) => {
    await server.waitFor(() => server.heartbeats.some((h) => h.modem.ok), 40_000, 'a healthy heartbeat');
    const exited = new Promise((r) => gammu.process.once('exit', r));
    gammu.process.kill('SIGKILL');
    await exited;
    try {
      // Its shared memory stays and gammu-smsd-monitor still prints the last state: the heartbeat must not believe it.
      const killedAt = server.heartbeats.length;
      const down = (h: { modem: { ok: boolean; error?: string } }) => !h.modem.ok && /gammu-smsd is not running: its shared memory is left over/.test(h.modem.error ?? '');
      await server.waitFor(() => server.heartbeats.slice(killedAt).some(down), 20_000, 'a heartbeat saying gammu-smsd is down');
      server.enqueue(leased({ id: 'while_down', priority: 'high', to: '+6281200000040' }));
      await server.waitFor(() => statuses(server, 'while_down').includes('spooled'), 20_000, 'spooled');
      // Twelve heartbeats (1 s apart), all saying the daemon is down: three times
      // --stuck-seconds, in which a running stuck-file clock would have failed it.
      const spooledAt = server.heartbeats.length;
      await server.waitFor(() => server.heartbeats.length >= spooledAt + 12, 40_000, 'twelve more heartbeats');
      assert.ok(server.heartbeats.slice(spooledAt).every(down), 'down in every heartbeat');
      assert.deepEqual(statuses(server, 'while_down'), ['spooled']);
      assert.ok(ls(gammu.spool.outbox).some((n) => n.includes('_while_down.txt')), 'still in the outbox');
      // gammu-smsd is back (same config): the message goes out, the modem reads healthy again.
      const again = startGammuSmsd({
        dir: dirname(gammu.smsdrc),
        modem: { kind: 'modem-sim', command: `${process.execPath} ${KIRIM} modem-sim --state ${sim}` },
        smsd: TEST_SMSD,
      });
      try {
        await server.waitFor(() => statuses(server, 'while_down').includes('sent'), 60_000, 'sent after the restart');
        const got = await waitForHandsetMessage(sim, '+6281200000040', { timeoutMs: 5000 });
        assert.equal(got.text, 'Kode OTP: 123456');
        assert.deepEqual(statuses(server, 'while_down'), ['spooled', 'sent']);
        await server.waitFor(() => server.heartbeats.at(-1)!.modem.ok, 40_000, 'healthy again');
      } finally {
        await again.stop();
      }
    } finally {
      await removeLeftoverSegment(gammu.smsdrc);
    }
  });
});
