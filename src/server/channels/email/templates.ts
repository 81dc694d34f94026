/**
 * The emails Kirim writes itself: the OTP email (Indonesian and English) and
 * a plain wrapper for application messages. Each has a subject, a plain-text
 * body (what most security-minded clients show) and a small HTML body with
 * inline styles only, because mail clients drop <style> blocks and external
 * CSS. Everything interpolated into HTML is escaped.
 */

/** Languages the OTP email is written in. */
export type EmailLocale = 'id' | 'en';

/** A rendered email: the parts of an `OutgoingEmail` that templates decide. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Inputs for {@link renderOtpEmail}. */
export interface OtpEmailInput {
  /** Application name shown to the user (`KIRIM_APP_NAME`). */
  appName: string;
  /** The one-time code, as the user must type it. */
  code: string;
  /** How long the code stays valid, in whole minutes. */
  ttlMinutes: number;
  /** Language; anything but `en` falls back to Indonesian, the product's home locale. */
  locale: EmailLocale;
}

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Subjects are one header line: fold any line break a caller let through into a space. */
function oneLineSubject(text: string): string {
  return text.replace(/[\r\n\0]+/g, ' ').trim();
}

const STRINGS = {
  id: {
    subject: (app: string, code: string) => `Kode verifikasi ${app}: ${code}`,
    intro: (app: string) => `Kode verifikasi ${app} Anda:`,
    lifetime: (m: number) => `Kode ini berlaku selama ${m} menit.`,
    warning: (app: string) => `Jangan berikan kode ini kepada siapa pun. ${app} tidak pernah meminta kode ini, termasuk lewat telepon, SMS, atau chat.`,
    ignore: 'Jika Anda tidak meminta kode ini, abaikan email ini.',
  },
  en: {
    subject: (app: string, code: string) => `${app} verification code: ${code}`,
    intro: (app: string) => `Your ${app} verification code:`,
    lifetime: (m: number) => `This code is valid for ${m} ${m === 1 ? 'minute' : 'minutes'}.`,
    warning: (app: string) => `Do not share this code with anyone. ${app} will never ask you for it, not by phone, SMS or chat.`,
    ignore: 'If you did not request this code, you can ignore this email.',
  },
} as const;

/**
 * Renders the OTP email, e.g. subject `Kode verifikasi Toko: 123456` (id) or
 * `Toko verification code: 123456` (en). The body states the code, its
 * lifetime in minutes, and that nobody should ever ask for it.
 */
export function renderOtpEmail(input: OtpEmailInput): RenderedEmail {
  const s = input.locale === 'en' ? STRINGS.en : STRINGS.id;
  const lang = input.locale === 'en' ? 'en' : 'id';
  const app = oneLineSubject(input.appName);
  const code = oneLineSubject(input.code);
  const minutes = Math.max(1, Math.round(input.ttlMinutes));
  const subject = s.subject(app, code);
  const text = [s.intro(app), '', code, '', s.lifetime(minutes), s.warning(app), '', s.ignore, ''].join('\n');
  const e = escapeHtml;
  const body = [
    `<p style="margin:0 0 12px 0">${e(s.intro(app))}</p>`,
    `<p style="margin:0 0 16px 0;font-size:32px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace">${e(code)}</p>`,
    `<p style="margin:0 0 8px 0">${e(s.lifetime(minutes))}</p>`,
    `<p style="margin:0 0 16px 0;font-weight:bold">${e(s.warning(app))}</p>`,
    `<p style="margin:0;color:#666666;font-size:13px">${e(s.ignore)}</p>`,
  ].join('\n');
  return { subject, text, html: wrapHtml(lang, subject, body) };
}

/** Inputs for {@link renderPlainEmail}. */
export interface PlainEmailInput {
  subject: string;
  /** Plain text; line breaks are kept in the HTML part. */
  text: string;
}

/** Wraps an application's plain-text message: same text, plus a minimal escaped HTML part. */
export function renderPlainEmail(input: PlainEmailInput): RenderedEmail {
  const subject = oneLineSubject(input.subject);
  const body = `<div style="white-space:pre-wrap">${escapeHtml(input.text).replace(/\r?\n/g, '<br>\n')}</div>`;
  return { subject, text: input.text, html: wrapHtml(undefined, subject, body) };
}

function wrapHtml(lang: string | undefined, title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    `<html${lang ? ` lang="${lang}"` : ''}>`,
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f5f5f5;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#222222">',
    '<div style="max-width:480px;margin:0 auto;padding:24px;background:#ffffff;border-radius:8px">',
    body,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
