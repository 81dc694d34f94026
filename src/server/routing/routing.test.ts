/**
 * Routing through the gateway protocol, on SQLite and PostgreSQL: pins
 * (a Telkomsel number goes only to the Telkomsel gateway while it is
 * eligible, to the unpinned one while it is offline, and back when it
 * returns), the most specific pin winning, queued SMS moving when a gateway
 * goes offline, a lapsed lease moving away from the silent gateway, and
 * the pins' input checks (API and store).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGateway } from '../credentials.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { decideRoute } from './decide.js';
import { parseCountries, parsePrefixes, PinError } from './pins.js';

const T0 = Date.UTC(2026, 2, 2, 8, 20, 0);
const TELKOMSEL = ['+62811', '+62812', '+62813', '+62821', '+62822', '+62823', '+62851', '+62852', '+62853'];

/** Request budgets out of the way: these tests are about routing. */
const ENV = {
  KIRIM_BUDGET_DESTINATION_PER_HOUR: '0',
  KIRIM_BUDGET_DESTINATION_PER_DAY: '0',
  KIRIM_BUDGET_PREFIX_PER_HOUR: '0',
  KIRIM_BUDGET_COUNTRY_PER_HOUR: '0',
  KIRIM_GATEWAY_OFFLINE_SECONDS: '45',
  KIRIM_LEASE_SECONDS: '30',
  KIRIM_ALLOWED_COUNTRIES: 'ID,MY,SG',
};

async function post(s: TestServer, auth: string, url: string, body: unknown, method: 'POST' | 'PUT' = 'POST') {
  const res = await s.app.inject({ method, url, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

const beat = (s: TestServer, token: string, outbox = 0) =>
  post(s, token, '/gateway/v1/heartbeat', { version: '0.1.0', started_at: new Date(T0).toISOString(), modem: { ok: true, signal_percent: 70, network: 'test' }, spool: { outbox } });

/** Leases what `token`'s gateway may take now; returns the numbers. `spool`: reports them spooled at once (their leases cannot lapse). */
async function lease(s: TestServer, token: string, { spool = true } = {}): Promise<string[]> {
  const r = await post(s, token, '/gateway/v1/lease', { max: 10, wait_ms: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const got: Array<{ id: string; to: string }> = r.body.messages;
  if (spool && got.length > 0) {
    const rep = await post(s, token, '/gateway/v1/reports', { reports: got.map((m) => ({ message_id: m.id, status: 'spooled', at: new Date(T0).toISOString() })) });
    assert.equal(rep.status, 200, JSON.stringify(rep.body));
  }
  return got.map((m) => m.to).sort();
}

async function queue(s: TestServer, to: string) {
  const r = await post(s, s.apiKey, '/v1/messages', { to, channel: 'sms', text: `to ${to}` });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.id as string;
}

async function setup(dialect: (typeof DIALECTS)[number]) {
  const clock = { now: T0 };
  const s = await createTestServer({ dialect, env: ENV, transport: capturingTransport(), now: () => clock.now, apiKeyScopes: ['messages', 'admin'] });
  return { s, clock };
}

for (const dialect of DIALECTS) {
  describe(`routing on ${dialect}`, () => {
    test('a Telkomsel number goes only to the Telkomsel gateway while it is eligible, to the unpinned one while it is offline, and back', async () => {
      const { s, clock } = await setup(dialect);
      try {
        const unpinned = { id: s.gatewayId, token: s.gatewayToken };
        const tsel = await createGateway(s.store, 'telkomsel', { prefixes: TELKOMSEL, countries: [] });
        await beat(s, unpinned.token);
        await beat(s, tsel.token);
        await s.services.sweep();

        await queue(s, '+6281234567890');
        await queue(s, '+6285712345678'); // Indosat: pinned nowhere
        assert.deepEqual(await lease(s, unpinned.token), ['+6285712345678'], 'the unpinned gateway gets only what no pinned gateway matches');
        assert.deepEqual(await lease(s, tsel.token), ['+6281234567890']);

        // Queued for Telkomsel, then Telkomsel falls silent: the SMS moves to the unpinned gateway.
        await queue(s, '+6281300000001');
        assert.deepEqual(await lease(s, unpinned.token), [], 'not while Telkomsel is eligible');
        clock.now += 50_000;
        await beat(s, unpinned.token);
        await s.services.sweep();
        const listed = (await s.api('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === tsel.id);
        assert.equal(listed.routing.eligible, false);
        assert.match(listed.routing.reason, /^offline: silent for 50 s$/);
        await queue(s, '+6282100000002');
        assert.deepEqual(await lease(s, unpinned.token), ['+6281300000001', '+6282100000002'], 're-routed on offline, and routed around while offline');

        // While it is away a third one waits; it comes back: the SMS goes back to it.
        await queue(s, '+6285100000003');
        await beat(s, tsel.token);
        await s.services.sweep();
        assert.deepEqual(await lease(s, unpinned.token), [], 'back with Telkomsel');
        assert.deepEqual(await lease(s, tsel.token), ['+6285100000003']);
      } finally {
        await s.close();
      }
    });

    test('the most specific pin wins; a prefix beats a country; the next one takes over when it is offline', async () => {
      const { s, clock } = await setup(dialect);
      try {
        const broad = await createGateway(s.store, 'indonesia-628', { prefixes: ['+628'], countries: [] });
        const narrow = await createGateway(s.store, 'telkomsel-62812', { prefixes: ['+62812'], countries: [] });
        const country = await createGateway(s.store, 'id-and-my', { prefixes: [], countries: ['ID', 'MY'] });
        for (const g of [broad, narrow, country]) await beat(s, g.token);
        await beat(s, s.gatewayToken);
        await s.services.sweep();

        for (const to of ['+6281200000001', '+6281100000002', '+60123456789', '+6581234567']) await queue(s, to);
        assert.deepEqual(await lease(s, narrow.token), ['+6281200000001']);
        assert.deepEqual(await lease(s, broad.token), ['+6281100000002'], '+628 beats the country pin ID');
        assert.deepEqual(await lease(s, country.token), ['+60123456789'], 'Malaysia: only the country pin matches');
        assert.deepEqual(await lease(s, s.gatewayToken), ['+6581234567'], 'Singapore: nobody is pinned to it');

        // The narrow one goes offline: +62812 falls back to +628.
        await queue(s, '+6281200000005');
        clock.now += 50_000;
        for (const g of [broad, country]) await beat(s, g.token);
        await s.services.sweep();
        assert.deepEqual(await lease(s, broad.token), ['+6281200000005']);
      } finally {
        await s.close();
      }
    });

    test('a lapsed lease goes to another gateway, not back to the silent one', async () => {
      const { s, clock } = await setup(dialect);
      try {
        const other = await createGateway(s.store, 'second');
        await beat(s, s.gatewayToken);
        await beat(s, other.token);
        await s.services.sweep();
        const id = await queue(s, '+6281234567890');
        assert.deepEqual(await lease(s, s.gatewayToken, { spool: false }), ['+6281234567890']);
        clock.now += 31_000; // the lease lapses; both are still online
        await beat(s, other.token);
        await s.services.sweep();
        const m = (await s.api('GET', `/v1/messages/${id}`)).body;
        assert.equal(m.status, 'queued');
        assert.match(m.events.at(-1).detail, new RegExp(`requeued \\(route: ${other.id}\\)$`));
        assert.deepEqual(await lease(s, s.gatewayToken), [], 'the silent gateway does not get it back');
        assert.deepEqual(await lease(s, other.token), ['+6281234567890']);
      } finally {
        await s.close();
      }
    });

    test('with no eligible gateway an SMS waits, and goes out when one comes', async () => {
      const { s, clock } = await setup(dialect);
      try {
        const tsel = await createGateway(s.store, 'telkomsel', { prefixes: TELKOMSEL, countries: [] });
        await s.store.updateGateway(s.gatewayId, { revoked_at: T0 }); // only the pinned gateway exists
        await s.services.sweep();
        const id = await queue(s, '+6281234567890');
        clock.now += 5_000;
        await s.services.sweep();
        assert.equal((await s.api('GET', `/v1/messages/${id}`)).body.status, 'queued');
        await beat(s, tsel.token);
        await s.services.sweep();
        assert.deepEqual(await lease(s, tsel.token), ['+6281234567890']);
      } finally {
        await s.close();
      }
    });

    test('pins through the admin API: checked, listed, and followed by the queue', async () => {
      const { s } = await setup(dialect);
      try {
        const bad = await post(s, s.apiKey, `/v1/gateways/${s.gatewayId}/pins`, { prefixes: ['0811'] }, 'PUT');
        assert.equal(bad.status, 422);
        assert.equal(bad.body.code, 'invalid_pins');
        assert.equal(bad.body.detail, 'prefix "0811": expected + then the country calling code and up to 13 more digits, e.g. +62811 (in ID, 0811 is +62811)');
        const badCountry = await post(s, s.apiKey, `/v1/gateways/${s.gatewayId}/pins`, { countries: ['XX'] }, 'PUT');
        assert.equal(badCountry.status, 422);
        assert.match(badCountry.body.detail, /^country "XX": expected an ISO 3166 two-letter code/);
        const missing = await post(s, s.apiKey, '/v1/gateways/gw_nope/pins', { prefixes: ['+62811'] }, 'PUT');
        assert.equal(missing.status, 404);

        const ok = await post(s, s.apiKey, `/v1/gateways/${s.gatewayId}/pins`, { prefixes: ['+62812', '+62811', '+62812'], countries: ['id'] }, 'PUT');
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.deepEqual(ok.body.pins, { prefixes: ['+62811', '+62812'], countries: ['ID'] });
        const listed = (await s.api('GET', '/v1/gateways')).body.data[0];
        assert.deepEqual(listed.pins, { prefixes: ['+62811', '+62812'], countries: ['ID'] });

        await beat(s, s.gatewayToken);
        await s.services.sweep();
        await queue(s, '+60123456789');
        assert.deepEqual(await lease(s, s.gatewayToken), [], 'pinned to Indonesia: a Malaysian number is not its');
        const any = await post(s, s.apiKey, `/v1/gateways/${s.gatewayId}/pins`, {}, 'PUT');
        assert.deepEqual(any.body.pins, { prefixes: [], countries: [] });
        await s.services.sweep();
        assert.deepEqual(await lease(s, s.gatewayToken), ['+60123456789'], 'unpinned again: it takes the rest');
      } finally {
        await s.close();
      }
    });
  });
}

test('the decision: most specific prefix, groups of alike pins, exclusion of a silent gateway', () => {
  const g = (id: string, prefixes: string[], countries: string[] = [], eligible = true) => ({ id, pins: { prefixes, countries }, eligible });
  const gws = [g('gw_a', ['+628']), g('gw_b', ['+62812']), g('gw_c', ['+62812']), g('gw_d', [], ['ID']), g('gw_u', [])];
  assert.equal(decideRoute('+6281211112222', gws), '+62812');
  assert.equal(decideRoute('+6281111112222', gws), '+628');
  assert.equal(decideRoute('+62215550000', gws), 'ID');
  assert.equal(decideRoute('+60123456789', gws), null);
  assert.equal(decideRoute('+6281211112222', gws, 'gw_b'), 'gw_c', 'the other gateway pinned alike, by id');
  assert.equal(decideRoute('+60123456789', [...gws, g('gw_v', [])], 'gw_u'), 'gw_v', 'another unpinned gateway, by id');
  assert.equal(decideRoute('+60123456789', gws, 'gw_u'), null, 'no other one: as if nothing were excluded');
  const off = gws.map((x) => (x.id === 'gw_b' || x.id === 'gw_c' ? { ...x, eligible: false } : x));
  assert.equal(decideRoute('+6281211112222', off), '+628');
  assert.equal(decideRoute('+6281211112222', off.map((x) => ({ ...x, eligible: false }))), null, 'nobody eligible: it waits on the unpinned share');
});

test('pins are checked and spelled one way', () => {
  assert.deepEqual(parsePrefixes('+62812, +62811 +62812'), ['+62811', '+62812']);
  assert.deepEqual(parsePrefixes(['+62811,+62812', '+62813']), ['+62811', '+62812', '+62813']);
  for (const bad of ['62811', '+0811', '+62-811', '+', '+628111111111111']) assert.throws(() => parsePrefixes(bad), PinError, bad);
  assert.throws(() => parsePrefixes('0811'), /\(in ID, 0811 is \+62811\)$/);
  assert.deepEqual(parseCountries('id,MY'), ['ID', 'MY']);
  assert.throws(() => parseCountries('IDN'), /country "IDN": expected an ISO 3166 two-letter code/);
});
