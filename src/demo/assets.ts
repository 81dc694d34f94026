/**
 * The demo's stylesheet and its one small script, served by the demo itself
 * (/demo/demo.css, /demo/demo.js): no build step, no CDN.
 *
 * The pages work without the script; it only adds comfort:
 * - a resend button counts down to `data-resend-at` (Kirim's next_resend_at)
 *   and enables itself when the wait is over;
 * - a code input keeps only the digits of what is typed or pasted
 *   ("123 456", "123-456" from an SMS app both work);
 * - where the browser has the WebOTP API (Chrome on Android, or on a
 *   desktop paired with one), a code input sent by SMS asks it for the
 *   code (`navigator.credentials.get({ otp: { transport: ['sms'] } })`),
 *   which reads the SMS's origin-bound last line `@host #code` (Kirim adds
 *   it when the key's web_origin is set, docs/otp-texts.md), fills the
 *   field and submits the form; typing and submitting first aborts the
 *   request. Without the API nothing happens.
 */

export const CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4a5361; --bg: #f4f6f8; --card: #ffffff; --line: #c9d1db;
  --brand: #0b57a4; --brand-dark: #08437f; --focus: #b45309; --err-fg: #9b1c1c; --err-bg: #fdecec; --ok-fg: #14532d; --ok-bg: #e7f6ec;
  --info-fg: #0c3d75; --info-bg: #e8f1fb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--brand); }
a:hover { color: var(--brand-dark); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; color: var(--fg); text-decoration: none; font-size: 1.1rem; }
nav.lang ul { list-style: none; display: flex; gap: .75rem; margin: 0; padding: 0; }
nav.lang a[aria-current="true"] { font-weight: 700; color: var(--fg); text-decoration: none; }
main { max-width: 30rem; margin: 1.5rem auto; padding: 0 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: 1.25rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 .75rem; }
p { margin: 0 0 1rem; }
.steps { color: var(--muted); font-size: .9rem; margin-bottom: .25rem; }
.field { margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.field-error { color: var(--err-fg); font-size: .95rem; margin: .25rem 0 0; font-weight: 600; }
input[type=text], input[type=tel], input[type=email], input[type=password] { width: 100%; font: inherit; padding: .65rem .75rem; border: 1px solid #6b7686; border-radius: .5rem; background: #fff; color: var(--fg); }
input[aria-invalid="true"] { border-color: var(--err-fg); border-width: 2px; }
input.code { font-size: 1.5rem; letter-spacing: .3em; text-align: center; font-variant-numeric: tabular-nums; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .7rem 1.1rem; border-radius: .5rem; border: 2px solid var(--brand); background: var(--brand); color: #fff; cursor: pointer; text-decoration: none; text-align: center; min-height: 2.75rem; }
button:hover, .button:hover { background: var(--brand-dark); border-color: var(--brand-dark); color: #fff; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
button.secondary:hover, .button.secondary:hover { background: var(--info-bg); color: var(--brand-dark); }
button[disabled] { background: #e3e7ec; border-color: #c9d1db; color: #3f4753; cursor: not-allowed; }
.wide { width: 100%; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1rem; }
.flash { border-radius: .5rem; padding: .75rem 1rem; margin-bottom: 1rem; border: 1px solid; }
.flash.error { color: var(--err-fg); background: var(--err-bg); border-color: #f3b4b4; }
.flash.success { color: var(--ok-fg); background: var(--ok-bg); border-color: #a7dbb8; }
.flash.info { color: var(--info-fg); background: var(--info-bg); border-color: #b6d0ee; }
.attempts { font-weight: 600; }
.after { margin-top: 1rem; }
.resend { margin-top: 1.25rem; padding-top: 1rem; border-top: 1px solid var(--line); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
footer { max-width: 30rem; margin: 0 auto 2rem; padding: 0 1rem; color: var(--muted); font-size: .9rem; }
@media (min-width: 40rem) { main { margin-top: 3rem; } .card { padding: 2rem; } }
`;

export const JS = `
(function () {
  'use strict';
  // Resend buttons: count down to data-resend-at, then enable.
  document.querySelectorAll('button[data-resend-at]').forEach(function (btn) {
    var at = Date.parse(btn.getAttribute('data-resend-at'));
    var label = btn.getAttribute('data-label');
    var wait = btn.getAttribute('data-wait');
    if (isNaN(at)) return;
    function tick() {
      var left = Math.ceil((at - Date.now()) / 1000);
      if (left > 0) {
        btn.disabled = true;
        btn.textContent = wait.replace('{s}', String(left));
        setTimeout(tick, Math.min(1000, at - Date.now() - (left - 1) * 1000 + 5));
      } else {
        btn.disabled = false;
        btn.textContent = label;
      }
    }
    tick();
  });
  // Times: in the reader's own time zone.
  document.querySelectorAll('time[data-local]').forEach(function (t) {
    var d = new Date(t.getAttribute('datetime'));
    if (!isNaN(d)) t.textContent = d.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
  });
  // Code inputs: keep the digits of what is typed or pasted.
  document.querySelectorAll('input[data-code]').forEach(function (input) {
    input.addEventListener('paste', function (e) {
      var text = (e.clipboardData || window.clipboardData).getData('text');
      if (!text) return;
      e.preventDefault();
      input.value = text.replace(/\\D/g, '');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    input.addEventListener('input', function () {
      var digits = input.value.replace(/\\D/g, '');
      if (digits !== input.value) input.value = digits;
    });
  });
  // WebOTP: the browser hands over the code of the SMS bound to this origin.
  if ('OTPCredential' in window && navigator.credentials && navigator.credentials.get) {
    document.querySelectorAll('input[data-webotp]').forEach(function (input) {
      var form = input.form;
      if (!form) return;
      var ac = new AbortController();
      form.addEventListener('submit', function () { ac.abort(); });
      navigator.credentials.get({ otp: { transport: ['sms'] }, signal: ac.signal }).then(function (otp) {
        if (!otp || !otp.code || ac.signal.aborted) return;
        input.value = String(otp.code).replace(/\\D/g, '');
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }).catch(function () { /* aborted, refused or timed out: the person types the code */ });
    });
  }
})();
`;
