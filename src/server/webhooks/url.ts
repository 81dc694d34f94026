/**
 * Validation of webhook endpoint URLs at subscription time.
 *
 * What can be refused without DNS is refused here: a host that is an IP
 * literal in a private, loopback, link-local... range (after the URL
 * parser's normalisation, the same the delivery uses, so 0x7f000001 and
 * 2130706433 are 127.0.0.1) unless KIRIM_WEBHOOK_ALLOW_PRIVATE lists it.
 * Names are not resolved here: what a name points to can change, so the
 * real guard is the check at connect time (deliver.ts, egress.ts).
 */
import { checkUrlHost, type EgressPolicy } from './egress.js';

/** Longest accepted URL, in characters. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * Returns why `url` cannot be a webhook endpoint, or null when it can:
 * an absolute http(s) URL with a host, no credentials, no control characters
 * or spaces, at most {@link MAX_WEBHOOK_URL_LENGTH} characters, and not an
 * IP literal the egress policy refuses.
 */
export function validateWebhookUrl(url: string, egress: EgressPolicy = { allow: [] }): string | null {
  if (typeof url !== 'string' || url.length === 0) return 'url is required';
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return `url is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  // The URL parser silently drops tabs and newlines; refuse them instead of
  // storing a URL that differs from what will be called.
  if (/[\s\0-\x1f\x7f]/.test(url)) return 'url must not contain spaces or control characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'url must use http or https';
  if (!parsed.hostname) return 'url must have a host';
  // Credentials in the URL would be stored and shown in plain text; endpoints
  // authenticate deliveries by their signature instead.
  if (parsed.username || parsed.password) return 'url must not contain a user name or password';
  const refused = checkUrlHost(parsed, egress);
  if (refused) return `url refused: ${refused.reason}`;
  return null;
}
