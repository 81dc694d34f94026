/**
 * Where webhooks may go. A user who can create a webhook chooses where the
 * server sends POSTs; without this filter that is a way into the server's
 * own network (blind SSRF: 127.0.0.1, the cloud metadata address, the
 * LAN). Promises:
 * - loopback, private (RFC 1918, fc00::/7), link-local, multicast,
 *   unspecified, CGNAT (100.64/10), reserved/documentation ranges, and
 *   IPv6 forms that embed such an IPv4 address (IPv4-mapped ::ffff:a.b.c.d,
 *   IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4
 *   2002::/16) are refused;
 * - the check runs on the address actually connected to (see deliver.ts:
 *   the socket's own DNS lookup goes through {@link checkAddress}), so a
 *   name resolving to 127.0.0.1, or re-resolving differently between a
 *   check and the connection (DNS rebinding), gets nowhere;
 * - operators who need a private receiver list it in
 *   KIRIM_WEBHOOK_ALLOW_PRIVATE (CIDRs); the metadata address
 *   169.254.169.254 (and fd00:ec2::254) stays refused unless listed alone,
 *   as /32 (/128), so allowing "the link-local range" does not open it.
 */
import { isIP } from 'node:net';

/** The setting named in every refusal. */
export const ALLOW_PRIVATE_SETTING = 'KIRIM_WEBHOOK_ALLOW_PRIVATE';

/** One parsed CIDR block. */
interface Cidr {
  /** 4 or 16 bytes, host bits zero. */
  bytes: Uint8Array;
  bits: number;
  text: string;
}

/** The allow-list, parsed once. */
export interface EgressPolicy {
  allow: Cidr[];
}

/** A refused destination: `reason` is the sentence for last_error and the API. */
export interface Refusal {
  address: string;
  kind: string;
  reason: string;
}

export class EgressRefused extends Error {
  override name = 'EgressRefused';
  readonly code = 'EKIRIM_EGRESS';
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254']);

/** Strict dotted-quad or IPv6 text to bytes; null for anything else (no octal, hex or short forms). */
function toBytes(address: string): Uint8Array | null {
  const family = isIP(address);
  if (family === 4) {
    const parts = address.split('.');
    // isIP already refuses 0x.., 0177.., 2130706433 and leading zeros.
    return Uint8Array.from(parts.map(Number));
  }
  if (family !== 6) return null;
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const b = quad[1]!.split('.').map(Number);
    text = text.slice(0, quad.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function inPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  if (bytes.length !== prefix.length) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte]! & mask) !== (prefix[byte]! & mask)) return false;
  }
  return true;
}

function cidr(text: string): Cidr {
  const [addr, bits] = text.split('/');
  return { bytes: toBytes(addr!)!, bits: Number(bits), text };
}

/** Ranges refused by default, most specific first; the kind goes into the refusal sentence. */
const V4_RANGES: Array<[Cidr, string]> = [
  ['0.0.0.0/8', 'an unspecified ("this network")'],
  ['127.0.0.0/8', 'a loopback'],
  ['10.0.0.0/8', 'a private (RFC 1918)'],
  ['172.16.0.0/12', 'a private (RFC 1918)'],
  ['192.168.0.0/16', 'a private (RFC 1918)'],
  ['169.254.0.0/16', 'a link-local'],
  ['100.64.0.0/10', 'a carrier-grade NAT (RFC 6598)'],
  ['192.0.0.0/24', 'a reserved (IETF protocol assignments)'],
  ['192.0.2.0/24', 'a documentation'],
  ['198.51.100.0/24', 'a documentation'],
  ['203.0.113.0/24', 'a documentation'],
  ['198.18.0.0/15', 'a benchmarking'],
  ['224.0.0.0/4', 'a multicast'],
  ['240.0.0.0/4', 'a reserved (240/4, broadcast)'],
].map(([c, k]) => [cidr(c!), k!]);

const V6_RANGES: Array<[Cidr, string]> = [
  ['::/128', 'an unspecified'],
  ['::1/128', 'a loopback'],
  ['fe80::/10', 'a link-local'],
  ['fec0::/10', 'a site-local'],
  ['fc00::/7', 'a private (unique local)'],
  ['ff00::/8', 'a multicast'],
  ['100::/64', 'a discard-only'],
  ['2001:db8::/32', 'a documentation'],
].map(([c, k]) => [cidr(c!), k!]);

/** IPv6 forms that carry an IPv4 address, and where it sits. */
const EMBEDDED: Array<[Cidr, number, string]> = [
  [cidr('::ffff:0:0/96'), 12, 'IPv4-mapped'],
  [cidr('::/96'), 12, 'IPv4-compatible'],
  [cidr('64:ff9b::/96'), 12, 'NAT64'],
  [cidr('64:ff9b:1::/48'), 12, 'NAT64 (local-use)'],
  [cidr('2002::/16'), 2, '6to4'],
];

function v4Text(b: Uint8Array): string {
  return Array.from(b).join('.');
}

/** The IPv4 address an IPv6 address stands for, when it embeds one. */
function embeddedV4(bytes: Uint8Array): { v4: Uint8Array; form: string } | null {
  if (bytes.length !== 16) return null;
  for (const [c, at, form] of EMBEDDED) {
    if (inPrefix(bytes, c.bytes, c.bits)) {
      const v4 = bytes.slice(at, at + 4);
      // :: and ::1 are IPv6's own unspecified and loopback, not IPv4-compatible forms.
      if (form === 'IPv4-compatible' && v4[0] === 0 && v4[1] === 0 && v4[2] === 0 && v4[3]! <= 1) return null;
      return { v4, form };
    }
  }
  return null;
}

function classify(bytes: Uint8Array): string | null {
  for (const [c, kind] of bytes.length === 4 ? V4_RANGES : V6_RANGES) if (inPrefix(bytes, c.bytes, c.bits)) return kind;
  return null;
}

function allowed(policy: EgressPolicy, bytes: Uint8Array, text: string): boolean {
  const hits = policy.allow.filter((c) => inPrefix(bytes, c.bytes, c.bits));
  if (!METADATA.has(text)) return hits.length > 0;
  // The metadata address hands out cloud credentials: only a block that is
  // exactly it (169.254.169.254/32) lets it through.
  return hits.some((c) => c.bits === bytes.length * 8);
}

/**
 * Null when `address` (an IP literal as a socket would connect to it) may
 * receive webhooks, else why not. Anything that is not a plain IP literal is
 * refused: the caller resolves names first.
 */
export function checkAddress(address: string, policy: EgressPolicy): Refusal | null {
  const text = address.replace(/^\[|\]$/g, '');
  const bytes = toBytes(text);
  if (!bytes) return { address: text, kind: 'not an IP', reason: `destination ${text} is not an IP address` };
  const hint = `; allow it with ${ALLOW_PRIVATE_SETTING}`;
  const canonical = bytes.length === 4 ? text : text.toLowerCase();
  const embedded = embeddedV4(bytes);
  if (embedded) {
    const v4 = v4Text(embedded.v4);
    const kind = classify(embedded.v4);
    // The allow-list is matched against the IPv4 address reached, so
    // 127.0.0.1/32 covers ::ffff:127.0.0.1 and ::/0 does not open the metadata address.
    if (kind && !allowed(policy, embedded.v4, v4)) {
      return { address: text, kind, reason: `destination ${text} is the ${embedded.form} form of ${v4}, ${kind} address${hint}` };
    }
    if (kind) return null;
  }
  const kind = classify(bytes);
  if (kind && !allowed(policy, bytes, canonical)) return { address: text, kind, reason: `destination ${text} is ${kind} address${hint}` };
  return null;
}

/**
 * Parses KIRIM_WEBHOOK_ALLOW_PRIVATE: comma-separated CIDRs
 * (`127.0.0.1/32,10.0.0.0/8,fd00::/8`); a bare address means that address
 * alone. Throws an Error whose message names the bad entry and the fix.
 */
export function parseAllowList(raw: string | undefined): EgressPolicy {
  const allow: Cidr[] = [];
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [addr, bitsText, extra] = entry.split('/');
    const bytes = toBytes(addr ?? '');
    if (!bytes || extra !== undefined) {
      throw new Error(`${ALLOW_PRIVATE_SETTING}: "${entry}" is not a CIDR block; write addresses in plain dotted or IPv6 form, e.g. 127.0.0.1/32,10.0.0.0/8,fd00::/8`);
    }
    const max = bytes.length * 8;
    const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`${ALLOW_PRIVATE_SETTING}: "${entry}": the prefix length must be 0-${max}`);
    for (let i = bits; i < max; i++) {
      if (bytes[i >> 3]! & (0x80 >> (i & 7))) {
        throw new Error(`${ALLOW_PRIVATE_SETTING}: "${entry}" has bits set past /${bits}; write the block's first address (e.g. ${addr!.includes(':') ? 'fd00::/8' : '10.0.0.0/8'})`);
      }
    }
    allow.push({ bytes, bits, text: entry });
  }
  return { allow };
}

/** The URL's host as the socket will see it: brackets removed. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * What can be refused without DNS, at subscription time: a URL whose host is
 * an IP literal (after the URL parser's normalisation, so 0x7f000001,
 * 2130706433 and 0177.0.0.1 are all 127.0.0.1) in a refused range. Names
 * are checked when a delivery connects (their address may change).
 */
export function checkUrlHost(url: URL, policy: EgressPolicy): Refusal | null {
  const host = urlHost(url);
  if (isIP(host)) return checkAddress(host, policy);
  return null;
}
