/**
 * Sign-in, sign-out and the session probe of the dashboard. A wrong
 * password and an unknown username get the same 401 after the same scrypt
 * work; the throttle answers 429 before any password is checked.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLine } from '../../../protocol/api.js';
import { ApiError } from '../../errors.js';
import { checkOrigin } from '../csrf.js';
import { authenticateOperator, MAX_PASSWORD, normalizeUsername } from '../operators.js';
import type { Dashboard } from '../index.js';

const LoginBody = z.object({
  // Single-line: the throttle keys its store rows by the username as typed.
  username: singleLine(200).min(1),
  password: z.string().min(1).max(MAX_PASSWORD),
});

export const authRoutes = (d: Dashboard): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const { ctx, sessions, throttle } = d;

    r.post('/login', { schema: { body: LoginBody }, config: { dashboardPublic: true } }, async (req, reply) => {
      checkOrigin(req);
      const username = normalizeUsername(req.body.username);
      await throttle.check(username, req.ip);
      const op = await authenticateOperator(ctx.store, username, req.body.password);
      if (!op) {
        await throttle.failed(username, req.ip);
        req.log.info({ ip: req.ip }, 'dashboard sign-in failed');
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
      }
      await throttle.succeeded(username);
      const previous = await sessions.resolve(req);
      if (previous) await ctx.store.deleteOperatorSession(previous.id);
      const csrf = await sessions.start(req, reply, op);
      req.log.info({ operator: op.username }, 'dashboard sign-in');
      return { operator: { username: op.username }, csrf_token: csrf };
    });

    r.post('/logout', { config: { dashboardPublic: true } }, async (req, reply) => {
      const s = await sessions.resolve(req);
      if (s) d.checkCsrf(req, s);
      await sessions.end(req, reply, s?.id);
      if (s) d.sessionEnded(s.id);
      return reply.code(204).send();
    });

    r.get('/session', { config: { dashboardPublic: true } }, async (req) => {
      const s = await sessions.require(req);
      return { operator: { username: s.operator.username }, csrf_token: s.csrfToken, dev: !!ctx.config.dev };
    });
  };
