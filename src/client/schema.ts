/**
 * The v1 API's types, generated from the server's /openapi.json by
 * `npm run client:types` (src/dev/client-types.ts). Do not edit by hand:
 * a test fails when this file differs from what the server serves.
 */
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The store answers */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (KIRIM_METRICS_TOKEN: with Authorization: Bearer <token>) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a verification, or resend the pending one
         * @description Sends a one-time code by SMS or email. While a pending verification exists for the same key, `to` and `channel`, the same call resends the same code (200), or answers 429 before `next_resend_at`. With `method: "reverse"` (SMS only) Kirim sends nothing: the answer's `reverse` holds the code, the gateway number to text it to, the exact text and `sms:` links; the person's SMS from `to` approves it (docs/reverse-otp.md). The same call while it is pending shows the same code again (200). 409 `no_reverse_number` / `no_reverse_gateway` when no gateway with a number set can receive now, 409 `verification_pending` when a verification of the other method is pending.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /**
                     * @description Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.
                     * @example order-8812-otp
                     */
                    "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["StartVerification"];
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VerificationStart"];
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VerificationStart"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a code
         * @description `status` is `approved` only for the right code, within its lifetime, before the attempts run out, once. A wrong code answers 200 with `attempts_left` one lower. By `to`, 404 when no verification is pending for the destination, whether there never was one or it is over. Wrong codes count per destination across codes and API keys: past KIRIM_GUESS_FREE_FAILURES, checks and starts for it answer 429 with Retry-After for a growing cooling-off.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CheckVerification"];
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Verification"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a verification */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Verification"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a pending verification */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Verification"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List messages, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    status?: components["schemas"]["MessageStatus"];
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessageList"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Send a message
         * @description Queues an SMS (through a gateway and gammu-smsd) or an email. Answers 202 with the message; follow its status with GET /v1/messages/{id} or webhooks.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /**
                     * @description Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.
                     * @example order-8812-otp
                     */
                    "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SendMessage"];
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Message"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a message with its event history */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Message"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbound": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List received SMS, newest first
         * @description Filter by sender (`from`, a number matched in E.164 as it is stored) and by time received (`since` inclusive, `until` exclusive). A key sees the SMS that answer it (from a number it sent an SMS to through the same gateway within `KIRIM_INBOUND_OWNER_DAYS`); a key with the `inbound` scope sees every received SMS.
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    /** @description Only SMS from this sender: a number (national or E.164, matched as E.164) or a name such as TELKOMSEL */
                    from?: string;
                    /** @description Only SMS received at or after this time, an ISO 8601 time with a zone, e.g. 2026-05-01T08:00:00Z or 2026-05-01T15:00:00+07:00 */
                    since?: string;
                    /** @description Only SMS received before this time, an ISO 8601 time with a zone, e.g. 2026-05-01T08:00:00Z or 2026-05-01T15:00:00+07:00 */
                    until?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["InboundList"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List webhook endpoints */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookList"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Subscribe an endpoint to events
         * @description Deliveries are signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the returned `secret`, and retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /**
                     * @description Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.
                     * @example order-8812-otp
                     */
                    "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateWebhook"];
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a webhook endpoint */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/gateways": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List gateways with their state now (admin scope)
         * @description `state` is computed at the moment of the request from the last time the gateway was heard from (`KIRIM_GATEWAY_OFFLINE_SECONDS`); `modem` and `spool` come from its last heartbeat. Needs an API key with the `admin` scope (`kirim keys create --name NAME --admin`).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                name: string;
                                /** @enum {string} */
                                state: "online" | "offline" | "new";
                                last_seen_at: string | null;
                                seconds_since_seen: number | null;
                                modem: {
                                    healthy: boolean;
                                    problems: string[];
                                    signal_percent?: number;
                                    battery_percent?: number;
                                    network?: string;
                                    error?: string;
                                    sent?: number;
                                    received?: number;
                                    failed?: number;
                                } | null;
                                spool: {
                                    outbox: number;
                                    sent?: number;
                                    error?: number;
                                    inbox?: number;
                                    pending_reports?: number;
                                } | null;
                                version?: string;
                                started_at?: string;
                                number: string | null;
                                pins: {
                                    /** @description E.164 number prefixes, e.g. +62811 */
                                    prefixes: string[];
                                    /** @description ISO 3166 country codes, e.g. ID */
                                    countries: string[];
                                };
                                routing: {
                                    eligible: boolean;
                                    reason?: string;
                                    /** @enum {string} */
                                    rotation: "in" | "out" | "probe";
                                    /** @description When the rotation last changed */
                                    rotation_since?: string;
                                    /** @description Why it was taken out, e.g. "failure rate 80 % over 10 sends" */
                                    rotation_reason?: string;
                                };
                            }[];
                        };
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/gateways/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a gateway (admin scope)
         * @description Its token is refused from now on, including by its open long-poll, which answers 401 at once.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            revoked_at: string;
                        };
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/gateways/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace a gateway token (admin scope)
         * @description Answers the new token, once; the old one is refused from now on, including by an open long-poll.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            token: string;
                        };
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/gateways/{id}/pins": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Pin a gateway to number prefixes and countries (admin scope)
         * @description The gateway then takes only SMS to numbers it matches best (the longest matching prefix wins; a prefix beats a country); unpinned gateways take what no eligible pinned gateway matches. Both lists empty: unpinned. Queued SMS are routed again within a second. A malformed prefix or unknown country answers 422 `invalid_pins`.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description E.164 number prefixes, e.g. ["+62811", "+62812"]
                         * @default []
                         */
                        prefixes?: string[];
                        /**
                         * @description ISO 3166 country codes, e.g. ["ID"]
                         * @default []
                         */
                        countries?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @enum {string} */
                            state: "online" | "offline" | "new";
                            last_seen_at: string | null;
                            seconds_since_seen: number | null;
                            modem: {
                                healthy: boolean;
                                problems: string[];
                                signal_percent?: number;
                                battery_percent?: number;
                                network?: string;
                                error?: string;
                                sent?: number;
                                received?: number;
                                failed?: number;
                            } | null;
                            spool: {
                                outbox: number;
                                sent?: number;
                                error?: number;
                                inbox?: number;
                                pending_reports?: number;
                            } | null;
                            version?: string;
                            started_at?: string;
                            number: string | null;
                            pins: {
                                /** @description E.164 number prefixes, e.g. +62811 */
                                prefixes: string[];
                                /** @description ISO 3166 country codes, e.g. ID */
                                countries: string[];
                            };
                            routing: {
                                eligible: boolean;
                                reason?: string;
                                /** @enum {string} */
                                rotation: "in" | "out" | "probe";
                                /** @description When the rotation last changed */
                                rotation_since?: string;
                                /** @description Why it was taken out, e.g. "failure rate 80 % over 10 sends" */
                                rotation_reason?: string;
                            };
                        };
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/gateways/{id}/number": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set a gateway SIM's own number (admin scope)
         * @description The number people text a reverse OTP to (docs/reverse-otp.md), as `kirim gateways number` sets it; null forgets it. National or E.164; answered in E.164. A number that is not a mobile number in an allowed country answers 422 `invalid_number`.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The gateway SIM's own number, national or E.164 (e.g. +6281311112222); null: not known */
                        number: string | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @enum {string} */
                            state: "online" | "offline" | "new";
                            last_seen_at: string | null;
                            seconds_since_seen: number | null;
                            modem: {
                                healthy: boolean;
                                problems: string[];
                                signal_percent?: number;
                                battery_percent?: number;
                                network?: string;
                                error?: string;
                                sent?: number;
                                received?: number;
                                failed?: number;
                            } | null;
                            spool: {
                                outbox: number;
                                sent?: number;
                                error?: number;
                                inbox?: number;
                                pending_reports?: number;
                            } | null;
                            version?: string;
                            started_at?: string;
                            number: string | null;
                            pins: {
                                /** @description E.164 number prefixes, e.g. +62811 */
                                prefixes: string[];
                                /** @description ISO 3166 country codes, e.g. ID */
                                countries: string[];
                            };
                            routing: {
                                eligible: boolean;
                                reason?: string;
                                /** @enum {string} */
                                rotation: "in" | "out" | "probe";
                                /** @description When the rotation last changed */
                                rotation_since?: string;
                                /** @description Why it was taken out, e.g. "failure rate 80 % over 10 sends" */
                                rotation_reason?: string;
                            };
                        };
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read this key's OTP settings
         * @description The web origin and Android app hash of the autofill lines, the default locale, the custom templates, and each locale's SMS as sent (`preview`) with its length in GSM-7 septets for the longest code (`sms_length`).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AppSettings"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /**
         * Replace this key's OTP settings
         * @description Replaces the settings (a field left out is cleared). Refused with 422 when an OTP SMS would not be one GSM-7 segment (160 septets) with a 10-digit code and the autofill lines (`template_too_long`), needs UCS-2 (`template_encoding`), has `{code}` missing or twice or an unknown placeholder (`template_placeholder`), or uses a reserved character (`template_character`); the detail names the locale and the computed length.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PutAppSettings"];
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AppSettings"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send this text by SMS
         * @description The plainest way to send an SMS: `to` and `text`, as JSON or `application/x-www-form-urlencoded`, with an API key as `Authorization: Bearer <key>` or as the password of HTTP Basic authentication. A key with only the `send` scope can do nothing else. With `code` (a one-time code that appears in `text`) the code is stored masked and kept only encrypted. Budgets apply as for POST /v1/messages. See docs/integrations/generic.md.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /**
                     * @description Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.
                     * @example order-8812-otp
                     */
                    "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SendText"];
                    "application/x-www-form-urlencoded": components["schemas"]["SendText"];
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Message"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/authentik/sms": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * authentik's generic SMS provider
         * @description Takes the JSON authentik's SMS authenticator stage posts with the generic provider (`From`, `To`, `Body` = the token, and `Message` in current releases), authenticated by Bearer token or HTTP Basic (password = a Kirim API key with the `send` scope). The token is stored masked. See docs/integrations/authentik.md.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /**
                     * @description Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.
                     * @example order-8812-otp
                     */
                    "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["AuthentikSms"];
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Message"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/supabase/{id}/send-sms": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Supabase Auth's Send SMS hook
         * @description Set this URL as the HTTPS Send SMS hook of a Supabase project, with the secret of `kirim integrations create supabase`. Supabase signs each request as a Standard Webhook (`webhook-id`, `webhook-timestamp`, `webhook-signature`); Kirim checks the signature and a 5-minute timestamp tolerance, sends Supabase's code to `sms.phone` (or `user.phone`) as the integration's API key, and answers `200 {}`, or Supabase's `{"error": {"http_code", "message"}}` beside the problem fields. The `webhook-id` is the idempotency key: a repeated delivery answers the first answer and sends nothing. See docs/integrations/supabase.md.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Supabase: a UUID per hook call */
                    "webhook-id": string;
                    /** @description Unix seconds */
                    "webhook-timestamp": string;
                    /** @description `v1,<base64 HMAC-SHA256>`, several separated by ", " */
                    "webhook-signature": string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SupabaseSendSms"];
                };
            };
            responses: {
                /** @description Queued */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": Record<string, never>;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SupabaseHookError"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SupabaseHookError"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SupabaseHookError"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SupabaseHookError"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SupabaseHookError"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SupabaseHookError"];
                    };
                };
                /** @description A problem (RFC 9457); `code` says which */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/providers/v1/{provider}/dlr": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Delivery report from an SMS provider
         * @description The callback URL Kirim gives a provider with each SMS (docs/providers.md). Authenticated by the per-message token `t`; repeated reports are answered 200 and change nothing.
         */
        get: {
            parameters: {
                query: {
                    /** @description the message id */
                    m: string;
                    /** @description the message's report token */
                    t: string;
                };
                header?: never;
                path: {
                    /** @description the provider id from the providers file */
                    provider: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message_id: string;
                            /** @enum {string} */
                            status: "queued" | "dispatched" | "spooled" | "sent" | "delivered" | "failed" | "expired" | "canceled";
                            /** @description false for a repeated or late report, or a status Kirim does not record */
                            changed: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Delivery report from an SMS provider
         * @description The callback URL Kirim gives a provider with each SMS (docs/providers.md). Authenticated by the per-message token `t`; repeated reports are answered 200 and change nothing.
         */
        post: {
            parameters: {
                query: {
                    /** @description the message id */
                    m: string;
                    /** @description the message's report token */
                    t: string;
                };
                header?: never;
                path: {
                    /** @description the provider id from the providers file */
                    provider: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": unknown;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message_id: string;
                            /** @enum {string} */
                            status: "queued" | "dispatched" | "spooled" | "sent" | "delivered" | "failed" | "expired" | "canceled";
                            /** @description false for a repeated or late report, or a status Kirim does not record */
                            changed: boolean;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface webhooks {
    "message.queued": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.queued delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.spooled": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.spooled delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.sent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.sent delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.delivered": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.delivered delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.failed delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.expired": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.expired delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.canceled": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.canceled delivery
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MessageEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "message.received": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * message.received delivery
         * @description message.received: an SMS reached a gateway's modem (sent to every endpoint that subscribed, whatever its API key)
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["InboundEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "verification.approved": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * verification.approved delivery
         * @description verification.approved (the right code was checked, or, for a reverse verification, the person's SMS carried it) or verification.failed (every message that could carry its code failed)
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["VerificationEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "verification.failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * verification.failed delivery
         * @description verification.approved (the right code was checked, or, for a reverse verification, the person's SMS carried it) or verification.failed (every message that could carry its code failed)
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["VerificationEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "gateway.online": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * gateway.online delivery
         * @description gateway.online / gateway.offline: a gateway was heard from again, or was silent too long; gateway.unhealthy / gateway.healthy: the reliability monitor took it out of rotation (too many failed sends) or put it back (its probe SMS was sent). Sent to the endpoints of keys with the admin scope
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GatewayEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "gateway.offline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * gateway.offline delivery
         * @description gateway.online / gateway.offline: a gateway was heard from again, or was silent too long; gateway.unhealthy / gateway.healthy: the reliability monitor took it out of rotation (too many failed sends) or put it back (its probe SMS was sent). Sent to the endpoints of keys with the admin scope
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GatewayEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "gateway.unhealthy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * gateway.unhealthy delivery
         * @description gateway.online / gateway.offline: a gateway was heard from again, or was silent too long; gateway.unhealthy / gateway.healthy: the reliability monitor took it out of rotation (too many failed sends) or put it back (its probe SMS was sent). Sent to the endpoints of keys with the admin scope
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GatewayEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "gateway.healthy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * gateway.healthy delivery
         * @description gateway.online / gateway.offline: a gateway was heard from again, or was silent too long; gateway.unhealthy / gateway.healthy: the reliability monitor took it out of rotation (too many failed sends) or put it back (its probe SMS was sent). Sent to the endpoints of keys with the admin scope
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Delivery id, the same on every retry: deduplicate on it. */
                    "webhook-id": string;
                    /** @description Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now. */
                    "webhook-timestamp": string;
                    /** @description Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md. */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GatewayEventDelivery"];
                };
            };
            responses: {
                /** @description Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried. */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface components {
    schemas: {
        /**
         * @description Delivery channel
         * @enum {string}
         */
        Channel: "sms" | "email";
        /** @enum {string} */
        Priority: "high" | "normal" | "low";
        /** @enum {string} */
        MessageStatus: "queued" | "dispatched" | "spooled" | "sent" | "delivered" | "failed" | "expired" | "canceled";
        /**
         * @description `send`: Kirim sends the code (default); `reverse`: the person texts the code to a gateway's number (SMS only, docs/reverse-otp.md)
         * @enum {string}
         */
        VerificationMethod: "send" | "reverse";
        /**
         * @example {
         *       "to": "081234567890",
         *       "channel": "sms",
         *       "locale": "id"
         *     }
         * @example {
         *       "to": "081234567890",
         *       "channel": "sms",
         *       "method": "reverse"
         *     }
         */
        StartVerification: {
            /** @description Phone number (national or E.164) or email address */
            to: string;
            channel: components["schemas"]["Channel"];
            /**
             * @description Language of the message; defaults to the API key's default_locale (GET /v1/settings), else the server default (KIRIM_DEFAULT_LOCALE, id)
             * @enum {string}
             */
            locale?: "id" | "en";
            /** @description End user's IP address, for rate limits */
            ip?: string;
            method?: components["schemas"]["VerificationMethod"];
            /** @description Where the same code goes next, in order, when the channel before fails, expires before it is sent, or is not sent within `fallback_after_seconds` (docs/fallback.md). The person never holds two different codes. */
            fallback?: ({
                /** @constant */
                channel: "sms";
                /** @description `modem` or an SMS provider id */
                via: string;
            } | {
                /** @constant */
                channel: "email";
                /** @description The email address the code goes to */
                to: string;
            })[];
            /** @description How long a channel may take to send the code before it falls back (default KIRIM_FALLBACK_AFTER_SECONDS, 30) */
            fallback_after_seconds?: number;
        };
        /**
         * @example {
         *       "to": "081234567890",
         *       "code": "482913"
         *     }
         */
        CheckVerification: {
            /** @description Phone number (national or E.164) or email address */
            to?: string;
            id?: string;
            code: string;
        };
        /**
         * @example {
         *       "to": "081234567890",
         *       "channel": "sms",
         *       "text": "Paket Anda tiba besok."
         *     }
         */
        SendMessage: {
            /** @description Phone number (national or E.164) or email address */
            to: string;
            channel: components["schemas"]["Channel"];
            text: string;
            /** @description Email subject (email only) */
            subject?: string;
            /** @default normal */
            priority?: components["schemas"]["Priority"];
            /** @description Lifetime; the message is never sent after it. Default 24 hours. */
            ttl_seconds?: number;
        };
        /**
         * @example {
         *       "url": "https://app.example.com/kirim-events",
         *       "events": [
         *         "message.delivered",
         *         "message.failed"
         *       ]
         *     }
         * @example {
         *       "url": "https://app.example.com/kirim-events",
         *       "events": [
         *         "*"
         *       ]
         *     }
         */
        CreateWebhook: {
            /** @description HTTPS (or, for development, http://localhost) URL that receives the POSTs */
            url: string;
            /** @description Event names, or `["*"]` for every event */
            events: (("message.queued" | "message.spooled" | "message.sent" | "message.delivered" | "message.failed" | "message.expired" | "message.canceled" | "message.received" | "verification.approved" | "verification.failed" | "gateway.online" | "gateway.offline" | "gateway.unhealthy" | "gateway.healthy") | "*")[];
        };
        /**
         * @description Replaces the settings of the calling API key: a field left out is cleared.
         * @example {
         *       "web_origin": "https://toko.example",
         *       "android_app_hash": "FA+9qCX9VSu",
         *       "default_locale": "id",
         *       "templates": {
         *         "sms": {
         *           "en": "{code} is your {app} code. It expires in {minutes} minutes."
         *         }
         *       }
         *     }
         * @example {}
         */
        PutAppSettings: {
            web_origin?: string | null;
            android_app_hash?: string | null;
            /** @description Locale of verifications started without one; null: the server default */
            default_locale?: ("id" | "en") | null;
            /** @description Custom OTP templates per locale; a locale left out uses the built-in text */
            templates?: {
                sms?: {
                    /** @description An SMS template with `{code}` once, optionally `{app}` and `{minutes}`; must render to one GSM-7 SMS. */
                    id?: string;
                    /** @description An SMS template with `{code}` once, optionally `{app}` and `{minutes}`; must render to one GSM-7 SMS. */
                    en?: string;
                };
                email?: {
                    id?: {
                        /** @description Subject; `{code}` at most once, `{app}`, `{minutes}` */
                        subject: string;
                        /** @description Plain-text body with `{code}` once, optionally `{app}` and `{minutes}` */
                        text: string;
                    };
                    en?: {
                        /** @description Subject; `{code}` at most once, `{app}`, `{minutes}` */
                        subject: string;
                        /** @description Plain-text body with `{code}` once, optionally `{app}` and `{minutes}` */
                        text: string;
                    };
                };
            };
        };
        /**
         * @example {
         *       "to": "081234567890",
         *       "text": "Kode masuk Anda: 482913",
         *       "code": "482913"
         *     }
         * @example {
         *       "to": "+6281234567890",
         *       "text": "Paket Anda tiba besok."
         *     }
         */
        SendText: {
            /** @description Phone number, national or E.164 */
            to: string;
            text: string;
            /** @description A one-time code inside `text`: stored masked, kept only encrypted, and the message lives KIRIM_OTP_TTL_SECONDS unless `ttl_seconds` says otherwise */
            code?: string;
            /** @description Lifetime; never sent after it. Default 24 hours, or KIRIM_OTP_TTL_SECONDS with a `code`. */
            ttl_seconds?: number;
        };
        /**
         * @example {
         *       "From": "Kirim",
         *       "To": "+6281234567890",
         *       "Body": "482913",
         *       "Message": "Use this code to authenticate in authentik: 482913"
         *     }
         */
        AuthentikSms: {
            /** @description The stage's "From number"; the modem sends from its own SIM, so it is not used */
            From?: string;
            /** @description Phone number, national or E.164 */
            To: string;
            /** @description The token the person types back */
            Body: string;
            /** @description The text authentik composed; used when it contains `Body` */
            Message?: string;
        };
        /**
         * @example {
         *       "metadata": {
         *         "uuid": "8b8c6c1e-5b0a-4a51-9f1b-7c1f0e3d2a10",
         *         "time": "2026-01-15T08:30:00Z",
         *         "name": "send-sms"
         *       },
         *       "user": {
         *         "id": "6481a5c1-3d37-4a56-9f6a-bee08c554965",
         *         "phone": "6281234567890"
         *       },
         *       "sms": {
         *         "otp": "561166"
         *       }
         *     }
         */
        SupabaseSendSms: {
            metadata?: {
                uuid?: string;
                time?: string;
                name?: string;
                ip_address?: string;
            } & {
                [key: string]: unknown;
            };
            user: {
                id?: string;
                /** @default  */
                phone?: string;
            } & {
                [key: string]: unknown;
            };
            sms: {
                /** @description The code Supabase generated */
                otp: string;
                /** @description Where to send it (a phone change sends to the new number); falls back to user.phone */
                phone?: string;
                /** @description e.g. `mfa` */
                sms_type?: string;
            } & {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /** @enum {string} */
        VerificationStatus: "pending" | "approved" | "expired" | "canceled" | "max_attempts_reached" | "failed";
        /**
         * @example {
         *       "id": "ver_01jh3zk8q2x5v7n9r4t6w8y0cd",
         *       "to": "+6281234567890",
         *       "channel": "sms",
         *       "status": "pending",
         *       "created_at": "2026-01-15T08:30:00.000Z",
         *       "expires_at": "2026-01-15T08:40:00.000Z",
         *       "sends": 1,
         *       "attempts_left": 5,
         *       "next_resend_at": "2026-01-15T08:30:30.000Z",
         *       "method": "send"
         *     }
         */
        Verification: {
            id: string;
            to: string;
            channel: components["schemas"]["Channel"];
            status: components["schemas"]["VerificationStatus"];
            created_at: string;
            expires_at: string;
            sends: number;
            attempts_left: number;
            next_resend_at: string;
            method: components["schemas"]["VerificationMethod"];
        };
        /**
         * @example {
         *       "code": "482913",
         *       "number": "+6281311112222",
         *       "text": "KIRIM 482913",
         *       "sms_uri": "sms:+6281311112222?body=KIRIM%20482913",
         *       "sms_uri_ios": "sms:+6281311112222&body=KIRIM%20482913"
         *     }
         */
        ReverseInstructions: {
            /** @description The code the person texts; show it (it is not a secret from the person, and Kirim keeps it only as an HMAC and, while pending, encrypted) */
            code: string;
            /** @description The gateway's own number (E.164) to text it to */
            number: string;
            /** @description The exact text to send, e.g. `KIRIM 482913` */
            text: string;
            /** @description RFC 5724 link that opens the messaging app prefilled (`sms:+62…?body=…`; Android, iOS 8 and later) */
            sms_uri: string;
            /** @description The same for older iOS and some in-app browsers (`sms:+62…&body=…`) */
            sms_uri_ios: string;
        };
        /**
         * @example {
         *       "id": "ver_01jh3zk8q2x5v7n9r4t6w8y0cd",
         *       "to": "+6281234567890",
         *       "channel": "sms",
         *       "status": "pending",
         *       "created_at": "2026-01-15T08:30:00.000Z",
         *       "expires_at": "2026-01-15T08:40:00.000Z",
         *       "sends": 1,
         *       "attempts_left": 5,
         *       "next_resend_at": "2026-01-15T08:30:30.000Z",
         *       "method": "send"
         *     }
         * @example {
         *       "id": "ver_01jh3zk8q2x5v7n9r4t6w8y0cd",
         *       "to": "+6281234567890",
         *       "channel": "sms",
         *       "status": "pending",
         *       "created_at": "2026-01-15T08:30:00.000Z",
         *       "expires_at": "2026-01-15T08:40:00.000Z",
         *       "sends": 0,
         *       "attempts_left": 5,
         *       "next_resend_at": "2026-01-15T08:30:30.000Z",
         *       "method": "reverse",
         *       "reverse": {
         *         "code": "482913",
         *         "number": "+6281311112222",
         *         "text": "KIRIM 482913",
         *         "sms_uri": "sms:+6281311112222?body=KIRIM%20482913",
         *         "sms_uri_ios": "sms:+6281311112222&body=KIRIM%20482913"
         *       }
         *     }
         */
        VerificationStart: {
            id: string;
            to: string;
            channel: components["schemas"]["Channel"];
            status: components["schemas"]["VerificationStatus"];
            created_at: string;
            expires_at: string;
            sends: number;
            attempts_left: number;
            next_resend_at: string;
            method: components["schemas"]["VerificationMethod"];
            /** @description Only for `method: "reverse"`, only in the answer to the start: what the person must send, and where */
            reverse?: components["schemas"]["ReverseInstructions"];
        };
        MessageEvent: {
            status: components["schemas"]["MessageStatus"];
            at: string;
            detail?: string;
        };
        /**
         * @example {
         *       "id": "msg_01jh3zk8q2x5v7n9r4t6w8y0ab",
         *       "to": "+6281234567890",
         *       "channel": "sms",
         *       "status": "delivered",
         *       "priority": "normal",
         *       "created_at": "2026-01-15T08:30:00.000Z",
         *       "expires_at": "2026-01-16T08:30:00.000Z",
         *       "text": "Paket Anda tiba besok.",
         *       "segments": 1,
         *       "encoding": "gsm7",
         *       "gateway": "gw_01jh3y0000000000000000000a",
         *       "events": [
         *         {
         *           "status": "queued",
         *           "at": "2026-01-15T08:30:00.000Z"
         *         },
         *         {
         *           "status": "dispatched",
         *           "at": "2026-01-15T08:30:00.120Z"
         *         },
         *         {
         *           "status": "spooled",
         *           "at": "2026-01-15T08:30:00.180Z",
         *           "detail": "written to the gammu outbox"
         *         },
         *         {
         *           "status": "sent",
         *           "at": "2026-01-15T08:30:04.900Z",
         *           "detail": "sent by the modem (1 part)"
         *         },
         *         {
         *           "status": "delivered",
         *           "at": "2026-01-15T08:30:07.300Z"
         *         }
         *       ]
         *     }
         */
        Message: {
            id: string;
            to: string;
            channel: components["schemas"]["Channel"];
            status: components["schemas"]["MessageStatus"];
            priority: components["schemas"]["Priority"];
            created_at: string;
            expires_at: string;
            /** @description Text as stored; an OTP's code is masked */
            text: string;
            subject?: string;
            segments?: number;
            /** @enum {string} */
            encoding?: "gsm7" | "ucs2";
            gateway?: string;
            verification_id?: string;
            events: components["schemas"]["MessageEvent"][];
        };
        /**
         * @example {
         *       "data": [
         *         {
         *           "id": "msg_01jh3zk8q2x5v7n9r4t6w8y0ab",
         *           "to": "+6281234567890",
         *           "channel": "sms",
         *           "status": "delivered",
         *           "priority": "normal",
         *           "created_at": "2026-01-15T08:30:00.000Z",
         *           "expires_at": "2026-01-16T08:30:00.000Z",
         *           "text": "Paket Anda tiba besok.",
         *           "segments": 1,
         *           "encoding": "gsm7",
         *           "gateway": "gw_01jh3y0000000000000000000a",
         *           "events": [
         *             {
         *               "status": "queued",
         *               "at": "2026-01-15T08:30:00.000Z"
         *             },
         *             {
         *               "status": "dispatched",
         *               "at": "2026-01-15T08:30:00.120Z"
         *             },
         *             {
         *               "status": "spooled",
         *               "at": "2026-01-15T08:30:00.180Z",
         *               "detail": "written to the gammu outbox"
         *             },
         *             {
         *               "status": "sent",
         *               "at": "2026-01-15T08:30:04.900Z",
         *               "detail": "sent by the modem (1 part)"
         *             },
         *             {
         *               "status": "delivered",
         *               "at": "2026-01-15T08:30:07.300Z"
         *             }
         *           ]
         *         }
         *       ],
         *       "next_cursor": "msg_01jh3zk8q2x5v7n9r4t6w8y0ab"
         *     }
         */
        MessageList: {
            data: components["schemas"]["Message"][];
            next_cursor?: string;
        };
        /**
         * @example {
         *       "id": "in_01jh3zk8q2x5v7n9r4t6w8y0ef",
         *       "from": "+6281298765432",
         *       "text": "STOP",
         *       "received_at": "2026-01-15T08:30:00.000Z",
         *       "gateway": "gw_01jh3y0000000000000000000a"
         *     }
         */
        Inbound: {
            id: string;
            /** @description Sender: E.164 for a phone number, else as the network gave it (e.g. TELKOMSEL) */
            from: string;
            text: string;
            received_at: string;
            gateway: string;
        };
        /**
         * @example {
         *       "data": [
         *         {
         *           "id": "in_01jh3zk8q2x5v7n9r4t6w8y0ef",
         *           "from": "+6281298765432",
         *           "text": "STOP",
         *           "received_at": "2026-01-15T08:30:00.000Z",
         *           "gateway": "gw_01jh3y0000000000000000000a"
         *         }
         *       ]
         *     }
         */
        InboundList: {
            data: components["schemas"]["Inbound"][];
            next_cursor?: string;
        };
        /**
         * @example {
         *       "id": "wh_01jh3zk8q2x5v7n9r4t6w8y0gh",
         *       "url": "https://app.example.com/kirim-events",
         *       "events": [
         *         "message.delivered",
         *         "message.failed"
         *       ],
         *       "created_at": "2026-01-15T08:30:00.000Z",
         *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
         *     }
         */
        Webhook: {
            id: string;
            url: string;
            events: (("message.queued" | "message.spooled" | "message.sent" | "message.delivered" | "message.failed" | "message.expired" | "message.canceled" | "message.received" | "verification.approved" | "verification.failed" | "gateway.online" | "gateway.offline" | "gateway.unhealthy" | "gateway.healthy") | "*")[];
            created_at: string;
            /** @description Signing secret (Standard Webhooks); returned only when created */
            secret?: string;
        };
        /**
         * @example {
         *       "data": [
         *         {
         *           "id": "wh_01jh3zk8q2x5v7n9r4t6w8y0gh",
         *           "url": "https://app.example.com/kirim-events",
         *           "events": [
         *             "message.delivered",
         *             "message.failed"
         *           ],
         *           "created_at": "2026-01-15T08:30:00.000Z"
         *         }
         *       ]
         *     }
         */
        WebhookList: {
            data: components["schemas"]["Webhook"][];
        };
        /**
         * @description RFC 9457 problem details; `code` is stable, `detail` is for people
         * @example {
         *       "type": "https://kirim.dev/problems/rate-limited",
         *       "title": "Too Many Requests",
         *       "status": 429,
         *       "detail": "too many verifications for this destination; retry in 24 s",
         *       "code": "rate_limited"
         *     }
         */
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            code: string;
            errors?: {
                path: string;
                message: string;
            }[];
        };
        MessageEventData: {
            /** @description Message id */
            id: string;
            /** @description E.164 number or email address */
            to: string;
            channel: components["schemas"]["Channel"];
            /** @description The state the message entered */
            status: components["schemas"]["MessageStatus"];
            /** @description When it entered the state (ISO 8601) */
            at: string;
            /** @description Why, for people (e.g. the gammu error, "sent by the modem (2 parts)") */
            detail?: string;
            /** @description Present when the message carries a verification code */
            verification_id?: string;
        };
        InboundEventData: {
            /** @description Inbound SMS id (as in GET /v1/inbound) */
            id: string;
            /** @description Sender number */
            from: string;
            /** @description The whole text (a multipart SMS is joined) */
            text: string;
            received_at: string;
            /** @description Id of the gateway whose modem received it */
            gateway: string;
        };
        VerificationEventData: {
            /** @description Verification id */
            id: string;
            to: string;
            channel: components["schemas"]["Channel"];
            /** @enum {string} */
            status: "approved" | "failed";
            /** @description When the verification ended */
            at: string;
        };
        GatewayEventData: {
            /** @description Gateway id */
            id: string;
            name: string;
            /** @enum {string} */
            state: "online" | "offline";
            /** @description Last request from the gateway */
            last_seen_at: string | null;
            /**
             * @description gateway.unhealthy / gateway.healthy: whether the reliability monitor has it in rotation now
             * @enum {string}
             */
            rotation?: "in" | "out";
            /** @description gateway.unhealthy: why it was taken out of rotation, e.g. "failure rate 80 % over 10 sends" */
            reason?: string;
        };
        /**
         * @description message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state
         * @example {
         *       "type": "message.delivered",
         *       "timestamp": "2026-01-15T08:30:07.300Z",
         *       "data": {
         *         "id": "msg_01jh3zk8q2x5v7n9r4t6w8y0ab",
         *         "to": "+6281234567890",
         *         "channel": "sms",
         *         "status": "delivered",
         *         "at": "2026-01-15T08:30:07.300Z"
         *       }
         *     }
         */
        MessageEventDelivery: {
            /**
             * @description The event name
             * @enum {string}
             */
            type: "message.queued" | "message.spooled" | "message.sent" | "message.delivered" | "message.failed" | "message.expired" | "message.canceled";
            /** @description When the event happened (ISO 8601); the same on every retry */
            timestamp: string;
            data: components["schemas"]["MessageEventData"];
        };
        /**
         * @description message.received: an SMS reached a gateway's modem (sent to every endpoint that subscribed, whatever its API key)
         * @example {
         *       "type": "message.received",
         *       "timestamp": "2026-01-15T08:30:00.000Z",
         *       "data": {
         *         "id": "in_01jh3zk8q2x5v7n9r4t6w8y0ef",
         *         "from": "+6281298765432",
         *         "text": "STOP",
         *         "received_at": "2026-01-15T08:30:00.000Z",
         *         "gateway": "gw_01jh3y0000000000000000000a"
         *       }
         *     }
         */
        InboundEventDelivery: {
            /**
             * @description The event name
             * @enum {string}
             */
            type: "message.received";
            /** @description When the event happened (ISO 8601); the same on every retry */
            timestamp: string;
            data: components["schemas"]["InboundEventData"];
        };
        /**
         * @description verification.approved (the right code was checked, or, for a reverse verification, the person's SMS carried it) or verification.failed (every message that could carry its code failed)
         * @example {
         *       "type": "verification.approved",
         *       "timestamp": "2026-01-15T08:30:00.000Z",
         *       "data": {
         *         "id": "ver_01jh3zk8q2x5v7n9r4t6w8y0cd",
         *         "to": "+6281234567890",
         *         "channel": "sms",
         *         "status": "approved",
         *         "at": "2026-01-15T08:30:00.000Z"
         *       }
         *     }
         */
        VerificationEventDelivery: {
            /**
             * @description The event name
             * @enum {string}
             */
            type: "verification.approved" | "verification.failed";
            /** @description When the event happened (ISO 8601); the same on every retry */
            timestamp: string;
            data: components["schemas"]["VerificationEventData"];
        };
        /**
         * @description gateway.online / gateway.offline: a gateway was heard from again, or was silent too long; gateway.unhealthy / gateway.healthy: the reliability monitor took it out of rotation (too many failed sends) or put it back (its probe SMS was sent). Sent to the endpoints of keys with the admin scope
         * @example {
         *       "type": "gateway.offline",
         *       "timestamp": "2026-01-15T08:30:00.000Z",
         *       "data": {
         *         "id": "gw_01jh3y0000000000000000000a",
         *         "name": "pi-kitchen",
         *         "state": "offline",
         *         "last_seen_at": "2026-01-15T08:29:15.000Z"
         *       }
         *     }
         */
        GatewayEventDelivery: {
            /**
             * @description The event name
             * @enum {string}
             */
            type: "gateway.online" | "gateway.offline" | "gateway.unhealthy" | "gateway.healthy";
            /** @description When the event happened (ISO 8601); the same on every retry */
            timestamp: string;
            data: components["schemas"]["GatewayEventData"];
        };
        /**
         * @example {
         *       "web_origin": "https://toko.example",
         *       "android_app_hash": "FA+9qCX9VSu",
         *       "default_locale": "id",
         *       "templates": {
         *         "sms": {
         *           "en": "{code} is your {app} code. It expires in {minutes} minutes."
         *         }
         *       },
         *       "preview": {
         *         "id": "Kode verifikasi Kirim Anda: 123456. Berlaku 10 menit. Jangan berikan kode ini kepada siapa pun.\nFA+9qCX9VSu\n@toko.example #123456",
         *         "en": "123456 is your Kirim code. It expires in 10 minutes.\nFA+9qCX9VSu\n@toko.example #123456"
         *       },
         *       "sms_length": {
         *         "id": 139,
         *         "en": 96
         *       },
         *       "updated_at": "2026-01-15T08:30:00.000Z"
         *     }
         */
        AppSettings: {
            web_origin: string | null;
            android_app_hash: string | null;
            default_locale: ("id" | "en") | null;
            templates: {
                sms?: {
                    /** @description An SMS template with `{code}` once, optionally `{app}` and `{minutes}`; must render to one GSM-7 SMS. */
                    id?: string;
                    /** @description An SMS template with `{code}` once, optionally `{app}` and `{minutes}`; must render to one GSM-7 SMS. */
                    en?: string;
                };
                email?: {
                    id?: {
                        /** @description Subject; `{code}` at most once, `{app}`, `{minutes}` */
                        subject: string;
                        /** @description Plain-text body with `{code}` once, optionally `{app}` and `{minutes}` */
                        text: string;
                    };
                    en?: {
                        /** @description Subject; `{code}` at most once, `{app}`, `{minutes}` */
                        subject: string;
                        /** @description Plain-text body with `{code}` once, optionally `{app}` and `{minutes}` */
                        text: string;
                    };
                };
            };
            /** @description The OTP SMS of each locale as sent, with the example code 123456 */
            preview: {
                id: string;
                en: string;
            };
            /** @description GSM-7 septets of each locale's SMS with the longest code (10 digits); at most 160 */
            sms_length: {
                id: number;
                en: number;
            };
            updated_at: string | null;
        };
        /**
         * @example {
         *       "type": "https://kirim.dev/problems/rate-limited",
         *       "title": "Too Many Requests",
         *       "status": 429,
         *       "detail": "budget spent",
         *       "code": "rate_limited",
         *       "error": {
         *         "http_code": 429,
         *         "message": "budget spent"
         *       }
         *     }
         */
        SupabaseHookError: {
            type: string;
            title: string;
            status: number;
            detail: string;
            code: string;
            errors?: {
                path: string;
                message: string;
            }[];
            error: {
                http_code: number;
                message: string;
            };
        };
    };
    responses: never;
    parameters: {
        /**
         * @description Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.
         * @example order-8812-otp
         */
        IdempotencyKey: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
