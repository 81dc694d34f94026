/**
 * GET /v1/inbound over the real app and both store dialects: senders are
 * stored in E.164 like outbound `to` (names kept as they are), and the
 * `from`, `since` and `until` filters, with clear 400s for bad values.
 * Read with a key holding the `inbound` scope, which sees every SMS (who
 * sees what without it: tenants.test.ts).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApiKey } from '../credentials.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';

const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`GET /v1/inbound on ${dialect}`, () => {
    let s: TestServer;
    let reader: Record<string, string>;
    const t0 = Date.now() - 10 * HOUR;
    const at = (h: number) => new Date(t0 + h * HOUR).toISOString();
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport() });
      reader = { authorization: `Bearer ${(await createApiKey(s.store, 'reader', { scopes: ['inbound'] })).key}` };
      const up = await s.gw('/inbound', {
        messages: [
          { key: 'a', from: '081234567890', text: 'national', received_at: at(1) },
          { key: 'b', from: '+6281234567890', text: 'e164', received_at: at(2) },
          { key: 'c', from: '6281234567890', text: 'no plus', received_at: at(3) },
          { key: 'd', from: 'TELKOMSEL', text: 'operator', received_at: at(4) },
          { key: 'e', from: '0857-0000-0009', text: 'separators', received_at: at(5) },
        ],
      });
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.equal(up.body.accepted, 5);
    });
    after(async () => {
      await s.close();
    });

    const list = async (query: string) => {
      const r = await s.api('GET', `/v1/inbound${query}`, undefined, reader);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.data as Array<{ from: string; text: string }>).map((i) => `${i.text}:${i.from}`);
    };

    test('senders are E.164 like outbound `to`; a name stays as the network gave it', async () => {
      assert.deepEqual(await list('?limit=10'), [
        'separators:+6285700000009',
        'operator:TELKOMSEL',
        'no plus:+6281234567890',
        'e164:+6281234567890',
        'national:+6281234567890',
      ]);
    });

    test('`from` matches however the number is written', async () => {
      const all = ['no plus:+6281234567890', 'e164:+6281234567890', 'national:+6281234567890'];
      assert.deepEqual(await list('?from=081234567890'), all);
      assert.deepEqual(await list(`?from=${encodeURIComponent('+6281234567890')}`), all);
      assert.deepEqual(await list('?from=TELKOMSEL'), ['operator:TELKOMSEL']);
      assert.deepEqual(await list('?from=telkomsel'), [], 'a name is matched as written');
      assert.deepEqual(await list('?from=081299999999'), []);
    });

    test('`since` is inclusive, `until` exclusive, and they combine with `from` and paging', async () => {
      assert.deepEqual(await list(`?since=${at(4)}`), ['separators:+6285700000009', 'operator:TELKOMSEL']);
      assert.deepEqual(await list(`?until=${at(2)}`), ['national:+6281234567890']);
      assert.deepEqual(await list(`?since=${at(2)}&until=${at(4)}`), ['no plus:+6281234567890', 'e164:+6281234567890']);
      assert.deepEqual(await list(`?from=081234567890&since=${at(2)}`), ['no plus:+6281234567890', 'e164:+6281234567890']);
      // A time with an offset is the same instant.
      const plus7 = new Date(t0 + 4 * HOUR + 7 * HOUR).toISOString().replace('Z', '+07:00');
      assert.deepEqual(await list(`?since=${encodeURIComponent(plus7)}`), ['separators:+6285700000009', 'operator:TELKOMSEL']);
      const first = await s.api('GET', `/v1/inbound?since=${at(2)}&limit=2`, undefined, reader);
      assert.equal(first.body.data.length, 2);
      const rest = await s.api('GET', `/v1/inbound?since=${at(2)}&limit=2&cursor=${first.body.next_cursor}`, undefined, reader);
      assert.deepEqual(rest.body.data.map((i: { text: string }) => i.text), ['no plus', 'e164']);
      assert.equal(rest.body.next_cursor, undefined);
    });

    test('bad filters are 400 validation_failed naming the parameter', async () => {
      const cases: Array<[string, RegExp]> = [
        ['?since=yesterday', /since/],
        ['?until=2026-13-01T00:00:00Z', /until/],
        ['?since=2026-05-01', /since/],
        [`?since=${at(3)}&until=${at(2)}`, /`since` .* must be before `until`/],
        [`?since=${at(3)}&until=${at(3)}`, /must be before/],
        ['?from=', /from/],
        ['?from=%0Aabc', /from/],
        ['?sender=0812', /sender|unrecognized/i],
      ];
      for (const [query, pattern] of cases) {
        const r = await s.api('GET', `/v1/inbound${query}`, undefined, reader);
        assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'validation_failed', query);
        assert.match(r.body.detail, pattern, query);
        assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`POST /v1/messages on ${dialect}`, () => {
    let s: TestServer;
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport() });
    });
    after(async () => {
      await s.close();
    });

    // The 202 answer is built from what was written, not read back: it must
    // still be exactly what the store holds.
    test('the 202 answer is what GET /v1/messages/{id} answers right after', async () => {
      for (const body of [
        { to: '081234567890', channel: 'sms', text: 'Halo — ünïcode', priority: 'high', ttl_seconds: 600 },
        { to: 'Someone@Example.com', channel: 'email', text: 'hello', subject: 'Hi' },
      ]) {
        const created = await s.api('POST', '/v1/messages', body);
        assert.equal(created.status, 202, JSON.stringify(created.body));
        const read = await s.api('GET', `/v1/messages/${created.body.id}`);
        assert.equal(read.status, 200);
        assert.deepEqual(created.body, read.body);
      }
    });
  });
}
