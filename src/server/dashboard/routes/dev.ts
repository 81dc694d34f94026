/**
 * Development views (only when `kirim dev` set config.dev; 404 otherwise):
 * the simulated handsets' SMS as a phone shows them, and the development
 * mailbox. They show codes in clear: they are the person's own phone and
 * inbox in development.
 */
import type { FastifyPluginAsync } from 'fastify';
import { listMailbox } from '../../channels/email/mailbox.js';
import { notFound } from '../../errors.js';
import { listHandsets, readHandset } from '../../../modem-sim/state.js';
import type { Dashboard } from '../index.js';

export const devRoutes = (d: Dashboard): FastifyPluginAsync =>
  async (app) => {
    const dev = () => {
      if (!d.ctx.config.dev) throw notFound('development views (run kirim dev)');
      return d.ctx.config.dev;
    };

    app.get('/dev/phone', async () => {
      const { simState } = dev();
      return {
        handsets: listHandsets(simState).map((file) => {
          const messages = readHandset(simState, file);
          return { number: messages[0]?.number ?? file, messages: messages.map((m) => ({ text: m.text, received_at: m.received_at, encoding: m.encoding, parts: m.parts })) };
        }),
      };
    });

    app.get('/dev/mailbox', async () => {
      const { mailboxDir } = dev();
      const mails = await listMailbox(mailboxDir, { limit: 100 });
      return { emails: mails.map((m) => ({ id: m.messageId ?? m.file, to: m.to, from: m.from, subject: m.subject, text: m.text, date: m.date })) };
    });
  };
