import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../protocol/log.js';
import { devLog, readableLine } from './logs.js';

test('readableLine: warnings and errors as one line with their fields; info stays in the file; other text kept', () => {
  const time = new Date(2026, 11, 1, 12, 4, 5).getTime();
  const line = JSON.stringify({ level: 40, time, pid: 1, hostname: 'h', name: 'kirim-gateway', msg: 'modem unhealthy', error: 'no signal', err: { message: 'boom', stack: 'x' }, n: 3 });
  assert.equal(readableLine(line, 'gateway'), '12:04:05 WARN  gateway: modem unhealthy error=no signal err=boom n=3');
  assert.equal(readableLine(JSON.stringify({ level: 30, msg: 'fine' }), 'server'), undefined);
  assert.equal(readableLine('Error: crashed at x', 'gateway'), 'gateway: Error: crashed at x');
});

test('devLog: every line of a real logger and of a child stream lands in the file; warnings reach the terminal, redacted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-devlog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shown: string[] = [];
  const log = devLog(join(dir, 'logs'), 'server', (l) => shown.push(l));
  const logger = createLogger({ level: 'info', destination: log });
  logger.info({ url: '/v1/messages' }, 'request completed');
  logger.warn({ token: 'kg_secret' }, 'gateway refused');
  const child = new PassThrough();
  log.follow(child);
  child.end('{"level":50,"msg":"from a child"}\n');
  await new Promise((r) => child.on('end', r));
  await new Promise((r) => setImmediate(r));
  await log.close();
  const lines = readFileSync(log.file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /"msg":"request completed"/);
  assert.equal(shown.length, 2, shown.join('\n'));
  assert.match(shown[0]!, /WARN {2}server: gateway refused token=\[redacted\]/);
  assert.match(shown[1]!, /ERROR server: from a child/);
  assert.ok(!readFileSync(log.file, 'utf8').includes('kg_secret'));
});
