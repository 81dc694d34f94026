/**
 * Webhook egress against real sockets: a receiver on 127.0.0.1 (and ::1
 * when the machine has IPv6 loopback) is refused by default, under every
 * spelling of the address and behind a name that resolves to it, and
 * reached once KIRIM_WEBHOOK_ALLOW_PRIVATE lists it; the refusal is recorded
 * on the delivery as a final failure naming the setting.
 */
import { strict as assert } from 'node:assert';
import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadConfig, ConfigError } from '../config.js';
import { capturingTransport, createTestServer } from '../testing.js';
import { deliverWebhook, guardedLookup } from './deliver.js';
import { checkAddress, EgressRefused, parseAllowList } from './egress.js';
import { generateWebhookSecret } from './sign.js';

const secret = generateWebhookSecret();
const hits: string[] = [];
let port4 = 0;
let port6 = 0;
const servers: Server[] = [];

async function listen(host: string): Promise<number> {
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(`${req.socket.localAddress} ${req.url}`);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

before(async () => {
  port4 = await listen('127.0.0.1');
  port6 = await listen('::1').catch(() => 0);
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** IPv6 loopback is required in CI; elsewhere its absence skips the IPv6 cases. */
const noIpv6 = () => (port6 === 0 ? (process.env.CI ? assert.fail('no IPv6 loopback (::1) on this CI machine') : 'this machine has no IPv6 loopback (::1)') : false);

const send = (url: string, allow = '') => deliverWebhook({ url, secret, id: 'whd_egress', type: 'message.sent', payload: {}, timeoutMs: 5_000, egress: parseAllowList(allow) });

test('a receiver on 127.0.0.1 is refused by default, finally, naming the address, its kind and the setting; nothing reaches it', async () => {
  const before = hits.length;
  const result = await send(`http://127.0.0.1:${port4}/x`);
  assert.deepEqual(result, { ok: false, retryable: false, detail: 'destination 127.0.0.1 is a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE' });
  assert.equal(hits.length, before);
});

test('KIRIM_WEBHOOK_ALLOW_PRIVATE=127.0.0.1/32 lets the delivery through, and only to that address', async () => {
  assert.deepEqual(await send(`http://127.0.0.1:${port4}/allowed`, '127.0.0.1/32'), { ok: true, status: 204 });
  assert.equal(hits.at(-1), `127.0.0.1 /allowed`);
  const other = await send(`http://127.0.0.2:${port4}/x`, '127.0.0.1/32');
  assert.ok(!other.ok && /127\.0\.0\.2 is a loopback/.test(other.detail));
});

test('the odd IPv4 spellings are the same address to the URL parser, the check and the socket', async () => {
  for (const host of ['0x7f000001', '2130706433', '0177.0.0.1', '127.1', '0x7f.0.0.1', '0x7f.1', '127.0.0.1.']) {
    assert.equal(new URL(`http://${host}:${port4}/`).hostname, '127.0.0.1', host);
    const before = hits.length;
    const refused = await send(`http://${host}:${port4}/odd`);
    assert.ok(!refused.ok && !refused.retryable, host);
    assert.match(refused.detail, /^destination 127\.0\.0\.1 is a loopback address/, host);
    assert.equal(hits.length, before, `${host}: nothing reached the receiver`);
    // Allowed, the delivery reaches exactly the receiver on 127.0.0.1: what was checked is what was called.
    assert.deepEqual(await send(`http://${host}:${port4}/odd`, '127.0.0.1/32'), { ok: true, status: 204 }, host);
    assert.equal(hits.at(-1), '127.0.0.1 /odd');
  }
});

test('a name that resolves to 127.0.0.1 (localhost) is refused at connect time, and reaches 127.0.0.1 when it is allowed', async () => {
  const before = hits.length;
  const refused = await send(`http://localhost:${port4}/name`);
  assert.ok(!refused.ok);
  assert.equal(refused.retryable, false);
  assert.match(refused.detail, /^destination (127\.0\.0\.1|::1) is a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE$/);
  assert.equal(hits.length, before);
  assert.deepEqual(await send(`http://localhost:${port4}/name`, '127.0.0.1/32'), { ok: true, status: 204 });
  assert.equal(hits.at(-1), '127.0.0.1 /name');
});

test('the lookup the socket uses hands connect only allowed addresses (a rebinding name gets nowhere)', async () => {
  const answers: Record<string, LookupAddress[]> = {
    'rebind.example': [{ address: '127.0.0.1', family: 4 }],
    'mixed.example': [{ address: '10.0.0.7', family: 4 }, { address: '93.184.215.14', family: 4 }],
    'mapped.example': [{ address: '::ffff:169.254.169.254', family: 6 }],
  };
  const fake = ((name: string, _opts: unknown, cb: (err: Error | null, a: LookupAddress[]) => void) => cb(null, answers[name] ?? [])) as never;
  const call = (name: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) => guardedLookup(parseAllowList(''), fake)(name, { all }, (err, address) => resolve({ err, address })));
  const rebind = await call('rebind.example', false);
  assert.ok(rebind.err instanceof EgressRefused);
  assert.match(rebind.err.message, /127\.0\.0\.1 is a loopback/);
  assert.deepEqual((await call('mixed.example', true)).address, [{ address: '93.184.215.14', family: 4 }], 'the private address is dropped');
  assert.equal((await call('mixed.example', false)).address, '93.184.215.14');
  assert.match((await call('mapped.example', true)).err?.message ?? '', /IPv4-mapped form of 169\.254\.169\.254, a link-local/);
});

test('IPv6 loopback ::1 and the IPv4-mapped ::ffff:127.0.0.1 are refused, and reachable when allowed', async (t) => {
  const skip = noIpv6();
  if (skip) return t.skip(skip);
  const before = hits.length;
  const v6 = await send(`http://[::1]:${port6}/v6`);
  assert.ok(!v6.ok && !v6.retryable);
  assert.equal(v6.detail, 'destination ::1 is a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE');
  const mapped = await send(`http://[::ffff:127.0.0.1]:${port4}/mapped`);
  assert.ok(!mapped.ok && !mapped.retryable);
  assert.match(mapped.detail, /^destination ::ffff:7f00:1 is the IPv4-mapped form of 127\.0\.0\.1, a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE$/);
  assert.equal(hits.length, before);
  assert.deepEqual(await send(`http://[::1]:${port6}/v6`, '::1/128'), { ok: true, status: 204 });
  assert.equal(hits.at(-1), '::1 /v6');
  assert.deepEqual(await send(`http://[::ffff:127.0.0.1]:${port4}/mapped`, '127.0.0.1/32'), { ok: true, status: 204 });
});

test('every refused range, and what stays allowed', () => {
  const none = parseAllowList('');
  const refused: Array<[string, RegExp]> = [
    ['127.0.0.1', /loopback/], ['127.255.255.254', /loopback/], ['::1', /loopback/],
    ['10.0.0.1', /private/], ['172.16.0.1', /private/], ['172.31.255.255', /private/], ['192.168.1.1', /private/], ['fc00::1', /private/], ['fd12:3456::1', /private/],
    ['169.254.169.254', /link-local/], ['169.254.1.1', /link-local/], ['fe80::1', /link-local/], ['fd00:ec2::254', /private/],
    ['224.0.0.251', /multicast/], ['239.1.1.1', /multicast/], ['ff02::1', /multicast/],
    ['0.0.0.0', /unspecified/], ['::', /unspecified/], ['100.64.0.1', /carrier-grade NAT/], ['100.127.255.255', /carrier-grade NAT/],
    ['255.255.255.255', /reserved/], ['192.0.2.1', /documentation/], ['2001:db8::1', /documentation/],
    ['::ffff:127.0.0.1', /IPv4-mapped form of 127\.0\.0\.1/], ['::ffff:7f00:1', /IPv4-mapped form of 127\.0\.0\.1/], ['::ffff:10.0.0.1', /IPv4-mapped form of 10\.0\.0\.1/],
    ['::127.0.0.1', /IPv4-compatible form of 127\.0\.0\.1/], ['64:ff9b::127.0.0.1', /NAT64 form of 127\.0\.0\.1/], ['64:ff9b::a9fe:a9fe', /NAT64 form of 169\.254\.169\.254/],
    ['64:ff9b:1::a00:1', /NAT64 \(local-use\) form of 10\.0\.0\.1/], ['2002:7f00:1::1', /6to4 form of 127\.0\.0\.1/], ['0x7f000001', /not an IP address/],
  ];
  for (const [addr, kind] of refused) {
    const r = checkAddress(addr, none);
    assert.ok(r, `${addr} must be refused`);
    assert.match(r.reason, kind, addr);
  }
  for (const addr of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8']) {
    assert.equal(checkAddress(addr, none), null, `${addr} is public`);
  }
});

test('the metadata address stays refused unless listed alone as /32', () => {
  assert.ok(checkAddress('169.254.169.254', parseAllowList('169.254.0.0/16')), 'the link-local range does not open it');
  assert.ok(checkAddress('169.254.169.254', parseAllowList('0.0.0.0/0')), 'nor does everything');
  assert.equal(checkAddress('169.254.1.1', parseAllowList('169.254.0.0/16')), null, 'the rest of the range is opened');
  assert.equal(checkAddress('169.254.169.254', parseAllowList('169.254.169.254/32')), null);
  assert.equal(checkAddress('169.254.169.254', parseAllowList('169.254.169.254')), null, 'a bare address is /32');
  assert.ok(checkAddress('::ffff:169.254.169.254', parseAllowList('169.254.0.0/16,::/0')), 'nor its IPv4-mapped form');
  assert.ok(checkAddress('fd00:ec2::254', parseAllowList('fd00::/8')), 'the IPv6 metadata address likewise');
  assert.equal(checkAddress('fd00:ec2::254', parseAllowList('fd00:ec2::254/128')), null);
});

test('KIRIM_WEBHOOK_ALLOW_PRIVATE is validated at start with a precise error; empty by default', () => {
  assert.deepEqual(loadConfig({}, {}).webhookAllowPrivate, []);
  assert.deepEqual(loadConfig({}, { KIRIM_WEBHOOK_ALLOW_PRIVATE: ' 127.0.0.1/32, 10.0.0.0/8 ,fd00::/8' }).webhookAllowPrivate, ['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8']);
  const bad: Array<[string, RegExp]> = [
    ['localhost', /"localhost" is not a CIDR block/],
    ['0x7f000001/32', /"0x7f000001\/32" is not a CIDR block/],
    ['127.0.0.1/33', /prefix length must be 0-32/],
    ['fd00::/129', /prefix length must be 0-128/],
    ['10.0.0.1/8', /"10\.0\.0\.1\/8" has bits set past \/8; write the block's first address/],
    ['10.0.0.0/8/1', /not a CIDR block/],
    ['10.0.0.0/x', /prefix length/],
  ];
  for (const [value, message] of bad) {
    assert.throws(() => loadConfig({}, { KIRIM_WEBHOOK_ALLOW_PRIVATE: value }), (err: unknown) => err instanceof ConfigError && /^KIRIM_WEBHOOK_ALLOW_PRIVATE: /.test(err.message) && message.test(err.message), value);
  }
});

test('through the API: a literal private URL gets 422 naming the setting; a name resolving to loopback is created, then its delivery fails once, finally, with the reason', async () => {
  const s = await createTestServer({ transport: capturingTransport(), env: { KIRIM_WEBHOOK_ALLOW_PRIVATE: '' } });
  try {
    const literal = await s.api('POST', '/v1/webhooks', { url: `http://0x7f000001:${port4}/h`, events: ['message.queued'] });
    assert.equal(literal.status, 422);
    assert.equal(literal.body.code, 'invalid_url');
    assert.equal(literal.body.detail, 'url refused: destination 127.0.0.1 is a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE');

    const before = hits.length;
    const wh = await s.api('POST', '/v1/webhooks', { url: `http://localhost:${port4}/h`, events: ['message.queued'] });
    assert.equal(wh.status, 201);
    await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'hello' });
    for (let i = 0; (await s.store.db.selectFrom('webhook_deliveries').select('id').execute()).length === 0; i++) {
      if (i > 400) assert.fail('no delivery was queued');
      await new Promise((r) => setTimeout(r, 5));
    }
    await s.services.webhooks.runOnce();
    await s.services.webhooks.runOnce();
    const [row] = await s.store.db.selectFrom('webhook_deliveries').selectAll().execute();
    assert.equal(row!.state, 'failed');
    assert.equal(row!.attempts, 1, 'one attempt, not retried');
    assert.match(row!.last_error ?? '', /^destination (127\.0\.0\.1|::1) is a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE$/);
    assert.equal(hits.length, before, 'nothing reached the receiver');
  } finally {
    await s.close();
  }
});
