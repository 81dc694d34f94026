import { createGateway } from '../src/server/credentials.js';
import { capturingTransport, createTestServer } from '../src/server/testing.js';
const s = await createTestServer({ dialect: 'postgres', transport: capturingTransport() });
const toks = [s.gatewayToken];
for (let i = 0; i < 99; i++) toks.push((await createGateway(s.store, `g${i}`)).token);
for (const t of toks) await s.app.inject({ method: 'POST', url: '/gateway/v1/lease', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, payload: JSON.stringify({ max: 10, wait_ms: 0 }) });
for (let i = 0; i < 5; i++) { const t = performance.now(); await s.services.router.refresh(); console.log('refresh ms', (performance.now() - t).toFixed(1)); }
for (let i = 0; i < 3; i++) { const t = performance.now(); await s.services.sweep(); console.log('sweep ms', (performance.now() - t).toFixed(1)); }
for (let i = 0; i < 3; i++) { const t = performance.now(); await s.app.inject({ method: 'POST', url: '/gateway/v1/lease', headers: { authorization: `Bearer ${toks[5]}`, 'content-type': 'application/json' }, payload: JSON.stringify({ max: 10, wait_ms: 0 }) }); console.log('empty lease ms', (performance.now() - t).toFixed(1)); }
await s.close();
