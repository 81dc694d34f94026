import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { escapeHtml, renderOtpEmail, renderPlainEmail } from './templates.js';

test('OTP email in Indonesian', () => {
  const m = renderOtpEmail({ appName: 'Toko Budi', code: '123456', ttlMinutes: 10, locale: 'id' });
  assert.equal(m.subject, 'Kode verifikasi Toko Budi: 123456');
  assert.match(m.text, /^Kode verifikasi Toko Budi Anda:\n\n123456\n/);
  assert.match(m.text, /berlaku selama 10 menit/);
  assert.match(m.text, /Jangan berikan kode ini kepada siapa pun/);
  assert.match(m.html, /<html lang="id">/);
  assert.match(m.html, />123456<\/p>/);
  assert.match(m.html, /berlaku selama 10 menit/);
  assert.doesNotMatch(m.html, /<style|<script|<link/i, 'inline styles only');
});

test('OTP email in English, with singular and plural minutes', () => {
  const m = renderOtpEmail({ appName: 'Shop', code: '654321', ttlMinutes: 15, locale: 'en' });
  assert.equal(m.subject, 'Shop verification code: 654321');
  assert.match(m.text, /^Your Shop verification code:\n\n654321\n/);
  assert.match(m.text, /valid for 15 minutes\./);
  assert.match(m.text, /Do not share this code with anyone\. Shop will never ask you for it/);
  assert.match(m.html, /<html lang="en">/);
  assert.match(m.html, />654321<\/p>/);
  assert.match(renderOtpEmail({ appName: 'Shop', code: '1', ttlMinutes: 1, locale: 'en' }).text, /valid for 1 minute\./);
});

test('everything interpolated into the HTML is escaped', () => {
  const m = renderOtpEmail({ appName: '<b>A&B "x"</b>', code: '<i>1</i>', ttlMinutes: 10, locale: 'en' });
  assert.doesNotMatch(m.html, /<b>|<i>|"x"/);
  assert.match(m.html, /&lt;b&gt;A&amp;B &quot;x&quot;&lt;\/b&gt;/);
  assert.match(m.html, /&lt;i&gt;1&lt;\/i&gt;/);
  assert.match(m.html, /<title>&lt;b&gt;A&amp;B/);
  // The plain text keeps the characters as they are.
  assert.match(m.text, /<b>A&B "x"<\/b>/);
});

test('a line break cannot reach the subject through the app name', () => {
  const m = renderOtpEmail({ appName: 'App\r\nBcc: x@example.com', code: '123456', ttlMinutes: 10, locale: 'en' });
  assert.doesNotMatch(m.subject, /[\r\n]/);
});

test('plain email: text kept, HTML escaped with line breaks', () => {
  const m = renderPlainEmail({ subject: 'Pesanan <1>', text: "Halo & selamat datang\n<script>alert('x')</script>\nBaris 3" });
  assert.equal(m.subject, 'Pesanan <1>');
  assert.equal(m.text, "Halo & selamat datang\n<script>alert('x')</script>\nBaris 3");
  assert.match(m.html, /Halo &amp; selamat datang<br>\n&lt;script&gt;alert\(&#39;x&#39;\)&lt;\/script&gt;<br>\nBaris 3/);
  assert.doesNotMatch(m.html, /<script>/);
  assert.match(m.html, /<title>Pesanan &lt;1&gt;<\/title>/);
});

test('escapeHtml covers the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
