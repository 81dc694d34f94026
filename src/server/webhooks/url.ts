/**
 * Validation of webhook endpoint URLs at subscription time.
 *
 * Loopback and private addresses are deliberately allowed: developers point
 * webhooks at a local server while trying Kirim. That means a user who can
 * create webhooks can make the server send POSTs into its own network (SSRF).
 * Kirim is self-hosted and every API key belongs to the operator's own
 * applications, so this is accepted for now; a multi-tenant deployment would
 * need an egress proxy or an address filter at connect time (checking here,
 * before DNS resolution, would not be enough).
 */

/** Longest accepted URL, in characters. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * Returns why `url` cannot be a webhook endpoint, or null when it can:
 * an absolute http(s) URL with a host, no credentials, no control characters
 * or spaces, at most {@link MAX_WEBHOOK_URL_LENGTH} characters.
 */
export function validateWebhookUrl(url: string): string | null {
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
  return null;
}
