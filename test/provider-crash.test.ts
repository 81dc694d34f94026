/**
 * A crash between the HTTP call to a provider and the recording of its
 * answer, with real processes: `kirim server` hands an SMS to a provider
 * (a real HTTP server in this process that takes the request and holds its
 * answer), is SIGKILLed while the call is open, and starts again on the
 * same data. The provider must have been asked exactly once: the message's
 * history says the hand-over was interrupted and its outcome is unknown,
 * and it is not sent again. The provider still works for the next SMS.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir, waitFor, type ServerProcess } from './support/process.js';

const dataDir = tempDir('kirim-provider-crash');
const db = `sqlite:${join(dataDir, 'kirim.db')}`;
const requests: Array<{ to: string; text: string }> = [];
const held: ServerResponse[] = [];
let hold = true;
let provider: Server;
let server: ServerProcess | undefined;
let env: Record<string, string>;
let key = '';

before(async () => {
  provider = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as { to: string; text: string };
      requests.push(m);
      if (hold) held.push(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `P${requests.length}` }));
    });
  });
  await new Promise<void>((ok) => provider.listen(0, '127.0.0.1', ok));
  const file = join(dataDir, 'providers.json');
  writeFileSync(
    file,
    JSON.stringify({
      providers: [{ id: 'acme', type: 'http', url: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/sms`, body: { type: 'json', template: { to: '{{to}}', text: '{{text}}' } }, response: { id_path: 'id' }, timeout_ms: 2000 }],
      rules: [{ channels: ['acme'] }],
    }),
  );
  env = { KIRIM_SMS_PROVIDERS: file, KIRIM_SECRET: 'crash-test-secret-0123456789' };
  await initDatabase(db);
  const k = kirim(['keys', 'create', '--name', 'app', '--db', db, '--data-dir', dataDir]);
  assert.equal(k.status, 0, k.stderr);
  key = k.stdout.trim();
});
after(async () => {
  await server?.stop();
  for (const r of held) r.destroy();
  provider.closeAllConnections();
  await new Promise((ok) => provider.close(ok));
});

test('SIGKILL while the provider holds the call: asked once, never again, outcome recorded as unknown', async () => {
  server = await startServerProcess(['--data-dir', dataDir, '--db', db], env);
  let api = apiClient(server.url, key);
  const sent = await api('POST', '/v1/messages', { to: '+6281234567001', channel: 'sms', text: 'sekali saja' });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const id = sent.body.id as string;
  await waitFor(() => (requests.length === 1 ? true : undefined), { what: 'the hand-over to reach the provider' });
  assert.equal(await server.stop('SIGKILL'), 'SIGKILL');

  hold = false;
  server = await startServerProcess(['--data-dir', dataDir, '--db', db], env);
  api = apiClient(server.url, key);
  // The hand-over's lease (its timeout and a 30 s slack) lapses, then the worker settles it.
  const m = await waitFor(
    async () => {
      const got = (await api('GET', `/v1/messages/${id}`)).body;
      return /interrupted/.test(got.events.at(-1)?.detail ?? '') ? got : undefined;
    },
    { timeoutMs: 90_000, what: 'the interrupted hand-over to be recorded' },
  );
  assert.equal(m.status, 'spooled');
  assert.match(m.events.at(-1).detail, /whether it took the SMS is unknown, so it is not sent again/);
  assert.equal(requests.filter((r) => r.text === 'sekali saja').length, 1);

  // The provider still gets new SMS.
  const next = await api('POST', '/v1/messages', { to: '+6281234567002', channel: 'sms', text: 'berikutnya' });
  await waitFor(async () => ((await api('GET', `/v1/messages/${next.body.id}`)).body.status === 'sent' ? true : undefined), { what: 'the next SMS sent' });
  assert.deepEqual(requests.map((r) => r.text), ['sekali saja', 'berikutnya']);
});
