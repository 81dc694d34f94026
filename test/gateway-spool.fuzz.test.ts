/**
 * Property-based test of the gateway agent over a spool of arbitrary files
 * and an arbitrary gammu log: the real GatewayAgent wiring (spooler, log
 * feed, send tracker, outbox watch, inbound) against a real Kirim server,
 * driven one step at a time. It never throws, and never writes or moves a
 * file outside its folders: after every case each file under the temp
 * root is in a spool folder (inbox/, outbox/, sent/, error/) or the
 * agent's state folder, and a file beside the spool is untouched.
 *
 * Cases: KIRIM_FUZZ_RUNS (`npm run fuzz`: 10,000), 200 in `npm test`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { fuzzParams, fuzzRuns } from './support/fuzz.js';
import { GatewayAgent } from '../src/gateway/agent.js';
import { contents, fileName, logLine, namePresent } from '../src/gateway/spool-arbitraries.js';
import { LeasedMessage } from '../src/protocol/gateway.js';
import { capturingTransport, createTestServer, type TestServer } from '../src/server/testing.js';

const AGENT_RUNS = fuzzRuns(200);

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

describe('the agent over an arbitrary spool', () => {
  let root: string;
  let server: TestServer;
  let url: string;
  before(async () => {
    // On tmpfs when there is one: the agent fsyncs its journal and outbox
    // files, which on a disk costs more than the rest of a case together.
    root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kirim-spool-fuzz-'));
    server = await createTestServer({ transport: capturingTransport() });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = server.app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  test(`arbitrary names and bytes in inbox/, outbox/, sent/, error/ and an arbitrary gammu log: nothing thrown, no file written or moved outside the spool and state folders (${AGENT_RUNS} cases)`, async () => {
    const spool = join(root, 'spool');
    const folders = ['inbox', 'outbox', 'sent', 'error'] as const;
    for (const d of folders) mkdirSync(join(spool, d), { recursive: true });
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim.txt'), 'keep me');
    const logfile = join(root, 'smsd.log');
    writeFileSync(logfile, '');
    const smsdrc = join(root, 'smsdrc');
    writeFileSync(smsdrc, `[smsd]\nservice = files\nlogfile = ${logfile}\n${folders.map((d) => `${d === 'sent' ? 'sentsms' : d === 'error' ? 'errorsms' : d}path = ${join(spool, d)}/`).join('\n')}\n`);
    const state = join(root, 'state');
    // A fresh agent each case (fresh journal and state), so a case's outcome depends on the case alone.
    const freshAgent = async () => {
      rmSync(state, { recursive: true, force: true });
      writeFileSync(logfile, '');
      const agent = new GatewayAgent({
        server: url,
        token: server.gatewayToken,
        smsdrc,
        stateDir: state,
        logger: pino({ level: 'silent' }),
        monitorCommand: join(root, 'no-monitor'),
        maxAttempts: 1,
        stuckSeconds: 0,
        inboxSettleMs: 0,
        raceSettleMs: 0,
      });
      // The agent's own parts, driven one step at a time instead of by its timers.
      const parts = agent as unknown as {
        journal: { open(): void; close(): void };
        feed: { start(): Promise<void> };
        spooler: { handleLeased(m: unknown): Promise<void>; recover(): Promise<void> };
        outbox: { scan(): Promise<void>; sweep(now: number): Promise<void> };
        inbound: { process(): Promise<void> };
        serialize<T>(fn: () => Promise<T>): Promise<T>;
        drainLog(): Promise<unknown>;
        client: { close(): void };
      };
      for (const d of ['', 'inbox-archive', 'expired', 'withdrawn']) mkdirSync(join(state, d), { recursive: true });
      parts.journal.open();
      await parts.feed.start();
      return parts;
    };
    const allowed = [...folders.map((d) => join('spool', d)), 'state'];
    const known = new Set(['smsd.log', 'smsdrc', join('outside', 'victim.txt')]);
    // What a server may lease: any id and text the protocol allows (the id ends up in a file name).
    const time = (fromNow: [number, number]) => fc.integer({ min: fromNow[0], max: fromNow[1] }).map((s) => new Date(Date.now() + s * 1000).toISOString());
    const leased = fc
      .record({
        id: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.constantFrom('../../outside/x', '..', 'a/b', 'msg_01jh3zk8q2x5v7n9r4t6w8y0ab')),
        to: fc.stringMatching(/^\+[1-9][0-9]{1,14}$/),
        text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
        priority: fc.constantFrom('high', 'normal', 'low'),
        created_at: time([-86400, 0]),
        expires_at: time([-60, 86400]),
        lease_until: time([0, 60]),
        delivery_report: fc.boolean(),
      })
      .map((m) => LeasedMessage.parse(m));
    const spoolCase = fc.record({
      files: fc.array(fc.tuple(fc.constantFrom(...folders), fileName, contents, fc.integer({ min: 0, max: 3600 })), { maxLength: 8 }),
      leased: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(leased, { minLength: 1, maxLength: 2 }) }),
      log: fc.array(logLine, { maxLength: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(spoolCase, async ({ files, leased: messages, log }) => {
          // A fresh spool and a fresh agent each case.
          for (const d of folders) for (const n of readdirSync(join(spool, d))) rmSync(join(spool, d, n), { force: true, recursive: true });
          const parts = await freshAgent();
          try {
            const now = Date.now();
            for (const [d, name, data, ageS] of files) {
              const p = join(spool, d, name);
              writeFileSync(p, data);
              utimesSync(p, (now - ageS * 1000) / 1000, (now - ageS * 1000) / 1000);
            }
            for (const m of messages) await parts.serialize(() => parts.spooler.handleLeased(m));
            const present = files.map((f) => f[1]);
            if (log.length) appendFileSync(logfile, log.map((l) => namePresent(l, present)).join('\n') + '\n');
            await parts.serialize(() => parts.spooler.recover());
            await parts.serialize(() => parts.drainLog());
            await parts.serialize(() => parts.outbox.scan());
            await parts.serialize(() => parts.outbox.sweep(Date.now()));
            await parts.inbound.process();
          } finally {
            parts.journal.close();
            parts.client.close();
          }
          for (const f of walk(root)) {
            if (known.has(f)) continue;
            assert.ok(allowed.some((a) => f.startsWith(a + sep)), `a file outside the spool and state folders: ${f}`);
          }
          assert.equal(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'keep me');
          assert.deepEqual(readdirSync(outside), ['victim.txt']);
        }),
        fuzzParams(AGENT_RUNS),
      );
    // The cases did reach the agent's work: received SMS were forwarded to the server.
    assert.ok((await server.store.listInbound({ limit: 1 })).items.length > 0, 'no inbound SMS reached the server');
  });
});
