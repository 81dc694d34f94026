/**
 * Every message state change goes through the messages service: nothing
 * else in the server writes message state through the store, or announces
 * a change on the bus. A new shortcut fails here, naming the file and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SERVER = import.meta.dirname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'testing.ts' ? [path] : [];
  });
}

/** Where each guarded call may appear (paths relative to src/server). */
const ALLOWED: Array<[RegExp, string[], string]> = [
  [/\.(transition|leaseSms|insertMessage|claimSms|leaseClaimedAgain)\(/, ['messages/service.ts', 'store/repo.ts', 'store/types.ts'], 'message state is written only by the messages service'],
  [/emit\('message:changed'/, ['outbox.ts'], "'message:changed' is announced only by the outbox, after a commit"],
  [/\.insertWebhookDelivery\(/, ['webhooks/service.ts', 'store/repo.ts', 'store/types.ts'], 'webhook events are enqueued only through webhooks.enqueue, inside the change\'s transaction'],
];

test('message state changes, their bus signal and webhook events each have one path', () => {
  const offenders: string[] = [];
  for (const file of sources(SERVER)) {
    const rel = relative(SERVER, file);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const [pattern, allowed, rule] of ALLOWED) {
        // messages.transition(...) is the one path itself; only store-level calls are guarded.
        if (pattern.test(line) && !allowed.includes(rel) && !/messages\.transition\(/.test(line)) offenders.push(`${rel}:${i + 1}: ${rule}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(offenders, []);
});
