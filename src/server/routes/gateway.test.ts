/**
 * The server log for gateway traffic: the API keeps its request lines, a
 * gateway's polls and heartbeats write none at info (one debug line each),
 * and its coming online or going offline is one info line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createApiKey, createGateway } from '../credentials.js';
import { openTestStore } from '../store/testing.js';
import { capturingTransport } from '../testing.js';

interface Line {
  level: number;
  msg: string;
  req?: { url?: string };
  url?: string;
}

const INFO = 30;
const DEBUG = 20;

async function serverLoggingTo(level: string) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  let clock = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'kirim-log-'));
  const config = { ...loadConfig({ dataDir, port: 0 }, { KIRIM_GATEWAY_OFFLINE_SECONDS: '45' }), secret: 'test-secret-0123456789abcdef' };
  const store = await openTestStore('sqlite');
  const { app, services } = await buildApp({ config, store, transport: capturingTransport(), logger: pino({ level }, sink), now: () => clock });
  await app.ready();
  const apiKey = (await createApiKey(store, 'test')).key;
  const { token } = await createGateway(store, 'pi-kitchen');
  const gw = (url: string, body: unknown) =>
    app.inject({ method: 'POST', url: `/gateway/v1${url}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const heartbeat = { version: 'test', started_at: new Date().toISOString(), modem: { ok: true, signal_percent: 70 }, spool: { outbox: 0 } };
  return {
    lines,
    app,
    services,
    gw,
    heartbeat,
    apiKey,
    advance(ms: number) {
      clock += ms;
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

const urlOf = (l: Line) => l.req?.url ?? l.url ?? '';

test('at info, gateway polls and heartbeats write no request lines; the API keeps its; online and offline are one line each', async () => {
  const s = await serverLoggingTo('info');
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal((await s.gw('/heartbeat', s.heartbeat)).statusCode, 200);
      assert.equal((await s.gw('/lease', { max: 10, wait_ms: 0 })).statusCode, 200);
    }
    const api = await s.app.inject({ url: '/v1/messages', headers: { authorization: `Bearer ${s.apiKey}` } });
    assert.equal(api.statusCode, 200);
    s.advance(60_000);
    await s.services.sweep();

    assert.deepEqual(s.lines.filter((l) => urlOf(l).startsWith('/gateway/')), [], 'no line about a gateway request');
    const apiLines = s.lines.filter((l) => urlOf(l).startsWith('/v1/messages'));
    assert.ok(apiLines.length >= 1, 'the API request is logged');
    const gatewayLines = s.lines.filter((l) => /^gateway pi-kitchen is /.test(l.msg));
    assert.deepEqual(gatewayLines.map((l) => [l.level, l.msg]), [
      [INFO, 'gateway pi-kitchen is online'],
      [INFO, 'gateway pi-kitchen is offline'],
    ]);
  } finally {
    await s.close();
  }
});

test('at debug, each gateway request is one line; a refused one is a warning at info', async () => {
  const s = await serverLoggingTo('debug');
  try {
    await s.gw('/heartbeat', s.heartbeat);
    await s.gw('/lease', { max: 10, wait_ms: 0 });
    const polls = s.lines.filter((l) => urlOf(l).startsWith('/gateway/'));
    assert.deepEqual(polls.map((l) => [l.level, l.msg, urlOf(l)]), [
      [DEBUG, 'gateway request', '/gateway/v1/heartbeat'],
      [DEBUG, 'gateway request', '/gateway/v1/lease'],
    ]);
  } finally {
    await s.close();
  }
  const quiet = await serverLoggingTo('info');
  try {
    const bad = await quiet.app.inject({ method: 'POST', url: '/gateway/v1/heartbeat', headers: { authorization: 'Bearer gw_wrong', 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(bad.statusCode, 401);
    const refused = quiet.lines.filter((l) => urlOf(l).startsWith('/gateway/'));
    assert.equal(refused.length, 1, JSON.stringify(quiet.lines));
    assert.equal(refused[0]!.level, 40);
  } finally {
    await quiet.close();
  }
});
