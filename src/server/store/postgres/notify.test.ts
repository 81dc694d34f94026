/**
 * Announcements between stores sharing one PostgreSQL schema
 * (LISTEN/NOTIFY): heard at commit, never when rolled back (also inside a
 * savepoint), never by the store that sent them, never by stores of
 * another schema. Each check sends what must not arrive first and then a
 * marker that must: notifications arrive in commit order, so once the
 * marker is heard, anything earlier would have been too.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type ClusterSignal, type Store } from '../index.js';
import { freshDbUrl } from '../testing.js';
import { waitFor } from '../../../../test/support/process.js';
import { channelFor, parseSignal } from './notify.js';

describe('PostgreSQL announcements between stores', () => {
  let url: string;
  let drop: () => Promise<void>;
  let a: Store;
  let b: Store;
  const heard: ClusterSignal[] = [];
  before(async () => {
    ({ url, drop } = await freshDbUrl('postgres'));
    a = await openStore(url);
    b = await openStore(url);
    let ready = false;
    b.listen({ onSignal: (s) => heard.push(s), onListening: () => (ready = true), onLost: () => {} });
    await waitFor(() => ready, { what: 'b to listen' });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  /** Sends a marker from `a` and waits until `b` heard it; returns what `b` heard up to it. */
  async function upToMarker(): Promise<ClusterSignal[]> {
    const id = `marker-${Math.random()}`;
    await a.notifyInstances(['credentials:changed', 'api_key', id]);
    await waitFor(() => heard.some((s) => s[2] === id), { what: 'the marker' });
    return heard.splice(0).slice(0, -1);
  }

  test('heard when the transaction commits, with what it said', async () => {
    await a.transaction(async (tx) => {
      await tx.notifyInstances(['queue:sms']);
      await tx.notifyInstances(['credentials:changed', 'gateway', 'gw_1']);
    });
    assert.deepEqual(await upToMarker(), [['queue:sms'], ['credentials:changed', 'gateway', 'gw_1']]);
  });

  test('a rolled-back transaction, or savepoint, announces nothing', async () => {
    await assert.rejects(
      a.transaction(async (tx) => {
        await tx.notifyInstances(['queue:sms']);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await a.transaction(async (tx) => {
      await tx.transaction(async (inner) => {
        await inner.notifyInstances(['credentials:changed', 'gateway', 'in-savepoint']);
        throw new Error('roll back the savepoint');
      }).catch(() => {});
      await tx.notifyInstances(['credentials:changed', 'gateway', 'kept']);
    });
    assert.deepEqual(await upToMarker(), [['credentials:changed', 'gateway', 'kept']]);
  });

  test('a store does not hear itself', async () => {
    await b.notifyInstances(['queue:sms']);
    assert.deepEqual(await upToMarker(), []);
  });

  test('revoking or rotating a credential announces it', async () => {
    await a.insertGateway({ id: 'gw_r', name: 'r', token_hash: 'h1', prefix: 'p', created_at: 1, revoked_at: null, last_seen_at: null, state: 'new', health: null });
    await a.rotateGatewayToken('gw_r', 'h2', 'p');
    await a.revokeGateway('gw_r', 2);
    assert.deepEqual(await upToMarker(), [['credentials:changed', 'gateway', 'gw_r'], ['credentials:changed', 'gateway', 'gw_r']]);
  });

  test('stores of another schema in the same database are not heard', async () => {
    const other = await freshDbUrl('postgres');
    const c = await openStore(other.url);
    try {
      await c.notifyInstances(['queue:sms']);
      assert.deepEqual(await upToMarker(), []);
    } finally {
      await c.close();
      await other.drop();
    }
  });

  test('channel names fit PostgreSQL identifiers; payloads not ours are ignored', () => {
    assert.equal(channelFor('kirim_test_abc'), 'kirim:kirim_test_abc');
    assert.ok(Buffer.byteLength(channelFor('x'.repeat(63))) <= 63);
    assert.notEqual(channelFor('x'.repeat(63)), channelFor('y'.repeat(63)));
    assert.equal(parseSignal('hello'), undefined);
    assert.equal(parseSignal(JSON.stringify({ from: 'i', signal: ['drop:tables'] })), undefined);
    assert.equal(parseSignal(JSON.stringify({ from: 'i', signal: ['credentials:changed', 'root', 'x'] })), undefined);
    assert.deepEqual(parseSignal(JSON.stringify({ from: 'i', signal: ['queue:sms', 'extra'] })), undefined);
    assert.deepEqual(parseSignal(JSON.stringify({ from: 'i', signal: ['queue:sms'] })), { from: 'i', signal: ['queue:sms'] });
  });
});
