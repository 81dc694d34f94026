/**
 * KirimError: the one error the client throws. A problem+json answer
 * (RFC 9457) keeps its stable `code`, `status` and `detail`; `retryAfter`
 * is the server's Retry-After in seconds when it sent one. A request that
 * never got an answer is `code: 'network_error'`, `status: 0`, with the
 * underlying error as `cause`; an answer that is not problem+json is
 * `code: 'unexpected_response'` with its HTTP status.
 */
export interface ProblemFields {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  code: string;
  errors?: Array<{ path: string; message: string }>;
  retryAfter?: number;
}

export class KirimError extends Error {
  override name = 'KirimError';
  /** Stable machine code, e.g. `rate_limited`, `not_found`, `unauthorized`. */
  readonly code: string;
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** One sentence for people. */
  readonly detail: string;
  /** Seconds the server asked to wait before trying again (429, 409, 503). */
  readonly retryAfter: number | undefined;
  readonly type: string | undefined;
  readonly title: string | undefined;
  /** Field-level problems of a `validation_failed`. */
  readonly errors: Array<{ path: string; message: string }> | undefined;

  constructor(fields: ProblemFields, options?: { cause?: unknown }) {
    super(`${fields.code}: ${fields.detail}`, options);
    this.code = fields.code;
    this.status = fields.status;
    this.detail = fields.detail;
    this.retryAfter = fields.retryAfter;
    this.type = fields.type;
    this.title = fields.title;
    this.errors = fields.errors;
  }
}

/**
 * Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110);
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The KirimError for a non-2xx answer, whatever its body was. */
export function errorFromResponse(response: Response, body: unknown): KirimError {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const p = body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  if (p && typeof p.code === 'string') {
    return new KirimError({
      code: p.code,
      status: response.status,
      detail: typeof p.detail === 'string' ? p.detail : response.statusText,
      ...(typeof p.type === 'string' ? { type: p.type } : {}),
      ...(typeof p.title === 'string' ? { title: p.title } : {}),
      ...(Array.isArray(p.errors) ? { errors: p.errors as ProblemFields['errors'] } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  const text = typeof body === 'string' ? body.slice(0, 200) : '';
  return new KirimError({
    code: 'unexpected_response',
    status: response.status,
    detail: `HTTP ${response.status} ${response.statusText}${text ? `: ${text}` : ''}`.trim(),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
}

/** The KirimError for a request that got no answer. */
export function networkError(cause: unknown): KirimError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new KirimError({ code: 'network_error', status: 0, detail: `no answer from the Kirim server: ${message}` }, { cause });
}
