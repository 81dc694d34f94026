/**
 * GET/PUT /v1/settings: the calling API key's OTP settings
 * (docs/otp-texts.md). Reading needs `verify` (or `settings`); changing
 * needs the `settings` scope, which no key has by default: a key that may
 * send codes should not be able to bind them to another origin.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Problem } from '../../protocol/api.js';
import { AppSettings, PutAppSettingsBody } from '../../protocol/settings.js';
import { requireScope } from '../auth.js';
import type { Services } from '../services.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 422: Problem, 429: Problem, 503: Problem };
const security = [{ bearer: [] }];

export const settingsRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/settings', {
      preValidation: async (req) => requireScope(req.apiKey, 'settings', 'verify'),
      schema: {
        tags: ['settings'],
        summary: "Read this key's OTP settings",
        description: 'The web origin and Android app hash of the autofill lines, the default locale, the custom templates, and each locale\'s SMS as sent (`preview`) with its length in GSM-7 septets for the longest code (`sms_length`).',
        security,
        response: { 200: AppSettings, ...problems },
      },
    }, async (req) => s.appSettings.get(req.apiKey.id));

    r.put('/settings', {
      preValidation: async (req) => requireScope(req.apiKey, 'settings'),
      schema: {
        tags: ['settings'],
        summary: "Replace this key's OTP settings",
        description:
          'Replaces the settings (a field left out is cleared). Refused with 422 when an OTP SMS would not be one GSM-7 segment (160 septets) with a 10-digit code and the autofill lines (`template_too_long`), needs UCS-2 (`template_encoding`), has `{code}` missing or twice or an unknown placeholder (`template_placeholder`), or uses a reserved character (`template_character`); the detail names the locale and the computed length.',
        security,
        body: PutAppSettingsBody,
        response: { 200: AppSettings, ...problems },
      },
    }, async (req) => s.appSettings.put(req.apiKey.id, req.body, s.ctx.now()));
  };
