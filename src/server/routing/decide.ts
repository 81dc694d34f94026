/**
 * The routing decision itself, a pure function of the number and the
 * gateways: which route an SMS to `to` takes. The router (router.ts) feeds
 * it the gateways as the store has them and records the answer on the
 * message; leasing then only filters by that record.
 *
 * Rules:
 * - only eligible gateways count (online, healthy, in rotation, within
 *   their SIM budgets: router.ts decides and records it on the gateway);
 * - among the eligible pinned gateways matching `to`, the most specific
 *   match wins (the longest prefix; any prefix beats a country); gateways
 *   pinned exactly alike share one route, and when differently pinned
 *   gateways match equally, the set with more eligible gateways wins (then
 *   the first route in sort order, so every server decides alike);
 * - no eligible pinned gateway matches: null, the unpinned gateways'
 *   share. With no eligible gateway at all the message waits there, never
 *   lost, and is routed again when a gateway comes back;
 * - moving a message away from a silent gateway (`exclude`), it goes to
 *   another eligible gateway that may take it: a gateway sharing the
 *   silent one's route is named by id, so the silent one cannot lease it
 *   again; when no other one can take it, the decision is made as if
 *   nothing were excluded.
 */
import { countryOf } from '../limits.js';
import { matchLength, pinRoute, pinned, type Pins } from './pins.js';

export interface Candidate {
  id: string;
  pins: Pins;
  eligible: boolean;
}

export function decideRoute(to: string, gateways: Candidate[], exclude?: string): string | null {
  const country = countryOf(to);
  const pick = (pool: Candidate[]) => {
    let best = 0;
    const routes = new Map<string, Candidate[]>();
    for (const g of pool) {
      const n = matchLength(g.pins, to, country);
      if (n === 0 || n < best) continue;
      if (n > best) {
        best = n;
        routes.clear();
      }
      const r = pinRoute(g.pins)!;
      routes.set(r, [...(routes.get(r) ?? []), g]);
    }
    return [...routes].sort(([ra, a], [rb, b]) => b.length - a.length || (ra < rb ? -1 : ra > rb ? 1 : 0))[0];
  };
  const eligible = gateways.filter((g) => g.eligible);
  if (exclude === undefined) return pick(eligible)?.[0] ?? null;

  const silent = gateways.find((g) => g.id === exclude);
  const others = eligible.filter((g) => g.id !== exclude);
  const chosen = pick(others);
  const silentRoute = silent ? pinRoute(silent.pins) : undefined;
  if (chosen) {
    // The silent gateway is pinned alike: name the other gateway itself.
    return chosen[0] === silentRoute ? chosen[1][0]!.id : chosen[0];
  }
  // No pinned gateway takes it: the unpinned share, or, when the silent
  // gateway is itself unpinned, another unpinned gateway by id.
  const unpinned = others.filter((g) => !pinned(g.pins));
  if (silent && !pinned(silent.pins)) return unpinned[0]?.id ?? decideRoute(to, gateways);
  if (unpinned.length > 0) return null;
  return decideRoute(to, gateways);
}
