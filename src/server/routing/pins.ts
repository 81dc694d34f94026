/**
 * A gateway's pins: the number prefixes (E.164, e.g. Telkomsel's +62811)
 * and countries (ISO 3166, e.g. ID) whose SMS it takes. Shared by the CLI,
 * the admin API and the router, so they check and spell pins the same way.
 *
 * Promises:
 * - a prefix is `+` and 1-14 digits, the first not 0 (a country calling
 *   code starts it); anything else is refused naming the entry and the
 *   form expected, with the international form of a national prefix
 *   (`0811` → `+62811`) suggested;
 * - a country is a code the phone number library knows;
 * - pins are kept sorted and without repeats, so one set of pins has one
 *   spelling: the route `+62811 +62812 ID` names every gateway pinned so.
 */
import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { countryOf } from '../limits.js';

export interface Pins {
  prefixes: string[];
  countries: string[];
}

/** At most this many pins of each kind per gateway (an operator has a handful of prefixes). */
export const MAX_PINS = 100;

export class PinError extends Error {}

const PREFIX = /^\+[1-9][0-9]{0,13}$/;

/** Parses prefixes as typed (comma- or space-separated); throws PinError naming the first bad one. */
export function parsePrefixes(input: string | string[], defaultRegion = 'ID'): string[] {
  const items = (Array.isArray(input) ? input : [input]).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '');
  for (const p of items) {
    if (PREFIX.test(p)) continue;
    const hint = /^0[1-9][0-9]*$/.test(p) && (getCountries() as string[]).includes(defaultRegion)
      ? ` (in ${defaultRegion}, ${p} is +${getCountryCallingCode(defaultRegion as CountryCode)}${p.slice(1)})`
      : '';
    throw new PinError(`prefix ${JSON.stringify(p)}: expected + then the country calling code and up to 13 more digits, e.g. +62811${hint}`);
  }
  return tidy(items, 'prefixes');
}

/** Parses ISO 3166 country codes (comma- or space-separated, any case). */
export function parseCountries(input: string | string[]): string[] {
  const items = (Array.isArray(input) ? input : [input]).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '').map((c) => c.toUpperCase());
  const known = new Set<string>(getCountries());
  for (const c of items) {
    if (!known.has(c)) throw new PinError(`country ${JSON.stringify(c)}: expected an ISO 3166 two-letter code known to the phone number library, e.g. ID`);
  }
  return tidy(items, 'countries');
}

function tidy(items: string[], what: string): string[] {
  const out = [...new Set(items)].sort();
  if (out.length > MAX_PINS) throw new PinError(`${out.length} ${what}: at most ${MAX_PINS} per gateway`);
  return out;
}

/** The pins as stored on a gateway row (space-separated columns). */
export function pinsOf(row: { route_prefixes: string; route_countries: string }): Pins {
  const split = (s: string) => s.split(' ').filter((x) => x !== '');
  return { prefixes: split(row.route_prefixes), countries: split(row.route_countries) };
}

/** The columns for a set of pins. */
export function pinColumns(p: Pins): { route_prefixes: string; route_countries: string } {
  return { route_prefixes: p.prefixes.join(' '), route_countries: p.countries.join(' ') };
}

export const pinned = (p: Pins): boolean => p.prefixes.length > 0 || p.countries.length > 0;

/**
 * The route naming every gateway pinned exactly so: `+62811 +62812 ID`,
 * null for an unpinned gateway. (A gateway id starts with `gw_`, so the two
 * kinds of route cannot be confused.)
 */
export function pinRoute(p: Pins): string | null {
  return pinned(p) ? [...p.prefixes, ...p.countries].join(' ') : null;
}

/**
 * How closely the pins match `to`: the length of the longest matching
 * prefix, 1 for a country match (any prefix is more specific than a
 * country), 0 for no match.
 */
export function matchLength(p: Pins, to: string, country = countryOf(to)): number {
  let best = 0;
  for (const prefix of p.prefixes) if (to.startsWith(prefix) && prefix.length > best) best = prefix.length;
  if (best === 0 && country !== undefined && p.countries.includes(country)) return 1;
  return best;
}

/** Pins for people: `+62811, +62812, ID`, or `any number`. */
export function describePins(p: Pins): string {
  return pinned(p) ? [...p.prefixes, ...p.countries].join(', ') : 'any number';
}

/**
 * The LIKE-able number prefixes that cover every number the pins can
 * match: the prefixes themselves and each country's calling code.
 */
export function coveringPrefixes(p: Pins): string[] {
  return [...new Set([...p.prefixes, ...p.countries.map((c) => `+${getCountryCallingCode(c as CountryCode)}`)])];
}
