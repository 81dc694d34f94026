/**
 * Who calls an integration endpoint: an API key, given as a Bearer token
 * or as the password of HTTP Basic authentication (many systems that send
 * SMS through a URL only do Basic: authentik's generic provider, Kratos'
 * `basic_auth`). The user name of Basic is not checked; a key given as the
 * user name with an empty password is taken too.
 *
 * The key needs the `send` scope (nothing but these endpoints) or
 * `messages`; anything else is 403 naming `send`.
 */
import { apiKeyOf, requireScope } from '../auth.js';
import { ApiError } from '../errors.js';
import type { ApiKeyRow, Store } from '../store/index.js';

/** `<scheme> <credentials>`; Basic credentials are base64 (RFC 7617), Bearer a token68. */
const CREDENTIALS = /^([A-Za-z]+) +([A-Za-z0-9._~+/-]+=*) *$/;

/** The API key value carried by an Authorization header, or 401 saying what is wrong with it. */
export function keyFromAuthorization(header: string | undefined): string {
  if (!header) throw new ApiError(401, 'unauthorized', 'missing Authorization header: send the API key as Bearer <key>, or as the password of Basic authentication');
  const m = CREDENTIALS.exec(header);
  const scheme = m?.[1]!.toLowerCase();
  if (!m || (scheme !== 'bearer' && scheme !== 'basic')) throw new ApiError(401, 'unauthorized', 'malformed Authorization header: expected Bearer <key> or Basic <base64 of user:key>');
  if (scheme === 'bearer') return m[2]!;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new ApiError(401, 'unauthorized', 'malformed Basic credentials: expected base64 of user:password');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const key = password || user;
  if (!key) throw new ApiError(401, 'unauthorized', 'empty Basic credentials: put the API key in the password');
  return key;
}

/** The API key of an integration request with the scope to send, or 401/403. */
export async function integrationCaller(store: Store, header: string | undefined, now: number): Promise<ApiKeyRow> {
  const key = await apiKeyOf(store, keyFromAuthorization(header), now);
  requireScope(key, 'send', 'messages');
  return key;
}
