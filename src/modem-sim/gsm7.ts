/**
 * GSM 03.38 / 3GPP TS 23.038 default alphabet with its extension table, and
 * the 7-bit packing used in SMS user data.
 */

/** The default alphabet, indexed by septet value. 0x1B is the escape to the extension table. */
export const GSM7_BASIC: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\x1b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** The extension table: septet after 0x1B → character. */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const ESC = 0x1b;
const basicIndex = new Map<string, number>();
GSM7_BASIC.forEach((ch, i) => {
  if (i !== ESC) basicIndex.set(ch, i);
});
const extIndex = new Map<string, number>();
for (const [code, ch] of GSM7_EXTENSION) extIndex.set(ch, code);

/**
 * Septets for `text`, extension characters as two septets (0x1B, code);
 * `null` when a character has no GSM-7 form.
 */
export function textToSeptets(text: string): number[] | null {
  const out: number[] = [];
  for (const ch of text) {
    const b = basicIndex.get(ch);
    if (b !== undefined) {
      out.push(b);
      continue;
    }
    const e = extIndex.get(ch);
    if (e === undefined) return null;
    out.push(ESC, e);
  }
  return out;
}

/** True when every character of `text` exists in the GSM-7 alphabet or its extension. */
export function isGsm7(text: string): boolean {
  return textToSeptets(text) !== null;
}

/**
 * Text for septets. An unknown extension code shows as the default-alphabet
 * character (TS 23.038 §6.2.1.1); a trailing lone escape shows as a space.
 */
export function septetsToText(septets: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i]! & 0x7f;
    if (s === ESC) {
      const next = i + 1 < septets.length ? septets[i + 1]! & 0x7f : undefined;
      i++;
      if (next === undefined) {
        out += ' ';
      } else if (next === ESC) {
        // ESC ESC is reserved for a future extension: show a space.
        out += ' ';
      } else {
        out += GSM7_EXTENSION.get(next) ?? GSM7_BASIC[next]!;
      }
      continue;
    }
    out += GSM7_BASIC[s]!;
  }
  return out;
}

/**
 * Packs septets into octets, least significant bit first. `fillBits` (0..6)
 * zero bits come first so that the text starts on a septet boundary after a
 * user data header.
 */
export function packSeptets(septets: readonly number[], fillBits = 0): Uint8Array {
  const totalBits = fillBits + septets.length * 7;
  const out = new Uint8Array(Math.ceil(totalBits / 8));
  let bit = fillBits;
  for (const s of septets) {
    const v = s & 0x7f;
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte]! |= (v << shift) & 0xff;
    if (shift > 1) out[byte + 1]! |= v >> (8 - shift);
    bit += 7;
  }
  return out;
}

/** Unpacks `count` septets from `bytes`, skipping `fillBits` leading bits. */
export function unpackSeptets(bytes: Uint8Array, count: number, fillBits = 0): number[] {
  const out: number[] = [];
  let bit = fillBits;
  for (let i = 0; i < count; i++) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let v = (bytes[byte] ?? 0) >> shift;
    if (shift > 1) v |= (bytes[byte + 1] ?? 0) << (8 - shift);
    out.push(v & 0x7f);
    bit += 7;
  }
  return out;
}
