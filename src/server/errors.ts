/**
 * The one error type routes throw. The app's error handler turns it (and
 * Fastify's own validation/parsing errors) into RFC 9457 problem+json.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Stable machine code, e.g. `invalid_destination`. */
    readonly code: string,
    /** One sentence for people. */
    readonly detail: string,
    readonly extra: { headers?: Record<string, string>; errors?: Array<{ path: string; message: string }> } = {},
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The problem+json body for an ApiError. */
export function problemBody(err: ApiError) {
  return {
    type: `https://kirim.dev/problems/${err.code.replace(/_/g, '-')}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: err.detail,
    code: err.code,
    ...(err.extra.errors ? { errors: err.extra.errors } : {}),
  };
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** 429 with Retry-After (seconds, at least 1) as the contract requires. */
export function rateLimited(detail: string, retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(429, 'rate_limited', detail, { headers: { 'retry-after': String(seconds) } });
}
