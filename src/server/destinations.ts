/**
 * Turns what an application sends as `to` into a canonical destination:
 * E.164 for phone numbers (libphonenumber-js with full metadata), the
 * lower-cased address for email. Anything else is refused with a reason.
 */
import { parsePhoneNumberFromString, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { ApiError } from './errors.js';

export interface PhoneRules {
  defaultRegion: CountryCode;
  allowedCountries: CountryCode[];
}

const invalid = (detail: string) => new ApiError(422, 'invalid_destination', detail);
const emailSchema = z.email();

/** Canonical E.164 for a national or international number, or ApiError 422. */
export function normalizePhone(raw: string, rules: PhoneRules): string {
  const value = raw.trim();
  // Only digits, one leading plus and the usual separators: this refuses
  // letters, paths and control characters before the parser is involved.
  if (!/^\+?[0-9 ()./-]{3,32}$/.test(value)) throw invalid('`to` is not a phone number: use 081234567890 or +6281234567890');
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(value, rules.defaultRegion);
  } catch {
    throw invalid('`to` is not a phone number: use 081234567890 or +6281234567890');
  }
  if (!parsed.isValid()) throw invalid(`${parsed.number} is not a valid phone number`);
  const country = parsed.country;
  if (!country || !rules.allowedCountries.includes(country)) {
    throw invalid(`${parsed.number} is in ${country ?? 'an unknown country'}; allowed: ${rules.allowedCountries.join(', ')}`);
  }
  const type = parsed.getType();
  if (type === 'FIXED_LINE' || type === 'PREMIUM_RATE' || type === 'SHARED_COST' || type === 'VOIP' || type === 'PAGER' || type === 'UAN' || type === 'VOICEMAIL') {
    throw invalid(`${parsed.number} is a ${type.toLowerCase().replace('_', ' ')} number and cannot receive SMS`);
  }
  return parsed.number;
}

/**
 * A gateway SIM's own number (what people text a reverse OTP to), checked
 * as an SMS destination is: a mobile number in an allowed country, E.164.
 * ApiError 422 `invalid_number` naming the problem.
 */
export function normalizeGatewayNumber(raw: string, rules: PhoneRules): string {
  try {
    return normalizePhone(raw, rules);
  } catch (err) {
    if (err instanceof ApiError) throw new ApiError(422, 'invalid_number', `gateway number ${JSON.stringify(raw)}: ${err.detail.replace('`to` is', 'it is')}`);
    throw err;
  }
}

/** The lower-cased address, or ApiError 422. */
export function normalizeEmail(raw: string): string {
  const value = raw.trim().toLowerCase();
  if (value.length > 254 || !emailSchema.safeParse(value).success) throw invalid('`to` is not a valid email address');
  return value;
}

/** Normalises `to` for a channel. */
export function normalizeDestination(raw: string, channel: 'sms' | 'email', rules: PhoneRules): string {
  return channel === 'sms' ? normalizePhone(raw, rules) : normalizeEmail(raw);
}

/** For checks by `to` without a channel: an address when it has an @, else a phone number. */
export function normalizeAnyDestination(raw: string, rules: PhoneRules): string {
  return raw.includes('@') ? normalizeEmail(raw) : normalizePhone(raw, rules);
}

/**
 * The sender of an inbound SMS as the server stores and filters it: a phone
 * number becomes E.164 like every outbound `to` (a national `0812…` read
 * in `region`), and anything else, such as an alphanumeric sender
 * (`TELKOMSEL`) or a short code the library does not know (`3636`), stays
 * as the network gave it. Never refuses: a received SMS is never lost.
 */
export function normalizeSender(raw: string, region: CountryCode): string {
  const value = raw.trim();
  if (!/^\+?[0-9 ()./-]{3,32}$/.test(value)) return value;
  const parsed = parsePhoneNumberFromString(value, region);
  if (parsed?.isValid()) return parsed.number;
  // gammu may hand an international number without its plus sign.
  const digits = value.replace(/[^0-9]/g, '');
  const international = !value.startsWith('+') ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  if (international?.isValid()) return international.number;
  return value;
}
