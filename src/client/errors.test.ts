/**
 * KirimError from any answer: problem+json keeps its fields, Retry-After in
 * seconds or as an HTTP date, and a body that is not a problem still gives
 * one KirimError. (The live server's problems: index.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromResponse, KirimError, networkError, parseRetryAfter } from './errors.js';

test('Retry-After: delta-seconds, an HTTP date, or nothing', () => {
  const now = Date.parse('2026-01-15T08:30:00Z');
  assert.equal(parseRetryAfter('17', now), 17);
  assert.equal(parseRetryAfter('0', now), 0);
  assert.equal(parseRetryAfter('Thu, 15 Jan 2026 08:30:30 GMT', now), 30);
  assert.equal(parseRetryAfter('Thu, 15 Jan 2026 08:29:00 GMT', now), 0, 'a past date means now');
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter('soon', now), undefined);
});

test('a problem+json answer keeps code, status, detail, errors and retryAfter', () => {
  const res = new Response(null, { status: 429, headers: { 'retry-after': '24' } });
  const err = errorFromResponse(res, { type: 'https://kirim.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, detail: 'retry in 24 s', code: 'rate_limited' });
  assert.ok(err instanceof KirimError && err instanceof Error);
  assert.equal(err.name, 'KirimError');
  assert.deepEqual([err.code, err.status, err.detail, err.retryAfter, err.title], ['rate_limited', 429, 'retry in 24 s', 24, 'Too Many Requests']);
  assert.equal(err.message, 'rate_limited: retry in 24 s');
  const invalid = errorFromResponse(new Response(null, { status: 400 }), { status: 400, detail: 'bad', code: 'validation_failed', errors: [{ path: 'to', message: 'required' }] });
  assert.deepEqual(invalid.errors, [{ path: 'to', message: 'required' }]);
  assert.equal(invalid.retryAfter, undefined);
});

test('an answer that is not a problem (a proxy page) is unexpected_response with its status', () => {
  const err = errorFromResponse(new Response(null, { status: 502, statusText: 'Bad Gateway' }), '<html>bad gateway</html>');
  assert.equal(err.code, 'unexpected_response');
  assert.equal(err.status, 502);
  assert.match(err.detail, /502 Bad Gateway: <html>bad gateway/);
});

test('no answer is network_error, status 0, with the cause', () => {
  const cause = new TypeError('fetch failed');
  const err = networkError(cause);
  assert.equal(err.code, 'network_error');
  assert.equal(err.status, 0);
  assert.equal(err.cause, cause);
});
