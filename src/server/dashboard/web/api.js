/**
 * The one way pages talk to the server: fetch under /dashboard/api with the
 * session cookie, JSON in and out, the CSRF token on every non-GET, and
 * problem+json answers turned into one ApiError a page can show as is.
 * A 401 on anything but the login call means the session ended: the app is
 * told (onSessionLost) and goes to the login page.
 */
const BASE = '/dashboard/api';
let csrfToken = '';
let sessionLost = () => {};

export const setCsrfToken = (t) => (csrfToken = t || '');
export const onSessionLost = (fn) => (sessionLost = fn);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || 'http_' + status;
    this.title = problem.title || '';
    this.errors = problem.errors || [];
    this.retryAfter = problem.retryAfter;
  }
}

/** Calls `path` (relative to /dashboard/api); resolves to the parsed JSON (null on 204). */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, { code: 'network_error', detail: 'The server could not be reached. Check that Kirim is running, then try again.' });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => ({})) : { detail: (await res.text()).slice(0, 200) };
  if (!res.ok) {
    const retry = res.headers.get('retry-after');
    const err = new ApiError(res.status, { ...data, retryAfter: retry ? Number(retry) : undefined });
    if (res.status === 401 && path !== '/login' && path !== '/session') sessionLost();
    throw err;
  }
  return data;
}

/** A query string from an object, leaving out empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}
