/**
 * The demo's user store: passwords hashed with scrypt and checked, unique
 * phone and email, sessions kept only as hashes and expiring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { DuplicateUserError, hashPassword, hashToken, openDemoStore, verifyPassword } from './store.js';

const alice = { name: 'Alice', phone: '+6281234567890', email: 'Alice@Example.test', password: 'correct horse' };

test('a password is stored as a salted scrypt hash and checked', async () => {
  const a = await hashPassword('rahasia123');
  const b = await hashPassword('rahasia123');
  assert.match(a, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.notEqual(a, b, 'salted: the same password hashes differently');
  assert.equal(await verifyPassword('rahasia123', a), true);
  assert.equal(await verifyPassword('rahasia124', a), false);
  assert.equal(await verifyPassword('rahasia123', 'plain'), false);
});

test('users: created unverified, email lower-cased, authenticated by email and password', async () => {
  const store = openDemoStore(':memory:');
  try {
    const u = await store.createUser(alice);
    assert.equal(u.email, 'alice@example.test');
    assert.equal(u.phoneVerifiedAt, null);
    assert.equal(u.emailVerifiedAt, null);
    assert.equal((await store.authenticate(' ALICE@example.test ', 'correct horse'))?.id, u.id);
    assert.equal(await store.authenticate('alice@example.test', 'wrong horse'), undefined);
    assert.equal(await store.authenticate('nobody@example.test', 'correct horse'), undefined);
    store.markVerified(u.id, 'phone');
    assert.ok(store.userById(u.id)!.phoneVerifiedAt);
    assert.equal(store.userById(u.id)!.emailVerifiedAt, null);
    store.markVerified(u.id, 'email');
    assert.ok(store.userById(u.id)!.emailVerifiedAt);
  } finally {
    store.close();
  }
});

test('phone and email are each unique', async () => {
  const store = openDemoStore(':memory:');
  try {
    await store.createUser(alice);
    await assert.rejects(store.createUser({ ...alice, email: 'other@example.test' }), (e: unknown) => e instanceof DuplicateUserError && e.field === 'phone');
    await assert.rejects(store.createUser({ ...alice, phone: '+6281299999999', email: 'ALICE@example.test' }), (e: unknown) => e instanceof DuplicateUserError && e.field === 'email');
    assert.equal(store.phoneTaken('+6281234567890'), true);
    assert.equal(store.phoneTaken('+6281234567891'), false);
    assert.equal(store.emailTaken('alice@EXAMPLE.test'), true);
    const bob = await store.createUser({ ...alice, phone: '+6281200000000', email: 'bob@example.test' });
    assert.throws(() => store.setEmail(bob.id, 'alice@example.test'), DuplicateUserError);
  } finally {
    store.close();
  }
});

test('sessions: only the token hash is stored; state round-trips; they expire', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-demo-store-'));
  const file = join(dir, 'demo.db');
  let now = 1_000_000;
  const store = openDemoStore(file, { now: () => now, sessionTtlMs: 60_000 });
  try {
    const u = await store.createUser(alice);
    const { token, session } = store.createSession();
    assert.match(token, /^[\w-]{43}$/);
    assert.match(session.csrf, /^[\w-]{43}$/);
    const rows = new Database(file, { readonly: true }).prepare('SELECT token_hash FROM sessions').all() as Array<{ token_hash: string }>;
    assert.deepEqual(rows, [{ token_hash: hashToken(token) }], 'the database never holds the token itself');

    session.flow = { step: 'login', userId: u.id, sms: { to: u.phone, id: 'ver_1' }, email: { to: u.email } };
    session.flash = { tone: 'error', key: 'code.wrong', vars: { n: 4 } };
    store.saveSession(session);
    const again = store.session(token)!;
    assert.deepEqual(again.flow, session.flow);
    assert.deepEqual(again.flash, session.flash);
    assert.equal(again.csrf, session.csrf);
    assert.equal(store.session('not-a-token'), undefined);

    now += 59_000;
    assert.ok(store.session(token), 'still alive inside its lifetime');
    store.saveSession(again); // use extends it
    now += 59_000;
    assert.ok(store.session(token), 'extended by use');
    now += 61_000;
    assert.equal(store.session(token), undefined, 'expired');

    const other = store.createSession();
    store.deleteSession(other.session.tokenHash);
    assert.equal(store.session(other.token), undefined);
  } finally {
    store.close();
  }
});
