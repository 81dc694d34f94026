/** Times cross every boundary (API, gateway protocol, webhooks) as ISO 8601 UTC strings; inside they are epoch milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString();
