/**
 * A simulated gateway speaking the gateway protocol (docs/gateway-protocol.md)
 * as the agent does, without gammu: long-poll `lease`, `claims` for what it
 * got (the agent's step before it writes files), then report the claimed
 * messages `spooled` (what the agent does once the file is in gammu's
 * outbox), and lease again. It counts what it was handed.
 */
import { Agent, request } from 'node:http';
import { GATEWAY_PREFIX } from '../../src/protocol/gateway.js';

/** A JSON POST with a bearer token over a keep-alive agent (the benches' own client: no retries, nothing between it and the socket). */
export function postJson(agent: Agent, base: URL, path: string, auth: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const data = JSON.stringify(body);
    const req = request(
      { host: base.hostname, port: base.port, method: 'POST', path, agent, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
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
}


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

  const post = (path: string, body: unknown) => postJson(agent, base, GATEWAY_PREFIX + path, token, body);

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
      const claim = await post('/claims', { message_ids: messages.map((m) => m.id) });
      // A server from before claims (a --baseline checkout) answers 404: report them all.
      if (claim.status !== 200 && claim.status !== 404) throw new Error(`claims answered ${claim.status}: ${claim.body}`);
      const claimed =
        claim.status === 404
          ? messages.map((m) => ({ message_id: m.id }))
          : (JSON.parse(claim.body) as { results: Array<{ message_id: string; outcome: string }> }).results.filter((r) => r.outcome === 'claimed');
      if (claimed.length === 0) continue;
      const at = new Date().toISOString();
      const rep = await post('/reports', { reports: claimed.map((m) => ({ message_id: m.message_id, status: 'spooled', at })) }).catch(() => undefined);
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
