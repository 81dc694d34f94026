import { Command } from 'commander';
import { DirLockedError } from '../lock/dir-lock.js';
import { startServer } from '../server/server.js';
import { openStore } from '../server/store/index.js';
import { UserError } from './errors.js';
import { configFrom, describeDbError, withServerOptions } from './shared-options.js';

/** `kirim server`: runs the cloud service until SIGTERM/SIGINT. */
export function serverCommand(): Command {
  return withServerOptions(new Command('server').description('Run the Kirim server (HTTP API, queue, email, gateway endpoints)'), { listen: true }).action(
    async (flags) => {
      const config = configFrom(flags);
      // Opened (and migrated) once on its own first, so that only the
      // database's own failures are described as database problems.
      const probe = await openStore(config.db).catch((err) => {
        throw describeDbError(config, err);
      });
      await probe.close();
      // Listen for the stop signals before anything is announced: whoever
      // waits for the "listening" line may stop the server at once, and a
      // signal with no listener yet would kill it without a clean close.
      let stopRequested = false;
      let wake = () => {};
      const onSignal = () => {
        stopRequested = true;
        wake();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        let server;
        try {
          server = await startServer(config);
        } catch (err) {
          if (err instanceof DirLockedError) throw new UserError(`data dir ${err.message}; stop it first, or pass another --data-dir`);
          const e = err as { code?: string; syscall?: string; hostname?: string };
          if (e.code === 'EADDRINUSE') throw new UserError(`port ${config.port} on ${config.host} is already in use (--port or KIRIM_PORT)`);
          if (e.code === 'EACCES' && e.syscall === 'listen') throw new UserError(`not allowed to listen on ${config.host}:${config.port}`);
          if (e.code === 'EADDRNOTAVAIL') throw new UserError(`address ${config.host} is not available on this machine (--host)`);
          if ((e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') && e.hostname === config.host) {
            throw new UserError(`--host ${config.host} (or KIRIM_HOST) is not an address or a name of this machine`);
          }
          throw err;
        }
        process.stderr.write(`kirim server listening on ${server.url} (db: ${server.store.dialect})\n`);
        if (!stopRequested) await new Promise<void>((resolve) => (wake = resolve));
        await server.close();
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },
  );
}
