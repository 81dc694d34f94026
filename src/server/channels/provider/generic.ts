/**
 * The generic HTTP provider: any SMS API that takes one message per request
 * and answers synchronously, described in the providers file (URL, method,
 * headers, a JSON or form body template, where the message id and errors
 * are in the answer, and how its delivery reports read). See
 * docs/providers.md for a worked example.
 *
 * Reading the answer:
 * - 2xx, and the `success` condition (when set) holds: accepted, with the
 *   id at `id_path` when set;
 * - 2xx whose `success` condition fails: rejected, with the text at
 *   `error_path` (a provider that answers 200 with an error inside);
 * - 408, 429, 5xx: retry later; any other status: rejected.
 */
import type { HttpProviderConfig } from './config.js';
import { asText, fill, fillJson, getPath } from './template.js';
import { retryableStatus, type OutgoingSms, type ProviderAdapter, type ReportInput, type ReportVerdict, type SendVerdict } from './types.js';

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function createGenericProvider(config: HttpProviderConfig): ProviderAdapter {
  const errorOf = (json: unknown, body: string) => (config.response.error_path ? asText(getPath(json, config.response.error_path)) : undefined) ?? (body.trim().slice(0, 300) || 'no details');

  return {
    config,
    request(sms: OutgoingSms) {
      const values = { to: sms.to, text: sms.text, message_id: sms.id, callback_url: sms.callbackUrl };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(config.headers)) headers[k.toLowerCase()] = fill(v as string, values);
      let body: string | undefined;
      let url = fill(config.url, { ...values, text: encodeURIComponent(sms.text), to: encodeURIComponent(sms.to) });
      if (config.body.type === 'json') {
        body = JSON.stringify(fillJson(config.body.template, values));
        headers['content-type'] ??= 'application/json';
      } else {
        const form = new URLSearchParams(Object.entries(config.body.fields).map(([k, v]): [string, string] => [k, fill(v as string, values)]));
        if (config.method === 'GET') url += (url.includes('?') ? '&' : '?') + form.toString();
        else {
          body = form.toString();
          headers['content-type'] ??= 'application/x-www-form-urlencoded';
        }
      }
      return { url, method: config.method, headers, ...(body !== undefined && config.method !== 'GET' ? { body } : {}) };
    },

    interpret(status: number, body: string): SendVerdict {
      const json = parseJson(body);
      if (status >= 200 && status < 300) {
        const ok = config.response.success ? getPath(json, config.response.success.path) === config.response.success.equals : true;
        if (!ok) return { outcome: 'rejected', detail: `answered ${status} with an error: ${errorOf(json, body)}` };
        const providerId = config.response.id_path ? asText(getPath(json, config.response.id_path), 100) : undefined;
        return { outcome: 'accepted', ...(providerId ? { providerId } : {}), detail: `answered ${status}` };
      }
      const detail = `answered ${status}: ${errorOf(json, body)}`;
      return retryableStatus(status) ? { outcome: 'retry', detail } : { outcome: 'rejected', detail };
    },

    report({ query, body }: ReportInput): ReportVerdict | string {
      const dlr = config.dlr;
      if (!dlr) return 'this provider has no delivery reports configured (dlr in the providers file)';
      const from = (p: string) => getPath(body, p) ?? (p.includes('.') ? undefined : query[p]);
      const status = asText(from(dlr.status_path), 100);
      if (status === undefined) return `no status at ${dlr.status_path}`;
      const error = dlr.error_path ? asText(from(dlr.error_path)) : undefined;
      if (dlr.delivered.includes(status)) return { status: 'delivered', detail: `status ${status}` };
      if (dlr.failed.includes(status)) return { status: 'failed', detail: `status ${status}${error ? `: ${error}` : ''}` };
      return { status: 'ignored', detail: `status ${status} is neither delivered nor failed` };
    },
  };
}
