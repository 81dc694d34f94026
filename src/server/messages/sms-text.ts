/**
 * SMS text: encoding and segment count (sms-segments-calculator, which
 * knows the GSM 03.38 basic and extension tables), and the OTP texts.
 */
import { SegmentedMessage } from 'sms-segments-calculator';
import { BUILT_IN_SMS, renderOtpText, type Autofill } from './otp-template.js';

export interface SmsAnalysis {
  encoding: 'gsm7' | 'ucs2';
  segments: number;
}

// The analysis costs about a millisecond (grapheme splitting); OTP texts
// repeat exactly (the code is masked), so a small cache removes it from the
// hot path.
const cache = new Map<string, SmsAnalysis>();
const CACHE_MAX = 1000;

/** How the text will travel: GSM-7 when every character fits, else UCS-2, and in how many parts. */
export function analyzeSms(text: string): SmsAnalysis {
  const hit = cache.get(text);
  if (hit) return hit;
  const m = new SegmentedMessage(text, 'auto');
  const result: SmsAnalysis = { encoding: m.encodingName === 'GSM-7' ? 'gsm7' : 'ucs2', segments: m.segmentsCount };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(text, result);
  return result;
}

/** Most parts a message may have: gammu cuts at 50, operators often at fewer; 10 keeps costs bounded. */
export const MAX_SMS_SEGMENTS = 10;

export interface OtpTextInput {
  appName: string;
  code: string;
  ttlMinutes: number;
  locale: 'id' | 'en';
  /** A key's own template for the locale (otp-template.ts); the built-in one when absent. */
  template?: string | null;
  autofill?: Autofill;
}

/**
 * The OTP SMS. The built-in texts are GSM-7 and one segment for any
 * allowed app name, code and lifetime, with or without the autofill lines
 * (checked in tests); a key's template passed the same check when saved.
 * A lifetime under a minute (KIRIM_OTP_TTL_SECONDS as low as 10, for
 * tests) reads as 1 minute, never 0.
 */
export function renderOtpSms({ appName, code, ttlMinutes, locale, template, autofill = {} }: OtpTextInput): string {
  return renderOtpText(template ?? BUILT_IN_SMS[locale], { code, app: appName, minutes: ttlMinutes }, autofill);
}

/** The same text with the code masked, as stored and shown by the API. */
export function maskCode(code: string): string {
  return '*'.repeat(code.length);
}
