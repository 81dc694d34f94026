/**
 * Routing rules (the `rules` of the providers file, docs/providers.md):
 * which channels an SMS may take, best first, by its country, number
 * prefix and priority. `modem` stands for the gammu gateways (their pins
 * and eligibility then choose the gateway, decide.ts); any other entry is a
 * provider id.
 *
 * Promises:
 * - the first rule whose every given condition holds wins (a rule without
 *   conditions matches everything, so it belongs last); within a rule,
 *   `prefixes` match when the number starts with one of them, `countries`
 *   when the number's country is one of them, `priorities` when the
 *   message's priority is one of them;
 * - no rule matching (or no rules at all) gives `["modem"]`: exactly the
 *   routing Kirim had before providers existed;
 * - the decision keeps the whole ordered list (`channelsFor`), so a later
 *   step can walk to the next channel when one fails.
 */
import type { Priority } from '../../protocol/api.js';
import type { RoutingRule } from '../channels/provider/config.js';
import { countryOf } from '../limits.js';

export const MODEM = 'modem';

export function matchRule(rules: readonly RoutingRule[], to: string, priority: Priority, country = countryOf(to)): RoutingRule | undefined {
  return rules.find(
    (r) =>
      (r.countries === undefined || (country !== undefined && r.countries.includes(country))) &&
      (r.prefixes === undefined || r.prefixes.some((p) => to.startsWith(p))) &&
      (r.priorities === undefined || r.priorities.includes(priority)),
  );
}

/** The channels an SMS to `to` may take, best first. */
export function channelsFor(rules: readonly RoutingRule[], to: string, priority: Priority): string[] {
  return matchRule(rules, to, priority)?.channels ?? [MODEM];
}

/**
 * The first usable channel of `channels`: `modem` when an eligible gateway
 * serves the number, a provider unless it is failing. When none is usable
 * the first entry is kept (a modem route waits for a gateway to come back;
 * a provider is retried with backoff), so nothing is lost to routing.
 */
export function firstUsable(channels: readonly string[], usable: (channel: string) => boolean): string {
  return channels.find(usable) ?? channels[0] ?? MODEM;
}
