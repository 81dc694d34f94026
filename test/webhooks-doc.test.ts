/**
 * docs/webhooks.md's Node example, run exactly as written: its verifier
 * and receiver, in their own process, take real deliveries signed by a
 * Kirim server (an endpoint subscribed with ["*"]) and refuse a changed
 * body, another secret and an old timestamp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { WEBHOOK_EVENTS } from '../src/protocol/api.js';
import { capturingTransport, createTestServer } from '../src/server/testing.js';
import { generateWebhookSecret, signWebhook } from '../src/server/webhooks/sign.js';
import { tempDir, waitFor } from './support/process.js';

const DOC = resolve(import.meta.dirname, '../docs/webhooks.md');

/** The ```js blocks of the "Verifying the signature" section, in order. */
function exampleBlocks(): string[] {
  const md = readFileSync(DOC, 'utf8');
  const section = md.slice(md.indexOf('## Verifying the signature'));
  assert.ok(section.length < md.length, 'docs/webhooks.md has a "Verifying the signature" section');
  return [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

test('the documented verifier is about ten lines', () => {
  const [verify] = exampleBlocks();
  assert.ok(verify, 'a js block');
  const lines = verify.split('\n').filter((l) => l.trim() && !l.trim().startsWith('//'));
  assert.ok(lines.length <= 12, `${lines.length} lines`);
});

test('the documented receiver accepts real deliveries to a ["*"] endpoint and refuses forged ones', async () => {
  const blocks = exampleBlocks();
  assert.equal(blocks.length, 2, 'the verifier and the receiver');
  const dir = tempDir('kirim-webhook-doc');
  const program = join(dir, 'receiver.mjs');
  writeFileSync(program, blocks.join('\n'));

  // A key that may hear all three families: gateway events need `admin`, another key's inbound SMS `inbound`.
  const s = await createTestServer({ transport: capturingTransport(), apiKeyScopes: ['messages', 'webhooks', 'inbound', 'admin'] });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/kirim-events`;
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const mixed = await s.api('POST', '/v1/webhooks', { url, events: ['*', 'message.sent'] });
    assert.equal(mixed.status, 400, '"*" stands alone');
    const wh = await s.api('POST', '/v1/webhooks', { url, events: ['*'] });
    assert.equal(wh.status, 201, JSON.stringify(wh.body));
    assert.deepEqual(wh.body.events, ['*']);
    const secret: string = wh.body.secret;

    child = spawn(process.execPath, [program], { env: { ...process.env, PORT: String(port), KIRIM_WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' }).catch(() => null))?.status === 401, { what: `the receiver to listen (stderr: ${err})` });

    // Three families of events: a message's, a gateway's (admin keys only) and an inbound SMS answering no key (inbound keys only).
    const m = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'hello' });
    assert.equal(m.status, 202);
    const hb = { version: 'test', started_at: new Date().toISOString(), modem: { ok: true }, spool: { outbox: 0 } };
    assert.equal((await s.gw('/heartbeat', hb)).status, 200);
    assert.equal((await s.gw('/inbound', { messages: [{ key: 'IN1', from: '+6281298765432', text: 'STOP', received_at: new Date().toISOString() }] })).status, 200);
    await s.services.webhooks.runOnce();

    const rows = await s.store.db.selectFrom('webhook_deliveries').selectAll().execute();
    assert.deepEqual(rows.map((r) => r.type).sort(), ['gateway.online', 'message.queued', 'message.received']);
    for (const r of rows) assert.equal(r.state, 'delivered', `${r.type}: ${r.last_error}`);
    await waitFor(() => out.split('\n').filter(Boolean).length === 3, { what: `three lines from the receiver (got: ${out})` });
    for (const r of rows) assert.ok(out.includes(`${r.id} ${r.type} `), `${r.type} handled by the documented receiver: ${out}`);
    for (const type of new Set(rows.map((r) => r.type))) assert.ok((WEBHOOK_EVENTS as readonly string[]).includes(type));

    // Forgeries: the same verifier must refuse them.
    const body = JSON.stringify({ type: 'message.delivered', timestamp: new Date().toISOString(), data: { id: m.body.id } });
    const post = (headers: Record<string, string>, payload: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload }).then((r) => r.status);
    const now = new Date();
    assert.equal(await post(signWebhook({ secret, id: 'msg_forged_1', timestamp: now, body }), body), 204, 'a correct signature passes');
    assert.equal(await post(signWebhook({ secret, id: 'msg_forged_2', timestamp: now, body }), body.replace('delivered', 'failed')), 401, 'a changed body');
    assert.equal(await post(signWebhook({ secret: generateWebhookSecret(), id: 'msg_forged_3', timestamp: now, body }), body), 401, 'another secret');
    assert.equal(await post(signWebhook({ secret, id: 'msg_forged_4', timestamp: new Date(now.getTime() - 10 * 60_000), body }), body), 401, 'a ten-minute-old timestamp');
    const rotated = signWebhook({ secret, id: 'msg_forged_5', timestamp: now, body });
    rotated['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${rotated['webhook-signature']}`;
    assert.equal(await post(rotated, body), 204, 'one matching signature among several is enough');
    assert.equal(await post({ 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)) }, body), 401, 'no signature header');
  } finally {
    child?.kill();
    await s.close();
  }
});
