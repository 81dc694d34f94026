import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseAllowList } from './egress.js';
import { validateWebhookUrl } from './url.js';

test('http and https URLs are accepted; names are left to the check at connect time', () => {
  for (const url of ['https://app.example.com/hooks/kirim', 'http://localhost/x?y=1', 'https://example.com/a#frag', 'http://93.184.215.14/x', 'http://[2606:4700::1111]/']) {
    assert.equal(validateWebhookUrl(url), null, url);
  }
});

test('IP literals in refused ranges are refused at subscription time, naming the setting, in every spelling the URL parser accepts', () => {
  const cases: [string, string][] = [
    ['http://127.0.0.1:3000/webhook', 'url refused: destination 127.0.0.1 is a loopback address; allow it with KIRIM_WEBHOOK_ALLOW_PRIVATE'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://[::1]:8080/', '::1 is a loopback'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped form of 127.0.0.1, a loopback'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local'],
    ['http://10.1.2.3/', 'private (RFC 1918)'],
    ['http://[fd00::2]/', 'private (unique local)'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[64:ff9b::a00:1]/', 'NAT64 form of 10.0.0.1'],
  ];
  for (const [url, reason] of cases) {
    const problem = validateWebhookUrl(url) ?? 'accepted';
    assert.ok(problem.includes(reason), `${url}: ${problem}`);
    assert.match(problem, /KIRIM_WEBHOOK_ALLOW_PRIVATE/, url);
  }
  const local = parseAllowList('127.0.0.1/32,10.0.0.0/8');
  assert.equal(validateWebhookUrl('http://0x7f000001:3000/', local), null, 'allowed when listed');
  assert.equal(validateWebhookUrl('http://10.1.2.3/', local), null);
  assert.match(validateWebhookUrl('http://127.0.0.2/', local) ?? '', /loopback/, '/32 is one address');
});

test('bad URLs are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['', /required/],
    ['ftp://example.com/x', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['/relative/path', /not a valid absolute URL/],
    ['https://user:pass@example.com/', /user name or password/],
    ['https://token@example.com/', /user name or password/],
    ['https://exa mple.com/', /spaces or control/],
    ['https://example.com/\nx', /spaces or control/],
    [`https://example.com/${'a'.repeat(2000)}`, /longer than 2000/],
  ];
  for (const [url, reason] of cases) assert.match(validateWebhookUrl(url) ?? 'null', reason, JSON.stringify(url.slice(0, 40)));
  assert.equal(validateWebhookUrl(`https://example.com/${'a'.repeat(2000 - 20)}`), null, 'exactly 2000 characters is fine');
});
