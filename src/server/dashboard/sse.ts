/**
 * GET /dashboard/api/events: the dashboard's live view as Server-Sent
 * Events, fed by the in-process bus (context.ts), which hears of every
 * change after it was committed (outbox.ts) — the store is never polled.
 *
 * Events: `message` (MessageSummary), `verification` (VerificationSummary),
 * `gateway` ({id, name, state, last_seen_at}), `inbound`, `webhook`
 * ({webhook_id, delivery}) and, under `kirim dev`, `phone` ({number}) and
 * `mailbox` ({id}) when a handset or mailbox file appears.
 *
 * Promises: a `: ping` comment every 25 s keeps proxies from closing the
 * stream, and checks that the session still lives; a stream ends when its
 * session ends (logout at once, expiry or a deleted operator at the next
 * ping), when its reader falls too far behind, and when the server closes
 * (preClose), so shutdown is never held up. At most 5 streams per session
 * (a sixth closes the oldest).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import type { BusEvents } from '../context.js';
import { statePaths } from '../../modem-sim/state.js';
import type { Dashboard } from './index.js';
import { deliveryView, gatewayBrief, inboundView, messageSummary, verificationSummary } from './views.js';

export const PING_MS = 25_000;
const MAX_STREAMS_PER_SESSION = 5;
/** A reader this far behind (bytes not yet taken by the socket) is dropped; the UI reconnects and re-fetches. */
const MAX_BUFFERED = 1024 * 1024;

interface Stream {
  sessionId: string;
  send(event: string, data: unknown): void;
  close(): void;
}

export const sseRoutes = (d: Dashboard, { pingMs = PING_MS }: { pingMs?: number } = {}): FastifyPluginAsync =>
  async (app) => {
    const { ctx, names, sessions } = d;
    const streams = new Set<Stream>();
    const broadcast = (event: string, data: unknown) => {
      for (const s of streams) s.send(event, data);
    };
    // Each bus event is turned into its view once, however many streams listen.
    const handlers: { [K in keyof BusEvents]?: (...args: BusEvents[K]) => void } = {
      'message:changed': (m) => {
        if (streams.size) void names.get().then((n) => broadcast('message', messageSummary(m, n)), () => {});
      },
      'verification:ended': (v) => {
        if (streams.size) void names.get().then((n) => broadcast('verification', verificationSummary(v, n)), () => {});
      },
      'gateway:state': (g) => broadcast('gateway', gatewayBrief(g)),
      'gateway:heartbeat': (g) => broadcast('gateway', gatewayBrief(g)),
      // Out of rotation or back: the page reloads the gateway's routing.
      'gateway:rotation': (g) => broadcast('gateway', gatewayBrief(g)),
      inbound: (i) => {
        if (streams.size) void names.get().then((n) => broadcast('inbound', inboundView(i, n)), () => {});
      },
      'webhook:delivery': (w) => broadcast('webhook', { webhook_id: w.webhook_id, delivery: deliveryView(w) }),
    };
    for (const [name, fn] of Object.entries(handlers)) ctx.bus.on(name as keyof BusEvents, fn as never);

    // Development: new files in the handsets and mailbox folders.
    const watchers: FSWatcher[] = [];
    if (ctx.config.dev) {
      const watchDir = (dir: string, event: string, data: (file: string) => unknown, match: (file: string) => boolean) => {
        try {
          mkdirSync(dir, { recursive: true });
          const w = watch(dir, (_kind, file) => {
            if (file && match(String(file))) broadcast(event, data(String(file)));
          });
          w.on('error', () => {});
          watchers.push(w);
        } catch (err) {
          ctx.log.warn({ err }, `cannot watch ${dir} for the dashboard's ${event} view`);
        }
      };
      watchDir(statePaths(ctx.config.dev.simState).handsets, 'phone', (f) => ({ number: f.replace(/\.jsonl$/, '') }), (f) => f.endsWith('.jsonl'));
      watchDir(ctx.config.dev.mailboxDir, 'mailbox', (f) => ({ id: f }), (f) => f.endsWith('.eml') && !f.startsWith('.'));
    }

    const endSession = (id: string) => {
      for (const s of streams) if (s.sessionId === id) s.close();
    };
    d.onSessionEnded.add(endSession);

    app.addHook('preClose', async () => {
      for (const s of streams) s.close();
    });
    app.addHook('onClose', async () => {
      for (const [name, fn] of Object.entries(handlers)) ctx.bus.off(name as keyof BusEvents, fn as never);
      for (const w of watchers) w.close();
      d.onSessionEnded.delete(endSession);
    });

    app.get('/events', async (req, reply: FastifyReply) => {
      const session = await sessions.require(req);
      const mine = [...streams].filter((s) => s.sessionId === session.id);
      if (mine.length >= MAX_STREAMS_PER_SESSION) mine[0]!.close();

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx: pass each event on at once.
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n: connected\n\n');
      let open = true;
      const stream: Stream = {
        sessionId: session.id,
        send(event, data) {
          if (!open) return;
          if (res.writableLength > MAX_BUFFERED) return stream.close();
          res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        },
        close() {
          if (!open) return;
          open = false;
          streams.delete(stream);
          clearInterval(ping);
          res.end();
        },
      };
      const ping = setInterval(() => {
        void sessions.alive(session.id).then(
          (alive) => (alive ? open && res.write(': ping\n\n') : stream.close()),
          () => open && res.write(': ping\n\n'),
        );
      }, pingMs);
      streams.add(stream);
      res.on('close', () => stream.close());
      if (ctx.closing) stream.close();
    });
  };
