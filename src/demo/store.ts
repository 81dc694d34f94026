/**
 * The demo application's own tiny store: its users and its sessions, in its
 * own SQLite file (<dataDir>/demo/demo.db), apart from Kirim's database, as
 * any application that uses Kirim keeps its own.
 *
 * Promises:
 * - passwords are kept only as scrypt hashes (salted, N=2^14) and checked in
 *   constant time; an unknown email costs the same hash as a known one, so
 *   timing does not tell which addresses have accounts;
 * - session tokens are kept only as SHA-256 hashes: the database alone
 *   cannot be turned into a working cookie;
 * - a user's phone and email are each unique; a second sign-up with either
 *   is refused (DuplicateUserError naming the field).
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface User {
  id: number;
  name: string;
  /** E.164, as Kirim returned it. */
  phone: string;
  /** Lower-cased, as Kirim returned it. */
  email: string;
  phoneVerifiedAt: number | null;
  emailVerifiedAt: number | null;
  createdAt: number;
}

/** One Kirim verification a flow waits on: its destination, and its id once known. */
export interface Track {
  to: string;
  id?: string;
}

/** Where a session is in the sign-up or log-in flow, and the Kirim verifications it waits on (per channel). */
export interface Flow {
  step: 'phone' | 'email' | 'login';
  userId: number;
  sms?: Track;
  email?: Track;
}

/** A message to show once on the next page. */
export interface Flash {
  tone: 'error' | 'info' | 'success';
  key: string;
  vars?: Record<string, string | number>;
}

export interface Session {
  tokenHash: string;
  csrf: string;
  /** Set once the person is signed in. */
  userId: number | null;
  flow: Flow | null;
  flash: Flash | null;
  expiresAt: number;
}

export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';
  constructor(readonly field: 'phone' | 'email') {
    super(`a user with this ${field} exists`);
  }
}

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions = SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFKC'), salt, KEY_LEN, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem! });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Hashed once per process: what an unknown email is checked against. */
let dummyHash: Promise<string> | undefined;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface UserRow {
  id: number;
  name: string;
  phone: string;
  email: string;
  password_hash: string;
  phone_verified_at: number | null;
  email_verified_at: number | null;
  created_at: number;
}

interface SessionRow {
  token_hash: string;
  csrf: string;
  user_id: number | null;
  flow: string | null;
  flash: string | null;
  expires_at: number;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  phone: r.phone,
  email: r.email,
  phoneVerifiedAt: r.phone_verified_at,
  emailVerifiedAt: r.email_verified_at,
  createdAt: r.created_at,
});

const toSession = (r: SessionRow): Session => ({
  tokenHash: r.token_hash,
  csrf: r.csrf,
  userId: r.user_id,
  flow: r.flow ? (JSON.parse(r.flow) as Flow) : null,
  flash: r.flash ? (JSON.parse(r.flash) as Flash) : null,
  expiresAt: r.expires_at,
});

export type DemoStore = ReturnType<typeof openDemoStore>;

/** Opens (creating) the store at `file`; `:memory:` for tests. */
export function openDemoStore(file: string, { now = Date.now, sessionTtlMs = 2 * 60 * 60 * 1000 } = {}) {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      phone TEXT NOT NULL UNIQUE,
      email TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      phone_verified_at INTEGER,
      email_verified_at INTEGER,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sessions (
      token_hash TEXT PRIMARY KEY,
      csrf TEXT NOT NULL,
      user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
      flow TEXT,
      flash TEXT,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
  `);
  const q = {
    insertUser: db.prepare<[string, string, string, string, number], never>('INSERT INTO users (name, phone, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?)'),
    userById: db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?'),
    userByEmail: db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?'),
    userByPhone: db.prepare<[string], UserRow>('SELECT * FROM users WHERE phone = ?'),
    setEmail: db.prepare<[string, number], never>('UPDATE users SET email = ? WHERE id = ?'),
    verifyPhone: db.prepare<[number, number], never>('UPDATE users SET phone_verified_at = ? WHERE id = ?'),
    verifyEmail: db.prepare<[number, number], never>('UPDATE users SET email_verified_at = ? WHERE id = ?'),
    insertSession: db.prepare<[string, string, number], never>('INSERT INTO sessions (token_hash, csrf, expires_at) VALUES (?, ?, ?)'),
    sessionByHash: db.prepare<[string, number], SessionRow>('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?'),
    updateSession: db.prepare<[number | null, string | null, string | null, number, string], never>('UPDATE sessions SET user_id = ?, flow = ?, flash = ?, expires_at = ? WHERE token_hash = ?'),
    deleteSession: db.prepare<[string], never>('DELETE FROM sessions WHERE token_hash = ?'),
    purgeSessions: db.prepare<[number], never>('DELETE FROM sessions WHERE expires_at <= ?'),
  };

  const uniqueField = (err: unknown): 'phone' | 'email' | undefined => {
    const m = /UNIQUE constraint failed: users\.(phone|email)/.exec((err as Error)?.message ?? '');
    return m?.[1] as 'phone' | 'email' | undefined;
  };

  return {
    /** Creates an unverified user; throws DuplicateUserError when the phone or email is taken. */
    async createUser(input: { name: string; phone: string; email: string; password: string }): Promise<User> {
      const hash = await hashPassword(input.password);
      try {
        const r = q.insertUser.run(input.name, input.phone, input.email.toLowerCase(), hash, now());
        return toUser(q.userById.get(Number(r.lastInsertRowid))!);
      } catch (err) {
        const field = uniqueField(err);
        if (field) throw new DuplicateUserError(field);
        throw err;
      }
    },

    userById(id: number): User | undefined {
      const r = q.userById.get(id);
      return r ? toUser(r) : undefined;
    },

    /** Whether an account has this phone number (E.164). */
    phoneTaken(phone: string): boolean {
      return q.userByPhone.get(phone) !== undefined;
    },

    emailTaken(email: string): boolean {
      return q.userByEmail.get(email.trim().toLowerCase()) !== undefined;
    },

    /** The user with this email and password, or undefined (same cost either way). */
    async authenticate(email: string, password: string): Promise<User | undefined> {
      const r = q.userByEmail.get(email.trim().toLowerCase());
      if (!r) {
        dummyHash ??= hashPassword('not a password of anyone');
        await verifyPassword(password, await dummyHash);
        return undefined;
      }
      return (await verifyPassword(password, r.password_hash)) ? toUser(r) : undefined;
    },

    /** Keeps the address as Kirim normalised it; DuplicateUserError when another user has it. */
    setEmail(id: number, email: string): void {
      try {
        q.setEmail.run(email.toLowerCase(), id);
      } catch (err) {
        if (uniqueField(err)) throw new DuplicateUserError('email');
        throw err;
      }
    },

    markVerified(id: number, what: 'phone' | 'email'): void {
      (what === 'phone' ? q.verifyPhone : q.verifyEmail).run(now(), id);
    },

    /** A new anonymous session; the token goes into the cookie, only its hash is kept. */
    createSession(): { token: string; session: Session } {
      q.purgeSessions.run(now());
      const token = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      const expiresAt = now() + sessionTtlMs;
      q.insertSession.run(hashToken(token), csrf, expiresAt);
      return { token, session: { tokenHash: hashToken(token), csrf, userId: null, flow: null, flash: null, expiresAt } };
    },

    /** The live session for a cookie token, or undefined. */
    session(token: string): Session | undefined {
      const r = q.sessionByHash.get(hashToken(token), now());
      return r ? toSession(r) : undefined;
    },

    /** Saves the session's state and extends its life. */
    saveSession(s: Session): void {
      s.expiresAt = now() + sessionTtlMs;
      q.updateSession.run(s.userId, s.flow ? JSON.stringify(s.flow) : null, s.flash ? JSON.stringify(s.flash) : null, s.expiresAt, s.tokenHash);
    },

    deleteSession(tokenHash: string): void {
      q.deleteSession.run(tokenHash);
    },

    close(): void {
      db.close();
    },
  };
}
