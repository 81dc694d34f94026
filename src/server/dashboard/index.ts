/**
 * The operator dashboard, a Fastify plugin mounted at /dashboard by app.ts:
 * - /dashboard/api/*: JSON for the UI, behind an operator session cookie
 *   (sessions.ts); every change also needs the CSRF token and a same-site
 *   Origin (csrf.ts);
 * - /dashboard/assets/*: the UI's static files and, under vendor/, preact,
 *   preact/hooks and htm from node_modules (assets.ts);
 * - every other GET under /dashboard: index.html (the UI routes on the path).
 * None of it is in the OpenAPI document: it is not the application API.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { Services } from '../services.js';
import { vendorFiles, webRoot } from './assets.js';
import { checkCsrf, checkOrigin } from './csrf.js';
import { authRoutes } from './routes/auth.js';
import { devRoutes } from './routes/dev.js';
import { messagesRoutes } from './routes/messages.js';
import { operationsRoutes } from './routes/operations.js';
import { createNames } from './views.js';
import { sseRoutes } from './sse.js';
import { createSessions, type DashboardSession, type Sessions } from './sessions.js';
import { createLoginThrottle, type LoginThrottle } from './throttle.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A dashboard API route that handles its own authentication (login, logout, session). */
    dashboardPublic?: boolean;
  }
}

/** What the dashboard's route modules share. */
export interface Dashboard {
  ctx: ServerContext;
  services: Services;
  sessions: Sessions;
  throttle: LoginThrottle;
  /** Gateway and API key names for the views. */
  names: ReturnType<typeof createNames>;
  checkCsrf(req: FastifyRequest, s: DashboardSession): void;
  /** A session was ended (logout): its live streams close. */
  sessionEnded(id: string): void;
  /** Listeners for ended sessions (sse.ts). */
  onSessionEnded: Set<(id: string) => void>;
}

/** `script-src` hashes for the inline scripts of index.html (the import map), so CSP need not allow inline code. */
function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    out.push(`'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  }
  return out;
}

export const dashboardPlugin = (services: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = services;
    const sessions = createSessions(ctx);
    const throttle = createLoginThrottle(ctx);
    const onSessionEnded = new Set<(id: string) => void>();
    const d: Dashboard = {
      ctx,
      services,
      sessions,
      throttle,
      names: createNames(ctx),
      checkCsrf: (req, s) => checkCsrf(sessions, req, s),
      sessionEnded: (id) => onSessionEnded.forEach((fn) => fn(id)),
      onSessionEnded,
    };

    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await app.register(fastifyCookie);

    const root = webRoot();
    await app.register(fastifyStatic, { root, prefix: '/assets/', index: false, cacheControl: true, maxAge: 0 });
    const vendor = vendorFiles();
    app.get('/assets/vendor/:file', async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
      const path = vendor[req.params.file];
      if (!path) throw new ApiError(404, 'not_found', `no vendor file ${req.params.file}`);
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600');
      return readFile(path);
    });

    const sendIndex = async (_req: FastifyRequest, reply: FastifyReply) => {
      // Read on every request: it is small, and an edited UI shows at once.
      const html = await readFile(join(root, 'index.html'), 'utf8');
      const csp = [
        "default-src 'self'",
        `script-src 'self' ${inlineScriptHashes(html).join(' ')}`.trim(),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; ');
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', csp)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin')
        .send(html);
    };
    app.get('/', sendIndex);
    app.get('/*', sendIndex);

    await app.register(
      async (api) => {
        // Session and CSRF are checked as soon as the request arrives, before
        // its body is read: a forged cross-site form is refused as such
        // (403 csrf_failed), not judged on the shape of its body first.
        api.addHook('onRequest', async (req, reply) => {
          reply.header('cache-control', 'no-store');
          const change = req.method !== 'GET' && req.method !== 'HEAD';
          if (req.routeOptions.config.dashboardPublic) {
            if (change) checkOrigin(req);
            return;
          }
          const s = await sessions.require(req);
          if (change) d.checkCsrf(req, s);
        });
        await api.register(authRoutes(d));
        await api.register(messagesRoutes(d));
        await api.register(operationsRoutes(d));
        await api.register(devRoutes(d));
        await api.register(sseRoutes(d));
        api.all('/*', async (req) => {
          throw new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
        });
      },
      { prefix: '/api' },
    );
  };
