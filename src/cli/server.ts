import { Command } from 'commander';
import { startServer } from '../server/server.js';
import { UserError } from './errors.js';
import { configFrom, describeDbError, withServerOptions } from './shared-options.js';

/** `kirim server`: runs the cloud service until SIGTERM/SIGINT. */
export function serverCommand(): Command {
  return withServerOptions(new Command('server').description('Run the Kirim server (HTTP API, queue, email, gateway endpoints)'), { listen: true }).action(
    async (flags) => {
      const config = configFrom(flags);
      let server;
      try {
        server = await startServer(config);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (e.code === 'EADDRINUSE') throw new UserError(`port ${config.port} on ${config.host} is already in use (--port or KIRIM_PORT)`);
        if (e.code === 'EACCES') throw new UserError(`not allowed to listen on ${config.host}:${config.port}`);
        if (e.code === 'EADDRNOTAVAIL') throw new UserError(`address ${config.host} is not available on this machine (--host)`);
        throw describeDbError(config, err);
      }
      process.stderr.write(`kirim server listening on ${server.url} (db: ${server.store.dialect})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
    },
  );
}
