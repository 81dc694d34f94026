import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, LogLevelError, parseLogLevel } from './log.js';

function capture() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, destination };
}

test('parseLogLevel: known levels in any case; empty falls back; anything else names the valid levels', () => {
  assert.equal(parseLogLevel('DEBUG'), 'debug');
  assert.equal(parseLogLevel(' warn '), 'warn');
  assert.equal(parseLogLevel(undefined, 'warn'), 'warn');
  assert.equal(parseLogLevel('', 'error'), 'error');
  assert.throws(() => parseLogLevel('loud'), (err: Error) => err instanceof LogLevelError && /^KIRIM_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent$/.test(err.message));
  assert.throws(() => parseLogLevel('10'), LogLevelError);
});

test('createLogger: the level from the option, else KIRIM_LOG_LEVEL, else the fallback; a bad one is refused', () => {
  const saved = process.env.KIRIM_LOG_LEVEL;
  try {
    process.env.KIRIM_LOG_LEVEL = 'error';
    assert.equal(createLogger({ destination: capture().destination }).level, 'error');
    assert.equal(createLogger({ level: 'debug', destination: capture().destination }).level, 'debug');
    delete process.env.KIRIM_LOG_LEVEL;
    assert.equal(createLogger({ fallback: 'warn', destination: capture().destination }).level, 'warn');
    process.env.KIRIM_LOG_LEVEL = 'loud';
    assert.throws(() => createLogger({ destination: capture().destination }), LogLevelError);
    assert.throws(() => createLogger({ level: 'chatty', destination: capture().destination }), /log level=chatty/);
  } finally {
    if (saved === undefined) delete process.env.KIRIM_LOG_LEVEL;
    else process.env.KIRIM_LOG_LEVEL = saved;
  }
});

test('createLogger: texts, tokens and Authorization headers never reach the log', () => {
  const { lines, destination } = capture();
  const log = createLogger({ name: 'kirim-test', level: 'info', destination });
  const secret = 'Kode 482915 untuk Kirim';
  log.info({ text: secret }, 'a');
  log.info({ message: { id: 'msg_1', text: secret } }, 'b');
  log.info({ messages: [{ id: 'msg_2', text: secret }] }, 'c');
  log.info({ token: 'kg_secret_token_value', req: { headers: { authorization: 'Bearer kk_secret_key_value' } } }, 'd');
  const all = JSON.stringify(lines);
  assert.equal(lines.length, 4);
  assert.equal(lines[0].name, 'kirim-test');
  assert.ok(!all.includes('482915'), all);
  assert.ok(!all.includes('kg_secret'), all);
  assert.ok(!all.includes('kk_secret'), all);
  assert.equal(lines[1].message.id, 'msg_1', 'the rest of the object stays');
});
