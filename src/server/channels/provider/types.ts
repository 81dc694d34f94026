/**
 * What every provider adapter does (generic.ts, kannel.ts): build the HTTP
 * request that hands one SMS over, read the provider's answer, and read a
 * delivery report. The worker (worker.ts) and the callback route
 * (routes/providers.ts) do the rest the same way for every provider.
 */
import type { HttpCall } from './http-call.js';
import type { ProviderConfig } from './config.js';

export interface OutgoingSms {
  id: string;
  to: string;
  text: string;
  encoding: 'gsm7' | 'ucs2' | null;
  /** Where the provider posts this message's delivery reports (token included). */
  callbackUrl: string;
}

/** The provider's answer to a hand-over. */
export type SendVerdict =
  | { outcome: 'accepted'; providerId?: string; detail: string }
  /** Refused for good (a 4xx, or a 2xx whose body says it failed): retrying would not help. */
  | { outcome: 'rejected'; detail: string }
  /** Not taken now (5xx, 408, 429): try again later. */
  | { outcome: 'retry'; detail: string };

/** What a delivery report says. `sent` only moves a message still waiting for the provider's acceptance. */
export type ReportVerdict = { status: 'delivered' | 'failed' | 'sent'; detail: string } | { status: 'ignored'; detail: string };

/** A delivery report as the route received it: query string and body (JSON, form, or nothing). */
export interface ReportInput {
  query: Record<string, string>;
  body: unknown;
}

export interface ProviderAdapter {
  readonly config: ProviderConfig;
  request(sms: OutgoingSms): Omit<HttpCall, 'timeoutMs' | 'signal'>;
  interpret(status: number, body: string): SendVerdict;
  /** Reads a report; a string is what was wrong with it (answered 400). */
  report(input: ReportInput): ReportVerdict | string;
}

/** 408 and 429 ask to come back later; other 4xx say the request itself is wrong. */
export const retryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;
