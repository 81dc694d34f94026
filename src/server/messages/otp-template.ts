/**
 * OTP texts: the built-in SMS templates (Indonesian, English), custom
 * templates with their placeholders, the autofill lines, and the composer
 * check that keeps every OTP SMS one GSM-7 segment.
 *
 * Promises (docs/otp-texts.md):
 * - With a web origin set, the LAST line of the SMS is exactly the
 *   origin-bound code `@host #code` (WICG "Origin-bound one-time codes
 *   delivered via SMS", the format Chrome's WebOTP API and Safari's
 *   autofill read). With an Android app hash set, the SMS carries the
 *   11-character hash on a line of its own (Google's SMS Retriever API
 *   requires the message to include it); with both, the hash line comes
 *   just before the origin-bound line, so both formats hold at once, and
 *   without an origin the message ends with the hash.
 * - A template is accepted only if, rendered with the longest values Kirim
 *   can put in (a 10-digit code, the longest lifetime) and the key's
 *   autofill lines, it is one GSM-7 segment (160 septets, extension
 *   characters counting two); otherwise the check names the problem and
 *   the computed length.
 * - `*` never appears in a template: stored texts carry the code masked as
 *   asterisks (sms-text.ts `maskCode`), and the code is put back in by
 *   replacing them (`fillMaskedCode`), which must find nothing else.
 */
import { SegmentedMessage } from 'sms-segments-calculator';
import type { Locale } from '../../protocol/api.js';

export const PLACEHOLDERS = ['code', 'app', 'minutes'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The built-in SMS texts; what every key gets for a locale it has no template for. */
export const BUILT_IN_SMS: Readonly<Record<Locale, string>> = {
  id: 'Kode verifikasi {app} Anda: {code}. Berlaku {minutes} menit. Jangan berikan kode ini kepada siapa pun.',
  en: 'Your {app} verification code: {code}. Valid for {minutes} minutes. Do not share this code with anyone.',
};

/** One GSM-7 SMS: 140 bytes of 7-bit septets. */
export const ONE_SEGMENT_SEPTETS = 160;
/** The longest code KIRIM_OTP_DIGITS allows: a template checked with it stays one segment whatever the digits are set to. */
export const LONGEST_CODE = '9'.repeat(10);
/** The longest lifetime KIRIM_OTP_TTL_SECONDS allows (86400 s), in minutes. */
export const LONGEST_MINUTES = 1440;

export interface OtpValues {
  code: string;
  app: string;
  minutes: number;
}

/** What an application set for autofill (store/settings); null or absent: not set. */
export interface Autofill {
  webOrigin?: string | null;
  androidAppHash?: string | null;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** A lifetime under a minute reads as 1 minute, never 0. */
const minutesText = (m: number) => String(Math.max(1, Math.round(m)));

/** The template with its placeholders filled in (no autofill lines). */
export function fillTemplate(template: string, v: OtpValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    name === 'code' ? v.code : name === 'app' ? v.app : name === 'minutes' ? minutesText(v.minutes) : whole,
  );
}

/**
 * The host part of the origin-bound line: the origin's host, with its port
 * when it is not 443 (URL drops the default port), as Chrome's parser
 * reads `@host:port` for an origin on another port.
 */
export function originHost(webOrigin: string): string {
  return new URL(webOrigin).host;
}

/** The origin-bound line for `code` (WICG sms-one-time-codes): `@example.com #123456`. */
export const originBoundLine = (webOrigin: string, code: string) => `@${originHost(webOrigin)} #${code}`;

/**
 * The SMS: the filled template (trailing blanks dropped), then the app hash
 * line, then the origin-bound line last.
 */
export function renderOtpText(template: string, v: OtpValues, autofill: Autofill = {}): string {
  const lines = [fillTemplate(template, v).replace(/\s+$/, '')];
  if (autofill.androidAppHash) lines.push(autofill.androidAppHash);
  if (autofill.webOrigin) lines.push(originBoundLine(autofill.webOrigin, v.code));
  return lines.join('\n');
}

/** Puts the code back into a text stored with it masked (every run of `code.length` asterisks). */
export function fillMaskedCode(text: string, code: string): string {
  return text.split('*'.repeat(code.length)).join(code);
}

/** A refused template: a stable machine code and a sentence naming the problem. */
export interface TemplateProblem {
  code: 'template_placeholder' | 'template_character' | 'template_encoding' | 'template_too_long';
  detail: string;
  /** The computed length in septets (GSM-7) or characters (UCS-2), when the text could be rendered. */
  length?: number;
  encoding?: 'gsm7' | 'ucs2';
}

/**
 * Placeholder and character rules shared by every template (SMS and
 * email): known placeholders only, `{code}` exactly `codeCount` times (a
 * range), no `*` (the mask), no carriage return.
 */
export function checkPlaceholders(template: string, { codeMin = 1, codeMax = 1, what = 'template' }: { codeMin?: number; codeMax?: number; what?: string } = {}): TemplateProblem | undefined {
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = names.filter((n) => !(PLACEHOLDERS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    return { code: 'template_placeholder', detail: `${what} uses unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` };
  }
  const codes = names.filter((n) => n === 'code').length;
  if (codes < codeMin) return { code: 'template_placeholder', detail: `${what} lacks the {code} placeholder` };
  if (codes > codeMax) return { code: 'template_placeholder', detail: `${what} has {code} ${codes} times; put it in once` };
  if (template.includes('*')) return { code: 'template_character', detail: `${what} contains "*", which is reserved (stored texts show the code as asterisks)` };
  if (template.includes('\r')) return { code: 'template_character', detail: `${what} contains a carriage return; use \\n for line breaks` };
  return undefined;
}

/** Length and encoding as the SMS will travel. */
export function measure(text: string): { encoding: 'gsm7' | 'ucs2'; length: number; segments: number; nonGsm: string[] } {
  const m = new SegmentedMessage(text, 'auto');
  const gsm = m.encodingName === 'GSM-7';
  return { encoding: gsm ? 'gsm7' : 'ucs2', length: m.numberOfCharacters, segments: m.segmentsCount, nonGsm: gsm ? [] : [...new Set(m.getNonGsmCharacters())] };
}

/**
 * The composer check of an SMS template: placeholders, characters, then
 * the text rendered with the longest values and the autofill lines must be
 * GSM-7 and at most 160 septets. Returns the septets it measured.
 */
export function checkSmsTemplate(template: string, { app }: { app: string }, autofill: Autofill = {}, what = 'template'): { ok: true; length: number } | { ok: false; problem: TemplateProblem } {
  const bad = checkPlaceholders(template, { what });
  if (bad) return { ok: false, problem: bad };
  if (template.split('\n').some((line) => line.startsWith('@'))) {
    return { ok: false, problem: { code: 'template_character', detail: `${what} has a line starting with "@": the origin-bound line is added by Kirim from web_origin` } };
  }
  const text = renderOtpText(template, { code: LONGEST_CODE, app, minutes: LONGEST_MINUTES }, autofill);
  const m = measure(text);
  if (m.encoding !== 'gsm7') {
    return { ok: false, problem: { code: 'template_encoding', detail: `${what} needs UCS-2 for ${m.nonGsm.map((c) => JSON.stringify(c)).join(', ')}; OTP texts must be GSM-7 (one SMS holds 70 UCS-2 characters, ${m.length} here)`, length: m.length, encoding: 'ucs2' } };
  }
  if (m.length > ONE_SEGMENT_SEPTETS) {
    const parts = [autofill.androidAppHash ? 'the app hash line' : '', autofill.webOrigin ? 'the origin-bound line' : ''].filter(Boolean);
    return {
      ok: false,
      problem: {
        code: 'template_too_long',
        detail: `${what} renders to ${m.length} GSM-7 septets with a ${LONGEST_CODE.length}-digit code${parts.length ? ` and ${parts.join(' and ')}` : ''}; one SMS holds ${ONE_SEGMENT_SEPTETS} (characters such as {}[]~^|\\€ count two)`,
        length: m.length,
        encoding: 'gsm7',
      },
    };
  }
  return { ok: true, length: m.length };
}
