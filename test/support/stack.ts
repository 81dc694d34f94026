/**
 * The whole SMS path for end-to-end tests: `kirim server` (in this process,
 * listening on 127.0.0.1), real `gammu-smsd` driving `kirim modem-sim`, and
 * `kirim gateway` as a separate process that can be stopped or killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createLogger } from '../../src/protocol/log.js';
import { startGammuSmsd, type GammuSmsdInstance } from '../../src/dev/gammu-smsd.js';
import { clearFaults } from '../../src/modem-sim/control.js';
import { stopChild } from '../../src/dev/stop-child.js';
import { loadConfig, type ServerConfig } from '../../src/server/config.js';
import { ApiScope } from '../../src/protocol/api.js';
import { createApiKey, createGateway } from '../../src/server/credentials.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { verifyWebhook } from '../../src/server/webhooks/sign.js';
import { openStore, type Dialect } from '../../src/server/store/index.js';
import { freshDbUrl } from '../../src/server/store/testing.js';
import { TEST_RECEIVERS_ALLOWED } from '../../src/server/testing.js';
import { KIRIM_BIN, apiClient, tempDir } from './process.js';

export interface StackOptions {
  dialect?: Dialect;
  /** KIRIM_* settings for the server. */
  serverEnv?: Record<string, string>;
  /** Extra flags for `kirim gateway`. */
  gatewayArgs?: string[];
  /** Extra [smsd] settings. */
  smsd?: Record<string, string | number>;
}

export interface Stack {
  dataDir: string;
  simState: string;
  server: RunningServer;
  gammu: GammuSmsdInstance;
  gateway: ChildProcess | undefined;
  apiKey: string;
  gatewayToken: string;
  gatewayId: string;
  api: ReturnType<typeof apiClient>;
  startGateway(): void;
  stopGateway(signal?: NodeJS.Signals): Promise<void>;
  restartServer(): Promise<void>;
  stopServer(): Promise<void>;
  startServerAgain(): Promise<void>;
  gatewayLog(): string;
  close(): Promise<void>;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function startStack({ dialect = 'sqlite', serverEnv = {}, gatewayArgs = [], smsd = {} }: StackOptions = {}): Promise<Stack> {
  const dataDir = tempDir('kirim-e2e');
  const { url: db, drop } = await freshDbUrl(dialect, join(dataDir, 'kirim.db'));
  const store = await openStore(db);
  // Every scope: the end-to-end tests read every inbound SMS and gateway event.
  const { key: apiKey } = await createApiKey(store, 'e2e', { scopes: ApiScope.options });
  const { id: gatewayId, token: gatewayToken } = await createGateway(store, 'e2e-gw');
  await store.close();
  let config: ServerConfig = {
    ...loadConfig({ dataDir, db, port: 0 }, { KIRIM_HEARTBEAT_SECONDS: '1', KIRIM_GATEWAY_OFFLINE_SECONDS: '5', ...TEST_RECEIVERS_ALLOWED, ...serverEnv }),
    secret: 'e2e-secret-0123456789abcdef',
  };
  const logger = createLogger({ level: process.env.KIRIM_TEST_LOG ?? 'silent' });
  let server = await startServer(config, { logger });
  // Later restarts keep the same port, as a real deployment would.
  config = { ...config, port: Number(new URL(server.url).port) };

  const simState = join(dataDir, 'modem-sim');
  const gammu = startGammuSmsd({
    dir: join(dataDir, 'gammu'),
    modem: { kind: 'modem-sim', command: `${shq(process.execPath)} ${shq(KIRIM_BIN)} modem-sim --state ${shq(simState)}` },
    smsd,
    env: { LANG: 'C' },
  });

  // gammu-smsd starts the simulator when it connects, which takes a while on
  // a busy machine: a test may drive the modem only once it answers.
  try {
    await clearFaults(simState).applied(60_000);
  } catch (err) {
    await gammu.stop();
    await server.close();
    await drop();
    throw err;
  }

  let gateway: ChildProcess | undefined;
  let gwLog = '';
  const stack: Stack = {
    dataDir,
    simState,
    server,
    gammu,
    gateway,
    apiKey,
    gatewayToken,
    gatewayId,
    api: apiClient(server.url, apiKey),
    startGateway() {
      gateway = spawn(process.execPath, [KIRIM_BIN, 'gateway', '--server', server.url, '--token', gatewayToken, '--smsdrc', gammu.smsdrc, ...gatewayArgs], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, KIRIM_LOG_LEVEL: 'info' },
      });
      gateway.stderr!.on('data', (d) => (gwLog += String(d)));
      stack.gateway = gateway;
    },
    async stopGateway(signal = 'SIGTERM') {
      if (gateway) await stopChild(gateway, { signal });
    },
    async stopServer() {
      await server.close();
    },
    async startServerAgain() {
      server = await startServer(config, { logger });
      stack.server = server;
    },
    async restartServer() {
      await stack.stopServer();
      await stack.startServerAgain();
    },
    gatewayLog: () => gwLog,
    async close() {
      await stack.stopGateway();
      await gammu.stop();
      await server.close();
      await drop();
    },
  };
  stack.startGateway();
  return stack;
}

/** An HTTP endpoint that records webhook deliveries and checks their signatures. */
export async function webhookReceiver(): Promise<{
  url: string;
  setSecret(secret: string): void;
  events: Array<{ type: string; data: any; valid: boolean }>;
  close(): Promise<void>;
}> {
  let secret = '';
  const events: Array<{ type: string; data: any; valid: boolean }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const v = verifyWebhook({ secret, headers: req.headers as Record<string, string>, body });
      const parsed = JSON.parse(body) as { type: string; data: unknown };
      events.push({ type: parsed.type, data: parsed.data, valid: v.ok });
      res.writeHead(v.ok ? 204 : 400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    setSecret: (s) => (secret = s),
    events,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
