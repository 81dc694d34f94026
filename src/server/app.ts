/**
 * Builds the Fastify application: context, services, routes, OpenAPI, and
 * the one error handler that speaks problem+json. It never listens;
 * server.ts does (and tests use `app.inject` or listen on port 0).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createLogger } from '../protocol/log.js';
import type { ServerConfig } from './config.js';
import { Bus, type ServerContext } from './context.js';
import { createKeyring } from './crypto.js';
import { ApiError, problemBody } from './errors.js';
import { createMetrics } from './metrics.js';
import { openapiOptions } from './openapi.js';
import { GATEWAY_PREFIX } from '../protocol/gateway.js';
import { gatewayRoutes } from './routes/gateway.js';
import { opsRoutes } from './routes/ops.js';
import { providerRoutes } from './routes/providers.js';
import { v1Routes } from './routes/v1.js';
import { integrationRoutes } from './integrations/routes.js';
import { dashboardPlugin } from './dashboard/index.js';
import { createServices, type Services } from './services.js';
import { storeUnavailableReason, type Store } from './store/index.js';
import type { EmailTransport } from './channels/email/types.js';

/** What `Retry-After` asks of clients while the store is unavailable. */
const STORE_RETRY_AFTER_SECONDS = 5;

export interface BuildOptions {
  config: ServerConfig;
  store: Store;
  transport: EmailTransport;
  logger?: FastifyBaseLogger;
  now?: () => number;
  /**
   * More plugins on the same listener, each registered after Kirim's routes
   * in its own encapsulation (its hooks, parsers and error handler stay its
   * own); `kirim dev` mounts the demo application this way.
   */
  plugins?: FastifyPluginAsync[];
}

export interface KirimApp {
  app: FastifyInstance;
  services: Services;
}

/** Assembles the app; call `services.start()` to run background work. */
export async function buildApp({ config, store, transport, logger, now = Date.now, plugins = [] }: BuildOptions): Promise<KirimApp> {
  const log = logger ?? createLogger({ level: config.logLevel });
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any route runs (a path segment over
    // maxParamLength, broken percent-encoding) skip the error handler:
    // answer them as problem+json too, instead of Fastify's own JSON.
    frameworkErrors: (err, _req, res) => {
      const reply = res as unknown as FastifyReply;
      const problem =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ApiError(414, 'uri_too_long', 'a path segment is longer than 200 characters')
          : err.code === 'FST_ERR_BAD_URL'
            ? new ApiError(400, 'bad_url', 'the path is not valid percent-encoded text')
            : new ApiError(400, 'bad_request', err.message.slice(0, 200));
      reply.serializer(JSON.stringify);
      return reply.code(problem.status).type('application/problem+json').send(problemBody(problem));
    },
    // Behind a reverse proxy (KIRIM_TRUST_PROXY=true), req.ip and
    // req.protocol come from its X-Forwarded-* headers.
    trustProxy: config.trustProxy,
    // Fastify's own request logging writes two lines per request (incoming,
    // completed); the onResponse hook below writes one, which says as much
    // (a log line costs about a tenth of a small request's CPU). A gateway
    // long-polls and heartbeats all day: its requests get one debug line
    // each instead (routes/gateway.ts), and the log says when a gateway
    // comes or goes.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const ctx: ServerContext = {
    config,
    store,
    keyring: createKeyring(config.secret, config.previousSecrets),
    bus: new Bus(),
    metrics: createMetrics(),
    log: app.log,
    closing: false,
    now,
  };
  const services = createServices(ctx, transport);
  ctx.bus.on('gateway:state', (g) => ctx.log.info({ gateway: g.id }, `gateway ${g.name} is ${g.state}`));

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // A store outage is logged once when the first request meets it and once
  // when a request succeeds again, not on every request in between.
  let storeDownSince = 0;
  app.addHook('onResponse', async (req, reply) => {
    if (storeDownSince && reply.statusCode < 500) {
      req.log.info({ outage_ms: ctx.now() - storeDownSince }, 'the store answers again');
      storeDownSince = 0;
    }
    ctx.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (!req.url.startsWith(GATEWAY_PREFIX + '/')) {
      // A provider's callback URL carries a report token: logged without its query.
      const url = req.url.startsWith('/providers/') ? req.url.split('?')[0] : req.url;
      req.log.info({ method: req.method, url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: req.ip }, 'request completed');
    }
  });

  app.setErrorHandler((err, req, reply) => {
    let problem: ApiError;
    const unavailable = storeUnavailableReason(err);
    if (err instanceof ApiError) {
      problem = err;
    } else if (unavailable) {
      ctx.metrics.storeUnavailable.inc({ source: 'api' });
      if (!storeDownSince) {
        storeDownSince = ctx.now();
        req.log.warn({ reason: unavailable, err }, `store unavailable: ${unavailable}; answering 503 until it returns`);
      }
      problem = new ApiError(503, 'store_unavailable', `${unavailable}; the request was not completed: retry shortly (with the same Idempotency-Key, if any)`, { headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) } });
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.map((v) => ({
        path: (v.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || '(body)',
        message: v.message ?? 'invalid',
      }));
      const where = err.validationContext ?? 'request';
      problem = new ApiError(400, 'validation_failed', `invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`.slice(0, 1000), { errors });
    } else {
      const e = err as { code?: string; statusCode?: number; message: string };
      switch (e.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          problem = new ApiError(400, 'invalid_json', `the body is not valid JSON: ${e.message}`);
          break;
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          problem = new ApiError(413, 'payload_too_large', `the body is larger than ${config.bodyLimitBytes} bytes`);
          break;
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          problem = new ApiError(415, 'unsupported_media_type', 'send JSON with Content-Type: application/json');
          break;
        default:
          if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
            problem = new ApiError(e.statusCode, 'bad_request', e.message);
          } else {
            req.log.error({ err }, 'unhandled error');
            problem = new ApiError(500, 'internal_error', 'an unexpected error occurred; it has been logged');
          }
      }
    }
    for (const [k, v] of Object.entries(problem.extra.headers ?? {})) reply.header(k, v);
    // The problem body is not described by the route's response schemas.
    reply.serializer(JSON.stringify);
    return reply.code(problem.status).type('application/problem+json').send(problemBody(problem));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.serializer(JSON.stringify);
    return reply
      .code(404)
      .type('application/problem+json')
      .send(problemBody(new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`)));
  });

  // KIRIM_PUBLIC_DOCS=false: no /docs and no /openapi.json (404), for a
  // server whose API description should not be public.
  if (config.publicDocs) {
    await app.register(fastifySwagger, openapiOptions());
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }

  await app.register(opsRoutes(services));
  await app.register(v1Routes(services), { prefix: '/v1' });
  await app.register(integrationRoutes(services), { prefix: '/integrations' });
  await app.register(gatewayRoutes(services), { prefix: GATEWAY_PREFIX });
  await app.register(providerRoutes(services), { prefix: '/providers/v1' });
  await app.register(dashboardPlugin(services), { prefix: '/dashboard' });
  // A person who opens the server's address in a browser lands on the dashboard.
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/dashboard', 302));
  for (const plugin of plugins) await app.register(plugin);

  app.addHook('preClose', async () => {
    ctx.closing = true;
    ctx.bus.emit('queue:sms');
  });
  app.addHook('onClose', async () => {
    await services.stop();
  });
  return { app, services };
}
