/**
 * Who wakes when an SMS is queued (waiters.ts): one poll per SMS, the
 * longest waiting among those leasing its route; every poll on a wake-up
 * without a route; a relay visits each gateway at most once; a wake-up
 * that came while a poll was between two waits is not lost.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPollWaiters, type WaitEnd } from './waiters.js';

const LONG = 600_000;

/** Starts a wait and records how it ended. */
function poll(w: ReturnType<typeof createPollWaiters>, gatewayId: string, routes: Array<string | null>, signal?: AbortSignal) {
  const state: { end?: WaitEnd } = {};
  const done = w.wait({ gatewayId, routes, ms: LONG, since: w.mark(), ...(signal ? { signal } : {}) }).then((e) => (state.end = e));
  return { state, done };
}

describe('poll waiters', () => {
  test('a queued SMS wakes the longest-waiting poll for its route, and only that one', async () => {
    const w = createPollWaiters();
    const a = poll(w, 'a', [null]);
    const b = poll(w, 'b', [null]);
    const c = poll(w, 'c', [null]);
    assert.equal(w.size, 3);
    const wake = { route: null };
    w.wake(wake);
    await a.done;
    assert.deepEqual(a.state.end, { woken: wake });
    assert.equal(w.size, 2);
    assert.equal(b.state.end, undefined);
    assert.equal(c.state.end, undefined);
    w.wake({ route: null });
    await b.done;
    assert.equal(c.state.end, undefined, 'the second SMS woke the next one in line, not both');
    w.wake();
    await c.done;
    assert.equal(w.size, 0);
  });

  test('a pinned route wakes a poll that leases it, passing over older polls that do not', async () => {
    const w = createPollWaiters();
    const unpinned = poll(w, 'u', ['u', null]);
    const pinned = poll(w, 'p', ['p', 'prefix:+62811']);
    w.wake({ route: 'prefix:+62811' });
    await pinned.done;
    assert.equal(unpinned.state.end, undefined);
    w.wake({ route: 'prefix:+62899' });
    assert.equal(w.size, 1, 'a route nobody leases wakes nobody');
    w.wake({ route: 'u' });
    await unpinned.done;
  });

  test('a wake-up without a route wakes every poll', async () => {
    const w = createPollWaiters();
    const polls = ['a', 'b', 'c'].map((g) => poll(w, g, [g]));
    w.wake();
    await Promise.all(polls.map((p) => p.done));
    for (const p of polls) assert.deepEqual(p.state.end, { woken: null });
  });

  test('a relayed wake-up goes to the next gateway that has not had it, never back', async () => {
    const w = createPollWaiters();
    const wake = { route: null };
    const a = poll(w, 'a', [null]);
    const b = poll(w, 'b', [null]);
    w.wake(wake);
    await a.done;
    // Gateway a could not use it (its budget is spent) and waits again.
    const a2 = poll(w, 'a', [null]);
    w.relay(wake);
    await b.done;
    assert.deepEqual(b.state.end, { woken: wake });
    const b2 = poll(w, 'b', [null]);
    w.relay(wake);
    assert.equal(w.size, 2, 'both gateways had it: the relay ends');
    assert.equal(a2.state.end, undefined);
    w.wake();
    await Promise.all([a2.done, b2.done]);
  });

  test('a wake-up that came after the poll last looked ends its next wait at once, unless it was for another route', async () => {
    const w = createPollWaiters();
    const since = w.mark();
    const wake = { route: null };
    w.wake({ route: 'other' });
    w.wake(wake);
    assert.deepEqual(await w.wait({ gatewayId: 'a', routes: [null], ms: LONG, since }), { woken: wake });
    const since2 = w.mark();
    w.wake({ route: 'other' });
    const p = w.wait({ gatewayId: 'a', routes: [null], ms: LONG, since: since2 });
    assert.equal(w.size, 1, 'a wake-up for another route does not end the wait');
    w.wake({ route: null });
    assert.ok('woken' in (await p));
  });

  test('a wait ends at its timeout or when its signal aborts, and counts in the gauge while it lasts', async () => {
    let gauge = 0;
    const w = createPollWaiters({ gatewayPollsWaiting: { inc: () => gauge++, dec: () => gauge-- } as never });
    assert.deepEqual(await w.wait({ gatewayId: 'a', routes: [null], ms: 5, since: w.mark() }), { timeout: true });
    assert.equal(gauge, 0);
    const ac = new AbortController();
    const p = poll(w, 'a', [null], ac.signal);
    assert.equal(gauge, 1);
    ac.abort();
    await p.done;
    assert.deepEqual(p.state.end, { woken: null });
    assert.equal(gauge, 0);
    assert.equal(w.size, 0);
  });

  test('a wake-up that woke a poll does not end the next wait of a poll that was busy meanwhile', async () => {
    const w = createPollWaiters();
    const since = w.mark(); // b looks at the queue...
    const a = poll(w, 'a', [null]);
    w.wake({ route: null }); // ...while a takes this SMS
    await a.done;
    const b = w.wait({ gatewayId: 'b', routes: [null], ms: LONG, since });
    assert.equal(w.size, 1, 'b waits: the SMS went to a');
    w.wake();
    assert.deepEqual(await b, { woken: null });
  });

  test('a wake-up relayed with nobody waiting is kept for the next poll of another gateway, not taken back by the gateway that gave it up', async () => {
    const w = createPollWaiters();
    const wake = { route: null };
    const a = poll(w, 'a', [null]);
    w.wake(wake);
    await a.done;
    const since = w.mark();
    w.relay(wake); // a could not use it; nobody else waits
    const again = w.wait({ gatewayId: 'a', routes: [null], ms: LONG, since });
    assert.equal(w.size, 1, 'a waits instead of taking back what it gave up');
    assert.deepEqual(await w.wait({ gatewayId: 'b', routes: [null], ms: LONG, since }), { woken: wake }, 'b, busy when it was relayed, takes it');
    assert.equal(w.size, 1, 'b did not wait');
    w.wake();
    await again;
  });
});
