/**
 * A server for tests: a fresh store of the chosen dialect, an API key and a
 * gateway token, and the app built over them (not listening unless asked).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiScope } from '../protocol/api.js';
import { createLogger, type Logger } from '../protocol/log.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadConfig, type ServerConfig } from './config.js';
import { createApiKey, createGateway } from './credentials.js';
import type { Services } from './services.js';
import { openTestStore } from './store/testing.js';
import { openStore, type Dialect, type Store } from './store/index.js';
import type { EmailTransport } from './channels/email/types.js';

export interface TestServer {
  app: FastifyInstance;
  services: Services;
  store: Store;
  config: ServerConfig;
  apiKey: string;
  gatewayToken: string;
  gatewayId: string;
  dataDir: string;
  /** Sends a request with the API key. */
  api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** Sends a request with the gateway token. */
  gw(url: string, body: unknown): Promise<{ status: number; body: any }>;
  /** Creates another API key; returns it. */
  newApiKey(): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  dialect?: Dialect;
  env?: Record<string, string>;
  transport: EmailTransport;
  /** Start background workers (email, webhooks, sweeper). */
  start?: boolean;
  now?: () => number;
  /** The server's logger (default: silent, or KIRIM_LOG_LEVEL from `env`, on stderr). */
  logger?: Logger;
  /** Settings that have no environment variable (e.g. `dev`, which only `kirim dev` sets). */
  config?: Partial<ServerConfig>;
  /**
   * Serve this database (see freshDbUrl) instead of a fresh one, and leave
   * it in place on close: a restart, or a second instance, on the same data.
   */
  dbUrl?: string;
  /** The scopes of `apiKey` (default: the default scopes). */
  apiKeyScopes?: ApiScope[];
}

/**
 * Test receivers listen on 127.0.0.1, which webhooks may not reach by
 * default (webhooks/egress.ts); test servers allow exactly that address.
 * Tests of the refusal pass `KIRIM_WEBHOOK_ALLOW_PRIVATE: ''` in `env`.
 */
export const TEST_RECEIVERS_ALLOWED = { KIRIM_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' };

export async function createTestServer({ dialect = 'sqlite', env = {}, transport, start = false, now, logger, config: extra = {}, dbUrl, apiKeyScopes = [] }: TestServerOptions): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kirim-test-'));
  const config: ServerConfig = { ...loadConfig({ dataDir, port: 0 }, { KIRIM_LOG_LEVEL: 'silent', ...TEST_RECEIVERS_ALLOWED, ...env }), secret: 'test-secret-0123456789abcdef', ...extra };
  const store = dbUrl ? await openStore(dbUrl) : await openTestStore(dialect);
  const { app, services } = await buildApp({ config, store, transport, logger: logger ?? createLogger({ level: env.KIRIM_LOG_LEVEL ?? 'silent' }), ...(now ? { now } : {}) });
  await app.ready();
  if (start) services.start();
  const newApiKey = async () => (await createApiKey(store, 'test')).key;
  const apiKey = (await createApiKey(store, 'test', { scopes: apiKeyScopes })).key;
  const { id: gatewayId, token: gatewayToken } = await createGateway(store, 'test-gw');
  return {
    app,
    services,
    store,
    config,
    apiKey,
    gatewayToken,
    gatewayId,
    dataDir,
    newApiKey,
    async api(method, url, body, headers = {}) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      let parsed: unknown = res.body;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        // not JSON (e.g. metrics)
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async gw(url, body) {
      const res = await app.inject({ method: 'POST', url: `/gateway/v1${url}`, headers: { authorization: `Bearer ${gatewayToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      return { status: res.statusCode, body: JSON.parse(res.body) };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** An email transport that keeps what it is given, for fast in-process tests (the SMTP path has its own real tests). */
export function capturingTransport(): EmailTransport & { sent: Array<{ to: string; subject: string; text: string; html?: string }> } {
  const sent: Array<{ to: string; subject: string; text: string; html?: string }> = [];
  return {
    sent,
    async send(mail) {
      sent.push({ to: mail.to, subject: mail.subject, text: mail.text, ...(mail.html ? { html: mail.html } : {}) });
      return { ok: true };
    },
    async close() {},
    describe: () => 'capture',
  };
}
