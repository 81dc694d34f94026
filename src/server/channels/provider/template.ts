/**
 * Placeholders in a provider's request template, and paths into its JSON
 * answers. A placeholder is `{{to}}`, `{{to_digits}}` (without the +),
 * `{{text}}`, `{{message_id}}` or `{{callback_url}}`; an unknown one is kept
 * as written (the config check lists the known ones in docs/providers.md).
 * Values are inserted as data: in a JSON body they become JSON strings, in a
 * form body they are form-encoded, so a text cannot break out of its field.
 */

export interface TemplateValues {
  to: string;
  text: string;
  message_id: string;
  callback_url: string;
}

const PLACEHOLDER = /\{\{\s*(to|to_digits|text|message_id|callback_url)\s*\}\}/g;

export function fill(s: string, v: TemplateValues): string {
  return s.replace(PLACEHOLDER, (_, name: string) => (name === 'to_digits' ? v.to.replace(/^\+/, '') : v[name as keyof TemplateValues]));
}

/** The template with every string leaf filled in (keys are left alone). */
export function fillJson(t: unknown, v: TemplateValues): unknown {
  if (typeof t === 'string') return fill(t, v);
  if (Array.isArray(t)) return t.map((x) => fillJson(x, v));
  if (typeof t === 'object' && t !== null) return Object.fromEntries(Object.entries(t).map(([k, x]) => [k, fillJson(x, v)]));
  return t;
}

/** The value at a dotted path (`messages.0.id`); undefined when any step is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const step of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, step)) return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

/** A scalar as text for the history (objects as JSON), cut to `max` characters. */
export function asText(v: unknown, max = 300): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
