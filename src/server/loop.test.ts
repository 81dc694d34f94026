import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoop, type LoopLog } from './loop.js';

/** A run the test finishes by hand, so "during a run" is a fact, not a timing. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { done, open };
}

function recordingLog() {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  const log: LoopLog = {
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
  };
  return { log, lines };
}

/** Resolves once `cond()` holds (polled on the event loop), or fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('a wake-up during a run causes exactly one more run, however many arrive', async () => {
  const gates = [gate(), gate(), gate()];
  let runs = 0;
  const loop = createLoop({ name: 't', intervalMs: 60_000, log: recordingLog().log, run: () => gates[runs++]!.done });
  loop.start();
  await until(() => runs === 1, 'the first run');
  loop.wake();
  loop.wake();
  loop.wake();
  gates[0]!.open();
  await until(() => runs === 2, 'the run a wake-up asked for');
  gates[1]!.open();
  // The third gate is only reached if a third run starts; prove none is
  // pending by waking once more and seeing exactly one further run.
  loop.wake();
  await until(() => runs === 3, 'the run the last wake-up asked for');
  gates[2]!.open();
  await loop.stop();
  assert.equal(runs, 3);
});

test('a failing run is caught, counted each time, logged once per outage, and its recovery logged once', async () => {
  const { log, lines } = recordingLog();
  const errors: string[] = [];
  let failing = true;
  const loop = createLoop({
    name: 'webhooks',
    intervalMs: 5,
    backoffMs: 1,
    maxBackoffMs: 2,
    log,
    onError: (n) => errors.push(n),
    run: async () => {
      if (failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    },
  });
  loop.start();
  await until(() => errors.length >= 5, 'five failed runs');
  assert.equal(loop.failures >= 5, true);
  failing = false;
  await until(() => loop.failures === 0, 'a successful run');
  const outage = lines.filter((l) => l.level !== 'info');
  assert.equal(outage.length, 1, `one line for the outage, got ${JSON.stringify(lines)}`);
  assert.match(outage[0]!.msg, /webhooks: the database does not answer/);
  const recovered = lines.filter((l) => l.level === 'info');
  assert.equal(recovered.length, 1);
  assert.match(recovered[0]!.msg, /working again after \d+ failed runs/);
  assert.ok(errors.every((n) => n === 'webhooks'));
  await loop.stop();
});

test('a bug (not an outage) is logged as an error with its stack, once', async () => {
  const { log, lines } = recordingLog();
  let runs = 0;
  const loop = createLoop({ name: 'sweeper', intervalMs: 5, backoffMs: 1, maxBackoffMs: 1, log, run: async () => {
    runs++;
    throw new TypeError('x is undefined');
  } });
  loop.start();
  await until(() => runs >= 4, 'several failed runs');
  await loop.stop();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 'error');
  assert.ok((lines[0]!.obj as { err?: Error }).err instanceof TypeError);
});

test('retries back off exponentially while failing', async () => {
  const starts: number[] = [];
  const loop = createLoop({ name: 't', intervalMs: 1, backoffMs: 20, maxBackoffMs: 1_000, log: recordingLog().log, run: async () => {
    starts.push(performance.now());
    throw new Error('down');
  } });
  loop.start();
  await until(() => starts.length >= 4, 'four runs');
  await loop.stop();
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  // 20, 40, 80 ms at least (timers never fire much early; allow 2 ms of rounding).
  assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, `gaps ${gaps.map((g) => g.toFixed(1)).join(', ')}`);
});

test('stop aborts the run in flight, waits for it, and nothing runs afterwards', async () => {
  let runs = 0;
  let sawAbort = false;
  const loop = createLoop({ name: 't', intervalMs: 1, log: recordingLog().log, run: (signal) => {
    runs++;
    return new Promise<void>((resolve) => signal.addEventListener('abort', () => {
      sawAbort = true;
      resolve();
    }));
  } });
  loop.start();
  await until(() => runs === 1, 'the run');
  await loop.stop();
  assert.equal(sawAbort, true, 'the run saw the abort before stop resolved');
  loop.wake();
  loop.start();
  // A stopped loop has no timer: the event loop would otherwise keep it alive.
  await new Promise((r) => setImmediate(r));
  assert.equal(runs, 1);
});
