/**
 * `kirim integrations` as real processes beside a real `kirim server`: the
 * secret the CLI seals with the data dir's server secret is the one the
 * server checks Supabase's signature with; list never shows it; revoke
 * refuses the next hook call; bad flags are one line and exit 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { kirim, startServerProcess, tempDir, type ServerProcess } from '../../test/support/process.js';

let server: ServerProcess;
let dataDir: string;

before(async () => {
  dataDir = join(tempDir('kirim-integrations'), 'data');
  mkdirSync(dataDir);
  server = await startServerProcess(['--data-dir', dataDir]);
});
after(async () => {
  await server.stop();
});

/** A Send SMS hook call as Supabase signs it. */
async function hook(path: string, secret: string, otp: string) {
  const body = JSON.stringify({ metadata: { uuid: randomUUID(), name: 'send-sms' }, user: { phone: '6281234567890' }, sms: { otp } });
  const id = randomUUID();
  const at = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', Buffer.from(secret.replace(/^v1,whsec_/, ''), 'base64')).update(`${id}.${at}.${body}`).digest('base64');
  return fetch(server.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': `v1,${sig}` } });
}

test('create prints the path and a Supabase-form secret the server verifies; list hides it; revoke refuses the next call', async () => {
  const created = kirim(['integrations', 'create', 'supabase', '--name', 'shop', '--data-dir', dataDir]);
  assert.equal(created.status, 0, created.stderr);
  const out = Object.fromEntries(created.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
  assert.match(out.path!, /^\/integrations\/supabase\/int_[0-9a-z]+\/send-sms$/);
  assert.match(out.secret!, /^v1,whsec_[A-Za-z0-9+/]{43}=$/);
  const ok = await hook(out.path!, out.secret!, '402211');
  assert.equal(ok.status, 200, await ok.text());

  const list = kirim(['integrations', 'list', '--json', '--data-dir', dataDir]);
  assert.equal(list.status, 0, list.stderr);
  assert.doesNotMatch(list.stdout, /whsec_/);
  const [row] = JSON.parse(list.stdout);
  assert.equal(row.kind, 'supabase');
  assert.equal(row.state, 'active');
  assert.equal(row.key_id, out.key);

  assert.equal(kirim(['integrations', 'revoke', row.id, '--data-dir', dataDir]).status, 0);
  assert.equal((await hook(out.path!, out.secret!, '402212')).status, 401);
});

test('a given secret is used as is; a secret not in Supabase\'s form, an unknown key id, a bad lifetime: one line, exit 1', async () => {
  const secret = `v1,whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const given = kirim(['integrations', 'create', 'supabase', '--name', 'given', '--secret', secret, '--ttl-seconds', '300', '--data-dir', dataDir]);
  assert.equal(given.status, 0, given.stderr);
  assert.match(given.stdout, new RegExp(`secret: ${secret.replace(/[+/]/g, '\\$&')}`));
  for (const [args, message] of [
    [['--secret', 'whsec_abc'], /v1,whsec_<base64>/],
    [['--key-id', 'key_nope'], /no active API key key_nope/],
    [['--ttl-seconds', '5'], /--ttl-seconds 5/],
  ] as const) {
    const r = kirim(['integrations', 'create', 'supabase', '--name', 'x', ...args, '--data-dir', dataDir]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
