/**
 * Secrets at rest. Everything derives from the server secret
 * (`KIRIM_SECRET`, or a random one kept in the data dir): a key for code
 * HMACs and a key for AES-256-GCM encryption, separated with HKDF so one
 * never serves as the other.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export interface Keyring {
  /** HMAC-SHA256 of `value` bound to `context` (e.g. a verification id). */
  mac(context: string, value: string): string;
  /** Constant-time check of `value` against a stored mac. */
  verifyMac(context: string, value: string, mac: string): boolean;
  /** AES-256-GCM; `context` is authenticated, so a ciphertext moved to another row fails to open. */
  encrypt(context: string, plain: string): string;
  decrypt(context: string, sealed: string): string;
}

/** Derives the keyring from the server secret. */
export function createKeyring(secret: string): Keyring {
  if (secret.length < 16) throw new Error('the server secret must be at least 16 characters');
  const ikm = Buffer.from(secret, 'utf8');
  const macKey = Buffer.from(hkdfSync('sha256', ikm, 'kirim', 'code-mac', 32));
  const encKey = Buffer.from(hkdfSync('sha256', ikm, 'kirim', 'at-rest-encryption', 32));
  const mac = (context: string, value: string) => createHmac('sha256', macKey).update(`${context}\0${value}`).digest('base64url');
  return {
    mac,
    verifyMac(context, value, expected) {
      const a = Buffer.from(mac(context, value));
      const b = Buffer.from(expected);
      return a.length === b.length && timingSafeEqual(a, b);
    },
    encrypt(context, plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(context, sealed) {
      if (!sealed.startsWith('v1.')) throw new Error('unknown ciphertext version');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** A numeric code of `digits` digits from the CSPRNG, uniformly distributed. */
export function generateCode(digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += String(randomInt(10));
  return s;
}

/** A bearer token: `<prefix>_` + 43 chars of base64url (256 bits). */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of a token, as stored. Tokens carry 256 random bits, so a fast hash
 * is enough (no password-style stretching needed), and lookups stay O(1).
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
