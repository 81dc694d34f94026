/**
 * Opaque ids that sort by creation time: `<prefix>_` + 10 chars of
 * millisecond time + 16 random chars (Crockford base32). Sorting lets the
 * id double as the pagination cursor.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastTime = 0;
let lastRandom: number[] = [];

/** A new id such as `msg_01jd8w9k3f4q2x7r0c5v6b8n2m`. Monotonic within one process. */
export function newId(prefix: string, now = Date.now()): string {
  let random: number[];
  if (now <= lastTime) {
    // Same millisecond: increment the random part so ids stay ordered.
    now = lastTime;
    random = increment(lastRandom);
  } else {
    const bytes = randomBytes(16);
    random = Array.from(bytes, (b) => b & 31);
  }
  lastTime = now;
  lastRandom = random;
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${random.map((d) => ALPHABET[d]).join('')}`;
}

function increment(digits: number[]): number[] {
  const out = digits.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 31) {
      out[i]!++;
      return out;
    }
    out[i] = 0;
  }
  return out;
}
