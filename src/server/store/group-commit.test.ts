/**
 * Group commit on SQLite (group-commit.ts): transactions that wait for the
 * writer share one commit, and still behave each as its own transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '../ids.js';
import { tempDir } from '../../../test/support/process.js';
import { isUniqueViolation, openStore } from './index.js';
import { messageRow } from './testing.js';

const message = (id: string) => messageRow({ id });

test('SQLite: waiting transactions share a commit; each settles only once committed, a failing one alone rolls back with its own error', async (t) => {
  const dir = tempDir('kirim-group');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kirim.db');
  const store = await openStore(`sqlite:${file}`);
  t.after(() => store.close());
  // Another connection: it sees only what is committed.
  const other = new Database(file, { readonly: true });
  t.after(() => other.close());
  const committed = (id: string) => other.prepare('select count(*) as n from messages where id = ?').get(id) as { n: number };

  const ids = Array.from({ length: 20 }, () => newId('msg'));
  const ran: string[] = [];
  const settled: Array<{ id: string; ranBefore: number; visible: boolean; hooked: boolean }> = [];
  const duplicate = ids[3]!;
  const runs = ids.map((id, i) => {
    let hooked = false;
    return store
      .transaction(async (tx) => {
        await tx.insertMessage(message(id), 'accepted');
        tx.afterCommit(() => {
          hooked = true;
        });
        ran.push(id);
        if (i === 7) throw new Error('member 7 fails after its insert');
        // Member 12 breaks a unique constraint (another member's id).
        if (i === 12) await tx.insertMessage(message(duplicate), 'accepted');
        return id;
      })
      .then((v) => {
        settled.push({ id: v, ranBefore: ran.length, visible: committed(v).n === 1, hooked });
        return v;
      });
  });
  const results = await Promise.allSettled(runs);

  for (const [i, r] of results.entries()) {
    if (i === 7) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /member 7 fails/);
    } else if (i === 12) {
      assert.equal(r.status, 'rejected');
      assert.ok(isUniqueViolation((r as PromiseRejectedResult).reason), 'its own unique violation, unchanged');
    } else {
      assert.equal(r.status, 'fulfilled', String((r as PromiseRejectedResult).reason));
    }
  }
  // Every member that succeeded was committed (seen by another connection)
  // and its after-commit hook had run when its promise settled.
  assert.equal(settled.length, 18);
  for (const s of settled) {
    assert.ok(s.visible, `${s.id} settled before its commit`);
    assert.ok(s.hooked, `${s.id} settled before its after-commit hooks`);
  }
  // The first ran alone (nobody waited yet); the 19 that queued behind it
  // ran as one group: none of them settled before all of them had run.
  assert.ok(settled.slice(1).every((s) => s.ranBefore === ids.length), `grouped: ${settled.map((s) => s.ranBefore).join(',')}`);
  // The failing members left nothing behind, the others everything.
  for (const [i, id] of ids.entries()) {
    assert.equal(committed(id).n, i === 7 || i === 12 ? 0 : 1, `message ${i}`);
    assert.equal((await store.listMessageEvents(id)).length, i === 7 || i === 12 ? 0 : 1, `events of message ${i}`);
  }
});
