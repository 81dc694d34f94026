/**
 * The words of a reverse OTP: what is read as a reply (and what is not),
 * the text and links shown, and which gateway's number is shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayRow } from '../store/index.js';
import { ApiError } from '../errors.js';
import { maskReply, pickReverseGateway } from './reverse.js';
import { MAX_REPLY_CHARS, parseReverseReply, reverseText, smsUris } from './reverse-text.js';

test('a reply is read in any case, with or without the keyword, with spaces, dashes or dots between the digits', () => {
  for (const text of ['KIRIM 482913', 'kirim 482913', 'Kirim482913', '482913', ' 482 913 ', 'KIRIM: 482-913', 'kirim #482.913.', 'KIRIM 482913!', 'ＫＩＲＩＭ　４８２９１３', 'kirim\n482913\n']) {
    assert.equal(parseReverseReply(text, 6), '482913', JSON.stringify(text));
  }
});

test('a text that is not a keyword and exactly the code is not a reply', () => {
  for (const text of ['', 'STOP', 'who is this?', 'KIRIM', 'my code is 482913', '482913 thanks', 'KIRIM 48291', 'KIRIM 4829131', 'KIRIMAN 482913', 'KIRIM 482913 482913', '4829l3']) {
    assert.equal(parseReverseReply(text, 6), undefined, JSON.stringify(text));
  }
  assert.equal(parseReverseReply('KIRIM 48291', 5), '48291', 'the length follows the configured digits');
  assert.equal(parseReverseReply(`KIRIM 482913${' '.repeat(MAX_REPLY_CHARS)}`, 6), undefined, 'a long text is not read at all');
});

test('the text to send and its sms: links (RFC 5724 and the older iOS form), percent-encoded', () => {
  assert.equal(reverseText('482913'), 'KIRIM 482913');
  assert.deepEqual(smsUris('+6281311112222', 'KIRIM 482913'), {
    sms_uri: 'sms:+6281311112222?body=KIRIM%20482913',
    sms_uri_ios: 'sms:+6281311112222&body=KIRIM%20482913',
  });
  assert.equal(maskReply('kirim 482 913'), 'kirim *** ***');
});

const T = Date.parse('2026-05-01T08:00:00Z');
const gw = (id: string, over: Partial<GatewayRow> = {}): GatewayRow => ({
  id,
  name: id,
  token_hash: 'h',
  prefix: 'kg_x',
  created_at: T - 1000,
  revoked_at: null,
  last_seen_at: T,
  state: 'online',
  health: null,
  route_prefixes: '',
  route_countries: '',
  rotation: 'in',
  rotation_since: null,
  rotation_reason: null,
  route_block: null,
  number: null,
  ...over,
});
const pick = (to: string, gws: GatewayRow[]) => pickReverseGateway(to, gws, T, 45).id;
const refused = (to: string, gws: GatewayRow[]) => {
  try {
    pickReverseGateway(to, gws, T, 45);
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return `${err.status} ${err.code}`;
  }
  return 'picked';
};

test('the number shown: a gateway that can receive now, pinned to the person first, then unpinned, then the same operator', () => {
  assert.equal(refused('+6281200000001', [gw('gw_a')]), '409 no_reverse_number');
  assert.equal(refused('+6281200000001', [gw('gw_a', { number: '+6281311112222', revoked_at: T })]), '409 no_reverse_number');
  assert.equal(refused('+6281200000001', [gw('gw_a', { number: '+6281311112222', last_seen_at: T - 60_000 })]), '409 no_reverse_gateway');
  assert.equal(refused('+6281200000001', [gw('gw_a', { number: '+6281311112222', last_seen_at: null })]), '409 no_reverse_gateway');

  const silent = gw('gw_silent', { number: '+6281200009999', last_seen_at: T - 60_000 });
  const xl = gw('gw_xl', { number: '+6281711112222' });
  const tsel = gw('gw_tsel', { number: '+6281211112222' });
  assert.equal(pick('+6281200000001', [silent, xl, tsel]), 'gw_tsel', 'online only; then the longest common prefix (same operator)');
  assert.equal(pick('+6281700000001', [silent, xl, tsel]), 'gw_xl');
  const pinnedXl = gw('gw_pinned', { number: '+6285611112222', route_prefixes: '+62817' });
  assert.equal(pick('+6281700000001', [tsel, xl, pinnedXl]), 'gw_pinned', 'pinned to the person beats the same operator');
  assert.equal(pick('+6281200000001', [pinnedXl, xl]), 'gw_xl', 'unpinned beats pinned elsewhere');
  assert.equal(pick('+6281200000001', [pinnedXl]), 'gw_pinned', 'pinned elsewhere rather than nothing');
  const country = gw('gw_id', { number: '+6285600000000', route_countries: 'ID' });
  assert.equal(pick('+6281200000001', [country, xl]), 'gw_id', 'a country pin counts as pinned to the person');
  const out = gw('gw_out', { number: '+6281211112222', rotation: 'out' });
  assert.equal(pick('+6281200000001', [out, xl]), 'gw_xl', 'in rotation first');
  assert.equal(pick('+6281200000001', [out]), 'gw_out', 'out of rotation still receives');
});
