import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeGateway, gatewayStatus, gatewayStatuses } from './gateway-status.js';
import type { GatewayRow } from './store/index.js';

const T = Date.parse('2026-05-01T08:00:00Z');
const beat = (modem: Record<string, unknown>, spool: Record<string, unknown> = { outbox: 2, error: 1 }) =>
  JSON.stringify({ version: '0.1.0', started_at: '2026-05-01T07:00:00.000Z', modem, spool });
const row = (over: Partial<GatewayRow> = {}): GatewayRow => ({
  id: 'gw_1',
  name: 'rumah-pi',
  token_hash: 'h',
  prefix: 'kg_abcd',
  created_at: T - 86_400_000,
  revoked_at: null,
  last_seen_at: T,
  state: 'online',
  health: beat({ ok: true, signal_percent: 72, network: 'Telkomsel' }),
  route_prefixes: '',
  route_countries: '',
  number: null,
  rotation: 'in',
  rotation_since: null,
  rotation_reason: null,
  route_block: null,
  ...over,
});

test('online or offline is decided by the last-seen time at the moment of asking, not by the stored flag', () => {
  assert.equal(gatewayStatus(row(), T + 45_000, 45).state, 'online', 'exactly the offline setting is still online');
  assert.equal(gatewayStatus(row(), T + 45_001, 45).state, 'offline');
  assert.equal(gatewayStatus(row({ state: 'online' }), T + 15 * 60_000, 45).state, 'offline', 'a stale "online" flag is not believed');
  assert.equal(gatewayStatus(row({ state: 'offline' }), T + 1_000, 45).state, 'online', 'nor a stale "offline" one');
  const never = gatewayStatus(row({ last_seen_at: null, state: 'new', health: null }), T, 45);
  assert.equal(never.state, 'new');
  assert.equal(never.last_seen_at, null);
  assert.equal(never.modem, null);
  assert.equal(gatewayStatus(row(), T + 900_500, 45).seconds_since_seen, 900);
});

test('modem health from the last heartbeat: no signal, an error, or the gateway saying so is unhealthy', () => {
  const ok = gatewayStatus(row(), T, 45).modem!;
  assert.deepEqual(ok, { healthy: true, problems: [], signal_percent: 72, network: 'Telkomsel' });
  const noSignal = gatewayStatus(row({ health: beat({ ok: true, signal_percent: 0, network: 'Telkomsel' }) }), T, 45).modem!;
  assert.equal(noSignal.healthy, false, 'a gateway that says ok with 0 % signal is not healthy');
  assert.deepEqual(noSignal.problems, ['no signal']);
  const failed = gatewayStatus(row({ health: beat({ ok: false, signal_percent: 60, error: 'gammu-smsd is not running' }) }), T, 45).modem!;
  assert.equal(failed.healthy, false);
  assert.deepEqual(failed.problems, ['gammu-smsd is not running']);
  assert.equal(gatewayStatus(row({ health: beat({ ok: false }) }), T, 45).modem!.healthy, false);
  for (const bad of ['{not json', JSON.stringify({ modem: { ok: true } })]) {
    const m = gatewayStatus(row({ health: bad }), T, 45).modem!;
    assert.equal(m.healthy, false, bad);
    assert.match(m.problems[0]!, /could not be read/);
  }
  const s = gatewayStatus(row(), T, 45);
  assert.deepEqual(s.spool, { outbox: 2, error: 1 });
  assert.equal(s.version, '0.1.0');
});

test('revoked gateways are left out; the description names state, age, modem, spool, pins, rotation and number', () => {
  assert.deepEqual(gatewayStatuses([row(), row({ id: 'gw_2', revoked_at: T })], T, 45).map((g) => g.id), ['gw_1']);
  assert.deepEqual(describeGateway(gatewayStatus(row(), T + 12_000, 45)), [
    'online',
    'last seen 2026-05-01T08:00:00.000Z (12 s ago)',
    'modem healthy: signal 72 %, Telkomsel',
    'outbox 2, error 1',
    'pins: any number',
    'in rotation',
    'number: not set',
  ]);
  assert.equal(describeGateway(gatewayStatus(row({ number: '+6281311112222' }), T, 45))[6], 'number: +6281311112222');
  const pinnedOut = describeGateway(gatewayStatus(row({ route_prefixes: '+62811 +62812', route_countries: 'ID', rotation: 'out', rotation_since: T, rotation_reason: 'failure rate 80 % over 10 sends', route_block: 'out of rotation: failure rate 80 % over 10 sends' }), T, 45));
  assert.deepEqual(pinnedOut.slice(4, 6), ['pins: +62811, +62812, ID', 'out of rotation: failure rate 80 % over 10 sends']);
  const held = gatewayStatus(row({ route_block: 'SIM budget spent (see kirim gateways list and the log)' }), T, 45);
  assert.deepEqual(held.routing, { eligible: false, reason: 'SIM budget spent (see kirim gateways list and the log)', rotation: 'in' });
  assert.equal(describeGateway(held)[5], 'in rotation, no new SMS: SIM budget spent (see kirim gateways list and the log)');
  const cols = describeGateway(gatewayStatus(row({ health: beat({ ok: true, signal_percent: 0 }) }), T + 15 * 60_000, 45));
  assert.deepEqual(cols.slice(0, 3), ['offline', 'last seen 2026-05-01T08:00:00.000Z (15 min ago)', 'modem unhealthy: no signal (signal 0 %)']);
});
