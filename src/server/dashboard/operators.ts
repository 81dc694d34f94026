/**
 * Operator accounts for the dashboard. Passwords are hashed with scrypt
 * (memory-hard: N=2^15, r=8 → 32 MiB per hash) under a per-user random
 * salt; the parameters are written into the hash string, so they can be
 * raised later without breaking stored hashes. The clear password is never
 * stored or logged.
 *
 * Sign-in answers the same way, after the same work, for an unknown
 * username as for a wrong password: an unknown user is checked against a
 * dummy hash of the same cost.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { newId } from '../ids.js';
import type { OperatorRow, Repo } from '../store/index.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** Refuse parameters from a stored hash that would take absurd memory or time. */
const MAX_N = 2 ** 20;

function scrypt(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  // Node refuses by default above 32 MiB; allow twice what the parameters need.
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > MAX_N || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await scrypt(password, salt, { N, r, p });
  return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/** A hash of a random password at the default cost, made once per process. */
const dummyHash = () => (dummy ??= hashPassword(randomBytes(16).toString('hex')));

/** Usernames: 1-64 lower-case letters, digits, dots, dashes, underscores, @. */
export const USERNAME = /^[a-z0-9._@-]{1,64}$/;
export const normalizeUsername = (u: string) => u.trim().toLowerCase();

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 1024;

/** Why a password is not acceptable for a new operator, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `the password must be at least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `the password must be at most ${MAX_PASSWORD} characters`;
  return undefined;
}

/** A generated password: 20 base64url characters (120 bits). */
export const generatePassword = () => randomBytes(15).toString('base64url');

export async function createOperator(store: Repo, username: string, password: string, now = Date.now()): Promise<OperatorRow> {
  const row: OperatorRow = { id: newId('op', now), username, password_hash: await hashPassword(password), created_at: now, disabled_at: null };
  await store.insertOperator(row);
  return row;
}

/**
 * The operator whose username and password these are, or undefined. The
 * same scrypt work is done whether or not the user exists or is disabled.
 */
export async function authenticateOperator(store: Repo, username: string, password: string): Promise<OperatorRow | undefined> {
  const op = USERNAME.test(username) ? await store.findOperatorByUsername(username) : undefined;
  const ok = await verifyPassword(password, op?.password_hash ?? (await dummyHash()));
  return ok && op && op.disabled_at === null ? op : undefined;
}
