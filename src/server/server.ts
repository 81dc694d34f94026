/**
 * The only entry that listens: opens the store (migrating it), builds the
 * app, starts background work, listens, and shuts all of it down in order.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { createLogger, type Logger } from '../protocol/log.js';
import { buildApp } from './app.js';
import { resolveSecret, type ServerConfig } from './config.js';
import { createEmailTransport } from './channels/email/transport.js';
import type { Services } from './services.js';
import { openStore, type Store } from './store/index.js';
import { lockDir } from '../lock/dir-lock.js';
import { secureDataDir } from './files.js';

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  services: Services;
  store: Store;
  /** Stops accepting requests, finishes what is in flight, stops workers, closes the store. */
  close(): Promise<void>;
}

/**
 * Starts `kirim server` with the given configuration. The data dir is held
 * for this process until `close()` (one server per data dir, or every SMS
 * would go out twice); a second start throws DirLockedError naming the
 * first one's PID. `holder` is what that error calls this process;
 * `plugins` are served on the same listener (see BuildOptions.plugins).
 */
export async function startServer(
  configIn: ServerConfig,
  { logger, holder = 'kirim server', plugins }: { logger?: Logger; holder?: string; plugins?: FastifyPluginAsync[] } = {},
): Promise<RunningServer> {
  const config = resolveSecret(configIn);
  // The data dir 0700, mailbox files 0600, before anything is written.
  secureDataDir(config.dataDir);
  const lock = await lockDir(config.dataDir, holder);
  let store: Store;
  try {
    store = await openStore(config.db);
  } catch (err) {
    await lock.release();
    throw err;
  }
  const log = logger ?? createLogger({ level: config.logLevel });
  const transport = createEmailTransport({ dataDir: config.dataDir, ...(config.smtpUrl ? { smtpUrl: config.smtpUrl, pool: true } : {}) });
  let app: FastifyInstance | undefined;
  try {
    const built = await buildApp({ config, store, transport, logger: log, ...(plugins ? { plugins } : {}) });
    app = built.app;
    // A rotation (KIRIM_SECRET_PREVIOUS) moves webhook signing secrets to the new server secret.
    const resealed = await built.services.webhooks.resealSecrets();
    if (resealed > 0) log.info(`${resealed} webhook signing secret(s) re-encrypted under the current server secret`);
    built.services.start();
    await app.listen({ port: config.port, host: config.host });
    // A wrong KIRIM_SMTP_URL should show at start, not at the first email;
    // the server runs either way (emails wait in the queue and are retried).
    void transport.verify?.().then(
      (problem) => {
        if (problem) log.warn(`SMTP check failed for ${transport.describe()}: ${problem}; emails wait in the queue until it answers (check KIRIM_SMTP_URL)`);
        else log.info(`SMTP ${transport.describe()} answers`);
      },
      (err: unknown) => log.warn({ err }, 'SMTP check crashed'),
    );
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      app,
      services: built.services,
      store,
      close() {
        closing ??= (async () => {
          await app!.close();
          await store.close();
          await lock.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    await app?.close().catch(() => {});
    await store.close().catch(() => {});
    await lock.release();
    throw err;
  }
}
