/**
 * The demo's pages, rendered on the server from the dictionaries in
 * i18n.ts. Accessible by construction: one h1 per page, every input has a
 * label, hints and errors are tied to their input (aria-describedby,
 * aria-invalid), messages are announced (role=alert / role=status).
 */
import { html, type Html } from './html.js';
import type { Lang, MessageKey, Translate } from './i18n.js';
import type { Flash } from './store.js';

export const BASE = '/demo';

export interface PageContext {
  lang: Lang;
  t: Translate;
  csrf: string;
  /** This page's path, for the language switch to come back to. */
  path: string;
  flash?: Flash | null;
}

export function layout(c: PageContext, title: string, body: Html): string {
  const other = (l: Lang) =>
    html`<li><a href="${BASE}/lang/${l}?next=${encodeURIComponent(c.path)}" lang="${l}" hreflang="${l}"${l === c.lang ? html` aria-current="true"` : ''}>${c.t(`lang.${l}` as MessageKey)}</a></li>`;
  return `<!doctype html>${html`<html lang="${c.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${c.t('app.name')}</title>
<link rel="stylesheet" href="${BASE}/demo.css">
<script src="${BASE}/demo.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${c.t('nav.skip')}</a>
<header class="top">
  <a class="brand" href="${BASE}/">${c.t('app.name')}</a>
  <nav class="lang" aria-label="${c.t('lang.label')}"><ul>${other('id')}${other('en')}</ul></nav>
</header>
<main id="main" tabindex="-1">
<div class="card">
${flash(c)}
${body}
</div>
</main>
<footer><p>${c.t('app.footer')}</p></footer>
</body>
</html>`}`;
}

function flash(c: PageContext): Html | string {
  const f = c.flash;
  if (!f) return '';
  const text = c.t(f.key as MessageKey, f.vars);
  return f.tone === 'error' ? html`<div class="flash error" role="alert" id="flash">${text}</div>` : html`<div class="flash ${f.tone}" role="status" id="flash">${text}</div>`;
}

const csrfField = (c: PageContext) => html`<input type="hidden" name="_csrf" value="${c.csrf}">`;

interface FieldSpec {
  name: string;
  label: string;
  type: 'text' | 'tel' | 'email' | 'password';
  value?: string;
  hint?: string;
  error?: string;
  autocomplete: string;
  extra?: Html;
}

function field(f: FieldSpec): Html {
  const described = [f.hint ? `${f.name}-hint` : '', f.error ? `${f.name}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
  <label for="${f.name}">${f.label}</label>
  <input id="${f.name}" name="${f.name}" type="${f.type}" autocomplete="${f.autocomplete}" required${f.value !== undefined && f.type !== 'password' ? html` value="${f.value}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${f.error ? html` aria-invalid="true"` : ''}${f.extra ?? ''}>
  ${f.hint ? html`<p class="hint" id="${f.name}-hint">${f.hint}</p>` : ''}
  ${f.error ? html`<p class="field-error" id="${f.name}-error">${f.error}</p>` : ''}
</div>`;
}

export function homePage(c: PageContext): string {
  return layout(
    c,
    c.t('home.title'),
    html`<h1>${c.t('home.title')}</h1>
<p>${c.t('home.intro')}</p>
<div class="actions"><a class="button" href="${BASE}/signup">${c.t('home.signup')}</a><a class="button secondary" href="${BASE}/login">${c.t('home.login')}</a></div>`,
  );
}

export interface SignupValues {
  name?: string;
  phone?: string;
  email?: string;
}
export type FieldErrors = Partial<Record<'name' | 'phone' | 'email' | 'password', string>>;

export function signupPage(c: PageContext, values: SignupValues = {}, errors: FieldErrors = {}): string {
  return layout(
    c,
    c.t('signup.title'),
    html`<p class="steps">${c.t('steps.progress', { n: 1, total: 3 })}</p>
<h1>${c.t('signup.title')}</h1>
<p>${c.t('signup.intro')}</p>
<form method="post" action="${BASE}/signup" novalidate>
${csrfField(c)}
${field({ name: 'name', label: c.t('field.name'), type: 'text', value: values.name ?? '', error: errors.name, autocomplete: 'name' })}
${field({ name: 'phone', label: c.t('field.phone'), type: 'tel', value: values.phone ?? '', hint: c.t('field.phone.hint'), error: errors.phone, autocomplete: 'tel' })}
${field({ name: 'email', label: c.t('field.email'), type: 'email', value: values.email ?? '', error: errors.email, autocomplete: 'email' })}
${field({ name: 'password', label: c.t('field.password'), type: 'password', hint: c.t('field.password.hint'), error: errors.password, autocomplete: 'new-password', extra: html` minlength="8"` })}
<button type="submit" class="wide">${c.t('signup.submit')}</button>
</form>
<p class="hint after">${c.t('signup.haveAccount')} <a href="${BASE}/login">${c.t('home.login')}</a></p>`,
  );
}

export function loginPage(c: PageContext, values: { email?: string } = {}): string {
  return layout(
    c,
    c.t('login.title'),
    html`<h1>${c.t('login.title')}</h1>
<p>${c.t('login.intro')}</p>
<form method="post" action="${BASE}/login">
${csrfField(c)}
${field({ name: 'email', label: c.t('field.email'), type: 'email', value: values.email ?? '', autocomplete: 'username' })}
${field({ name: 'password', label: c.t('field.password'), type: 'password', autocomplete: 'current-password' })}
<button type="submit" class="wide">${c.t('login.submit')}</button>
</form>
<p class="hint after">${c.t('login.noAccount')} <a href="${BASE}/signup">${c.t('home.signup')}</a></p>`,
  );
}

export interface CodePageSpec {
  title: string;
  intro: string;
  /** "Step n of 3" for sign-up, none for log-in. */
  step?: number;
  /** Where the code form posts; none when no code can be checked (ended: only "send a new code"). */
  checkAction?: string;
  submitLabel: string;
  attemptsLeft?: number;
  /** Kirim's expires_at, shown as a time. */
  expiresAt?: string;
  resendAction: string;
  /** Kirim's next_resend_at; the button counts down to it. */
  resendAt?: string;
  /** True when the verification ended: the button asks for a new code. */
  ended: boolean;
  /** The code went by SMS: the script asks the browser for it (WebOTP) where the browser can. */
  sms?: boolean;
  now: number;
}

export function codePage(c: PageContext, s: CodePageSpec): string {
  const waitS = s.resendAt && !s.ended ? Math.ceil((Date.parse(s.resendAt) - s.now) / 1000) : 0;
  const label = s.ended ? c.t('resend.new') : c.t('resend.button');
  const described = ['code-hint', s.attemptsLeft !== undefined ? 'attempts' : ''].filter(Boolean).join(' ');
  return layout(
    c,
    s.title,
    html`${s.step ? html`<p class="steps">${c.t('steps.progress', { n: s.step, total: 3 })}</p>` : ''}
<h1>${s.title}</h1>
<p id="destination">${s.intro}</p>
${
  s.checkAction
    ? html`<form method="post" action="${s.checkAction}">
${csrfField(c)}
<div class="field">
  <label for="code">${c.t('field.code')}</label>
  <input id="code" name="code" type="text" class="code" data-code${s.sms ? html` data-webotp` : ''} autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 \\-]{4,20}" maxlength="20" required aria-describedby="${described}" autofocus>
  <p class="hint" id="code-hint">${c.t('field.code.hint')}${s.expiresAt ? html` ${validUntil(c, s.expiresAt)}` : ''}</p>
</div>
${s.attemptsLeft !== undefined ? html`<p class="attempts" id="attempts">${c.t('code.attemptsLeft', { n: s.attemptsLeft })}</p>` : ''}
<button type="submit" class="wide">${s.submitLabel}</button>
</form>`
    : ''
}
<form method="post" action="${s.resendAction}" class="resend">
${csrfField(c)}
<button type="submit" id="resend" class="secondary"${waitS > 0 ? html` disabled data-resend-at="${s.resendAt}"` : ''} data-label="${label}" data-wait="${c.t('resend.wait', { s: '{s}' })}">${waitS > 0 ? c.t('resend.wait', { s: waitS }) : label}</button>
</form>`,
  );
}

/**
 * "Valid until 14:05 UTC": the server does not know the reader's time zone,
 * so the time is UTC in the page and the script rewrites it in local time.
 */
function validUntil(c: PageContext, iso: string): Html {
  const d = new Date(iso);
  const utc = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
  const [before, after] = c.t('code.validUntil', { time: '\0' }).split('\0');
  return html`${before}<time datetime="${iso}" data-local>${utc}</time>${after}`;
}

export function accountPage(c: PageContext, user: { name: string; phone: string; email: string }): string {
  return layout(
    c,
    c.t('account.title', { name: user.name }),
    html`<h1>${c.t('account.title', { name: user.name })}</h1>
<p>${c.t('account.intro')}</p>
<dl class="facts">
  <dt>${c.t('account.phone')}</dt><dd>${user.phone} (${c.t('account.verified')})</dd>
  <dt>${c.t('account.email')}</dt><dd>${user.email} (${c.t('account.verified')})</dd>
</dl>
<form method="post" action="${BASE}/logout">${csrfField(c)}<button type="submit" class="secondary">${c.t('account.logout')}</button></form>`,
  );
}

export function errorPage(c: PageContext, message: string): string {
  return layout(c, c.t('error.title'), html`<h1>${c.t('error.title')}</h1><p role="alert">${message}</p><p><a href="${BASE}/">${c.t('error.home')}</a></p>`);
}

/** "+62 812-****-7890"-like: enough to recognise one's own number, not enough to read it off a screen. */
export function maskPhone(e164: string): string {
  if (e164.length <= 7) return e164;
  return e164.slice(0, 6) + '•'.repeat(e164.length - 9) + e164.slice(-3);
}

/** "de•••@example.test". */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return address;
  const local = address.slice(0, at);
  const keep = local.length <= 2 ? 1 : 2;
  return local.slice(0, keep) + '•'.repeat(Math.max(3, local.length - keep)) + address.slice(at);
}
