/**
 * Dashboard requests for tests: an operator created in the test server's
 * store, a signed-in session (cookie and CSRF token), and requests that
 * carry them.
 */
import type { TestServer } from '../testing.js';
import { createOperator } from './operators.js';
import { SESSION_COOKIE } from './sessions.js';

export interface DashResponse {
  status: number;
  body: any;
  raw: string;
  headers: Record<string, string | string[] | number | undefined>;
}

export async function dashRequest(s: TestServer, method: string, url: string, { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {}): Promise<DashResponse> {
  const res = await s.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  let parsed: unknown = res.body;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    // not JSON
  }
  return { status: res.statusCode, body: parsed, raw: res.body, headers: res.headers };
}

/** The session cookie's value from a Set-Cookie header. */
export function sessionCookieOf(setCookie: unknown): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [String(setCookie)] : [];
  for (const c of all) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}

export interface Operator {
  cookie: string;
  csrf: string;
  /** A request with the session cookie and (for changes) the CSRF token. */
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<DashResponse>;
}

export const TEST_PASSWORD = 'correct horse battery';

/** Creates operator `username` (unless it exists) and signs in. */
export async function signIn(s: TestServer, username = 'ana'): Promise<Operator> {
  if (!(await s.store.findOperatorByUsername(username))) await createOperator(s.store, username, TEST_PASSWORD);
  const res = await dashRequest(s, 'POST', '/dashboard/api/login', { body: { username, password: TEST_PASSWORD } });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${res.raw}`);
  const cookie = `${SESSION_COOKIE}=${sessionCookieOf(res.headers['set-cookie'])}`;
  const csrf = res.body.csrf_token as string;
  return {
    cookie,
    csrf,
    req: (method, url, body, headers = {}) =>
      dashRequest(s, method, url, { body, headers: { cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }), ...headers } }),
  };
}
