import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { validateWebhookUrl } from './url.js';

test('http and https URLs are accepted, loopback included', () => {
  for (const url of ['https://app.example.com/hooks/kirim', 'http://127.0.0.1:3000/webhook', 'http://localhost/x?y=1', 'http://[::1]:8080/', 'https://example.com/a#frag']) {
    assert.equal(validateWebhookUrl(url), null, url);
  }
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
