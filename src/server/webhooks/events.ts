/**
 * Which events an endpoint hears: the names it subscribed to, or every
 * event when it subscribed to `*` (including events added in later
 * versions: `*` means all, not all that existed when it subscribed).
 */

/** The subscription that stands for every event. */
export const ALL_EVENTS = '*';

/** True when a subscription to `events` covers an event of `type`. */
export function subscribes(events: ReadonlySet<string> | readonly string[], type: string): boolean {
  const has = (name: string) => (Array.isArray(events) ? events.includes(name) : (events as ReadonlySet<string>).has(name));
  return has(ALL_EVENTS) || has(type);
}
