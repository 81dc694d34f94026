/**
 * A simulated gateway speaking the gateway protocol (docs/gateway-protocol.md)
 * as the agent does, without gammu: long-poll `lease`, then report every
 * leased message `spooled` (what the agent does once the file is in gammu's
 * outbox), and lease again. It counts what it was handed.
 */
import { Agent, request } from 'node:http';
import { GATEWAY_PREFIX } from '../../src/protocol/gateway.js';

export interface SimGateway {
  /** Messages leased so far. */
  leased(): number;
  stop(): Promise<void>;
}

export function startSimGateway(serverUrl: string, token: string, { max = 100 }: { max?: number } = {}): SimGateway {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const base = new URL(serverUrl);
  let leased = 0;
  let stopping = false;

  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: string }>((ok, fail) => {
      const data = JSON.stringify(body);
      const req = request(
        { host: base.hostname, port: base.port, method: 'POST', path: GATEWAY_PREFIX + path, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.once('error', fail);
      req.end(data);
    });

  const loop = (async () => {
    while (!stopping) {
      // A short wait: the bench stops the gateway between phases.
      const res = await post('/lease', { max, wait_ms: 1000 }).catch(() => undefined);
      if (!res || res.status !== 200) {
        if (stopping) break;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const { messages } = JSON.parse(res.body) as { messages: Array<{ id: string }> };
      if (messages.length === 0) continue;
      leased += messages.length;
      const at = new Date().toISOString();
      const rep = await post('/reports', { reports: messages.map((m) => ({ message_id: m.id, status: 'spooled', at })) }).catch(() => undefined);
      if (rep && rep.status !== 200) throw new Error(`reports answered ${rep.status}: ${rep.body}`);
    }
  })();

  return {
    leased: () => leased,
    async stop() {
      stopping = true;
      await loop;
      agent.destroy();
    },
  };
}
