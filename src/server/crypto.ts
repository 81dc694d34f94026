/**
 * Secrets at rest. Everything derives from the server secret
 * (`KIRIM_SECRET`, or a random one kept in the data dir): a key for code
 * HMACs and a key for AES-256-GCM encryption, separated with HKDF so one
 * never serves as the other.
 *
 * Rotation: the keyring also holds the previous secret(s)
 * (`KIRIM_SECRET_PREVIOUS`). New macs and ciphertexts always use the
 * current secret; checks and decryption accept the previous ones too, so
 * codes of verifications started before the change still check and values
 * sealed before it still open (GCM's tag tells which key sealed a value).
 * `reseal` moves a value to the current secret.
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
  /** The value sealed again under the current secret when a previous one sealed it; null when already current. */
  reseal(context: string, sealed: string): string | null;
}

interface Keys {
  mac: Buffer;
  enc: Buffer;
}

function derive(secret: string): Keys {
  if (secret.length < 16) throw new Error('the server secret must be at least 16 characters');
  const ikm = Buffer.from(secret, 'utf8');
  return {
    mac: Buffer.from(hkdfSync('sha256', ikm, 'kirim', 'code-mac', 32)),
    enc: Buffer.from(hkdfSync('sha256', ikm, 'kirim', 'at-rest-encryption', 32)),
  };
}

function macWith(key: Buffer, context: string, value: string): string {
  return createHmac('sha256', key).update(`${context}\0${value}`).digest('base64url');
}

/** Opens a v1 ciphertext with `key`; throws when another key sealed it (or it was altered). */
function open(key: Buffer, context: string, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('unknown ciphertext version');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** Derives the keyring from the server secret and, during a rotation, the previous ones. */
export function createKeyring(secret: string, previous: readonly string[] = []): Keyring {
  const current = derive(secret);
  const all = [current, ...previous.filter((p) => p !== secret).map(derive)];
  const mac = (context: string, value: string) => macWith(current.mac, context, value);
  const decryptWithIndex = (context: string, sealed: string): [string, number] => {
    let first: unknown;
    for (const [i, k] of all.entries()) {
      try {
        return [open(k.enc, context, sealed), i];
      } catch (err) {
        first ??= err;
      }
    }
    throw first;
  };
  const keyring: Keyring = {
    mac,
    verifyMac(context, value, expected) {
      const b = Buffer.from(expected);
      let ok = false;
      // Every key is tried (no early exit), so timing does not tell which secret made the mac.
      for (const k of all) {
        const a = Buffer.from(macWith(k.mac, context, value));
        if (a.length === b.length && timingSafeEqual(a, b)) ok = true;
      }
      return ok;
    },
    encrypt(context, plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.enc, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt: (context, sealed) => decryptWithIndex(context, sealed)[0],
    reseal(context, sealed) {
      const [plain, i] = decryptWithIndex(context, sealed);
      return i === 0 ? null : keyring.encrypt(context, plain);
    },
  };
  return keyring;
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
