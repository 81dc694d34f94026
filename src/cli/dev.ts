import { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { gammuSmsdInstalled, startGammuSmsd, type GammuSmsdInstance } from '../dev/gammu-smsd.js';
import { stopChild } from '../dev/stop-child.js';
import { hashToken } from '../server/crypto.js';
import { createApiKey, createGateway } from '../server/credentials.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { Store } from '../server/store/index.js';
import { UserError } from './errors.js';
import { configFrom, withServerOptions } from './shared-options.js';

/**
 * The package's bin/kirim.js, used to run the modem simulator and the gateway
 * as real processes. Found by walking up from this module, which sits in
 * src/cli/ in a checkout and in dist/ once bundled.
 */
function kirimBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'bin', 'kirim.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find bin/kirim.js next to this installation');
}

interface DevCredentials {
  apiKey: string;
  gatewayToken: string;
}

/**
 * Credentials of the development stack, kept in the data dir (mode 0600) so
 * that every `kirim dev` run prints the same API key. Only hashes are in the
 * database, as for any key.
 */
async function devCredentials(store: Store, dataDir: string): Promise<DevCredentials> {
  const file = join(dataDir, 'dev-credentials.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DevCredentials;
    if ((await store.findApiKeyByHash(hashToken(saved.apiKey))) && (await store.findGatewayByHash(hashToken(saved.gatewayToken)))) return saved;
  }
  const creds = { apiKey: (await createApiKey(store, 'dev')).key, gatewayToken: (await createGateway(store, 'dev-modem-sim')).token };
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return creds;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `kirim dev`: server (SQLite) + gateway + real gammu-smsd driving `kirim modem-sim`, on localhost. */
export function devCommand(): Command {
  return withServerOptions(new Command('dev').description('Run the whole stack on this machine: server, gateway, gammu-smsd with a simulated modem, development mailbox'), { listen: true }).action(
    async (flags) => {
      if (!gammuSmsdInstalled()) {
        throw new UserError('gammu-smsd is not installed; install it with: sudo apt-get install -y gammu-smsd (Debian/Ubuntu/Raspberry Pi OS)');
      }
      const config = configFrom(flags);
      const KIRIM_BIN = kirimBin();
      const quiet = pino({ level: process.env.KIRIM_LOG_LEVEL ?? 'warn' }, pino.destination(2));
      let server: RunningServer | undefined;
      let gammu: GammuSmsdInstance | undefined;
      let gateway: ChildProcess | undefined;
      let stopping = false;

      const stopAll = async () => {
        if (stopping) return;
        stopping = true;
        if (gateway) await stopChild(gateway);
        await gammu?.stop();
        await server?.close();
      };

      try {
        try {
          server = await startServer(config, { logger: quiet });
        } catch (err) {
          const e = err as { code?: string };
          if (e.code === 'EADDRINUSE') throw new UserError(`port ${config.port} is already in use; pass --port`);
          throw err;
        }
        const creds = await devCredentials(server.store, config.dataDir);

        const simState = join(config.dataDir, 'modem-sim');
        mkdirSync(simState, { recursive: true });
        gammu = startGammuSmsd({
          dir: join(config.dataDir, 'gammu'),
          modem: { kind: 'modem-sim', command: `${shellQuote(process.execPath)} ${shellQuote(KIRIM_BIN)} modem-sim --auto-report --state ${shellQuote(simState)}` },
        });

        gateway = spawn(process.execPath, [KIRIM_BIN, 'gateway', '--server', server.url, '--token', creds.gatewayToken, '--smsdrc', gammu.smsdrc], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, KIRIM_LOG_LEVEL: process.env.KIRIM_LOG_LEVEL ?? 'warn' },
        });
        gateway.stderr!.pipe(process.stderr);
        gateway.once('exit', (code, signal) => {
          if (!stopping) process.stderr.write(`kirim dev: the gateway stopped (${signal ?? `exit ${code}`}); see the messages above\n`);
        });
        gammu.process.once('exit', (code, signal) => {
          if (!stopping) process.stderr.write(`kirim dev: gammu-smsd stopped (${signal ?? `exit ${code}`}); its log: ${gammu!.logfile}\n`);
        });

        process.stdout.write(
          [
            `API key: ${creds.apiKey}`,
            `API: ${server.url}/v1`,
            `Docs: ${server.url}/docs`,
            `Mailbox: ${join(config.dataDir, 'mailbox')}`,
            `Handsets: kirim modem-sim inbox --state ${simState}`,
            `gammu-smsd: ${gammu.smsdrc}`,
            '',
          ].join('\n'),
        );

        await new Promise<void>((done) => {
          const stop = () => {
            process.off('SIGTERM', stop);
            process.off('SIGINT', stop);
            done();
          };
          process.on('SIGTERM', stop);
          process.on('SIGINT', stop);
        });
      } finally {
        await stopAll();
      }
    },
  );
}
