/**
 * Routing rules: the pure matching (first rule wins; country, prefix and
 * priority each narrow it; no match means the modems, as before), and the
 * router choosing the first usable channel on SQLite and PostgreSQL: the
 * modem only while an eligible gateway serves the number, a provider
 * unless it is failing, the first entry when nothing is usable.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProviders, type RoutingRule } from '../channels/provider/config.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { channelsFor, firstUsable } from './rules.js';

const rules: RoutingRule[] = parseProviders({
  callback_base_url: 'http://127.0.0.1:1',
  providers: [
    { id: 'kannel', type: 'kannel', url: 'http://127.0.0.1:1/cgi-bin/sendsms', username: 'u', password: 'p' },
    { id: 'backup', type: 'http', url: 'http://127.0.0.1:1/sms', body: { type: 'json', template: { to: '{{to}}' } } },
  ],
  rules: [
    { prefixes: ['+62811', '+62812'], channels: ['modem', 'kannel'] },
    { countries: ['ID'], priorities: ['high'], channels: ['kannel', 'backup'] },
    { countries: ['ID'], channels: ['kannel', 'modem'] },
    { countries: ['MY'], channels: ['backup'] },
  ],
}).rules;

test('the first matching rule gives the channels; no match gives the modems', () => {
  assert.deepEqual(channelsFor(rules, '+6281100000001', 'high'), ['modem', 'kannel'], 'a prefix rule listed first wins over a later country rule');
  assert.deepEqual(channelsFor(rules, '+6285700000001', 'high'), ['kannel', 'backup'], 'priority narrows a rule');
  assert.deepEqual(channelsFor(rules, '+6285700000001', 'normal'), ['kannel', 'modem']);
  assert.deepEqual(channelsFor(rules, '+60123456789', 'low'), ['backup'], 'country of a Malaysian number');
  assert.deepEqual(channelsFor(rules, '+6591234567', 'normal'), ['modem'], 'no rule matches: the modems');
  assert.deepEqual(channelsFor([], '+6281100000001', 'normal'), ['modem'], 'no rules: the modems');
});

test('the first usable channel, else the first entry', () => {
  assert.equal(firstUsable(['modem', 'kannel'], (c) => c === 'kannel'), 'kannel');
  assert.equal(firstUsable(['modem', 'kannel'], () => true), 'modem');
  assert.equal(firstUsable(['kannel', 'backup'], () => false), 'kannel');
});

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-rules-'));
  const f = join(dir, 'providers.json');
  writeFileSync(
    f,
    JSON.stringify({
      callback_base_url: 'http://127.0.0.1:1',
      // Port 1: nothing listens; the tests hand nothing over unless they say so.
      providers: [{ id: 'kannel', type: 'kannel', url: 'http://127.0.0.1:1/cgi-bin/sendsms', username: 'u', password: 'p', retry_base_ms: 100, retry_max_ms: 100 }],
      rules: [
        { prefixes: ['+62811'], channels: ['modem', 'kannel'] },
        { countries: ['ID'], priorities: ['low'], channels: ['kannel', 'modem'] },
      ],
    }),
  );
  return f;
}

for (const dialect of DIALECTS) {
  describe(`routing rules in the router (${dialect})`, () => {
    const clock = T0;
    const env = { KIRIM_BUDGET_DESTINATION_PER_HOUR: '0', KIRIM_BUDGET_DESTINATION_PER_DAY: '0', KIRIM_BUDGET_PREFIX_PER_HOUR: '0', KIRIM_BUDGET_COUNTRY_PER_HOUR: '0' };
    const route = async (s: TestServer, to: string, priority = 'normal') => {
      const r = await s.api('POST', '/v1/messages', { to, channel: 'sms', text: 'x', priority });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return (await s.store.getMessage(r.body.id))!.route;
    };
    const beat = (s: TestServer) =>
      s.gw('/heartbeat', { version: '0.1.0', started_at: new Date(T0).toISOString(), modem: { ok: true, signal_percent: 70, network: 'test' }, spool: { outbox: 0 } });

    test('modem while an eligible gateway serves the number, else the provider; a low-priority rule prefers the provider; no rule keeps the modems', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock, env: { ...env, KIRIM_SMS_PROVIDERS: file() } });
      try {
        // No gateway heard from yet: the rule's next entry.
        await s.services.router.refresh();
        assert.equal(await route(s, '+6281100000001'), 'provider:kannel');
        assert.equal((await beat(s)).status, 200);
        await s.services.router.refresh();
        assert.equal(await route(s, '+6281100000002'), null, 'the unpinned gateway serves it: the modem route');
        assert.equal(await route(s, '+6285700000001', 'low'), 'provider:kannel');
        assert.equal(await route(s, '+6285700000002', 'normal'), null, 'no rule matches: the modems, as without providers');
        assert.deepEqual(s.services.router.channelsFor('+6285700000001', 'low'), ['kannel', 'modem']);
        // The provider's queued SMS stay with it through the router's passes.
        await s.services.router.refresh();
        const onKannel = await s.store.listQueuedOnRoute('provider:kannel', 10);
        assert.equal(onKannel.length, 2);
        // ... and the gateway's lease does not take them.
        const lease = await s.gw('/lease', { max: 10, wait_ms: 0 });
        assert.deepEqual(lease.body.messages.map((m: { to: string }) => m.to).sort(), ['+6281100000002', '+6285700000002']);
      } finally {
        await s.close();
      }
    });

    test('a failing provider is passed over for the next entry, and the first entry is kept when nothing is usable', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock, env: { ...env, KIRIM_SMS_PROVIDERS: file() }, apiKeyScopes: ['admin', 'messages'] });
      try {
        await beat(s);
        await s.services.router.refresh();
        // Nothing listens on the provider's port: three refused connections make it failing.
        for (let i = 0; i < 3; i++) {
          await route(s, `+628570000010${i}`, 'low');
          await s.services.providers!.workers.get('kannel')!.runOnce();
        }
        assert.equal(s.services.providers!.workers.get('kannel')!.failing, true);
        assert.equal(await route(s, '+6285700000200', 'low'), null, 'kannel failing: the modem, next in the rule');
        // A pinned-away gateway no longer serves the number: nothing usable, so the first entry.
        const pinned = await s.api('PUT', `/v1/gateways/${s.gatewayId}/pins`, { prefixes: ['+6599'] });
        assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
        s.services.router.forget();
        await s.services.router.refresh();
        assert.equal(await route(s, '+6281100000300'), null, 'first entry modem kept: it waits for a gateway');
        assert.equal(await route(s, '+6285700000300', 'low'), 'provider:kannel', 'first entry kannel kept: it is retried');
      } finally {
        await s.close();
      }
    });
  });
}
