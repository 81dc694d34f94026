/**
 * The reverse-proxy examples in deploy/: both send everything to the port
 * the server's env example listens on, and both answer 404 for every path
 * Kirim serves under /metrics, /docs and /openapi.json, as the routes of a
 * real app list them (so a new docs route cannot slip past the proxy).
 * nginx allows the gateway's 25 s long poll. `nginx -t` accepts the example
 * (CI installs nginx; KIRIM_TEST_NGINX names another binary, e.g. one
 * unpacked with `apt-get download nginx && dpkg -x`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { capturingTransport, createTestServer } from '../src/server/testing.js';
import { tempDir } from './support/process.js';

const DEPLOY = resolve(import.meta.dirname, '../deploy');
const read = (f: string) => readFileSync(join(DEPLOY, f), 'utf8');
const serverPort = () => /^KIRIM_PORT=(\d+)$/m.exec(read('server.env.example'))?.[1];

/** Paths of the app's private routes (metrics and the API description), from a real app. */
async function privateRoutes(): Promise<string[]> {
  const s = await createTestServer({ transport: capturingTransport() });
  try {
    // printRoutes draws a tree, four columns per level; a path is its segments joined.
    const stack: string[] = [];
    const paths: string[] = [];
    for (const line of s.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^(.*?)[├└]── (\S+)/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      stack.length = depth;
      stack.push(m[2]!);
      paths.push(stack.join(''));
    }
    assert.ok(paths.includes('/v1/verifications/check'), paths.join(' '));
    return paths.filter((p) => /^\/(metrics|docs|openapi)/.test(p));
  } finally {
    await s.close();
  }
}

/** Caddy path matcher semantics: exact, or a trailing `*` as prefix. */
const caddyMatches = (patterns: string[], path: string) => patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));

/** nginx `location = x` (exact) and `location ^~ x` (prefix) blocks that return 404. */
function nginxBlocked(conf: string, path: string): boolean {
  for (const m of conf.matchAll(/location\s+(=|\^~)\s+(\S+)\s*\{\s*return 404;\s*\}/g)) {
    if (m[1] === '=' ? path === m[2] : path.startsWith(m[2]!)) return true;
  }
  return false;
}

test('deploy/Caddyfile: the server port, and 404 for every metrics and docs route', async () => {
  const caddy = read('Caddyfile');
  const port = serverPort();
  assert.ok(port);
  assert.match(caddy, new RegExp(`^\\s*reverse_proxy 127\\.0\\.0\\.1:${port}$`, 'm'));
  const matcher = /^\s*@private path (.+)$/m.exec(caddy)?.[1]?.trim().split(/\s+/);
  assert.ok(matcher, '@private path matcher');
  assert.match(caddy, /^\s*respond @private 404$/m);
  const routes = await privateRoutes();
  assert.ok(routes.includes('/metrics') && routes.includes('/openapi.json') && routes.some((r) => r.startsWith('/docs/')), routes.join(' '));
  for (const r of [...routes, '/docs', '/docs/', '/metrics/']) assert.ok(caddyMatches(matcher, r.replace(/\*$/, 'x')), `Caddy blocks ${r}`);
  for (const open of ['/v1/messages', '/gateway/v1/lease', '/healthz', '/readyz']) assert.ok(!caddyMatches(matcher, open), `Caddy passes ${open}`);
});

test('deploy/nginx.conf.example: the server port, a read timeout above the 25 s long poll, and 404 for metrics and docs', async () => {
  const conf = read('nginx.conf.example');
  assert.match(conf, new RegExp(`proxy_pass http://127\\.0\\.0\\.1:${serverPort()};`));
  const timeout = Number(/proxy_read_timeout (\d+)s;/.exec(conf)?.[1] ?? 60);
  assert.ok(timeout > 30, `${timeout} s`);
  for (const r of [...(await privateRoutes()), '/docs', '/metrics/']) assert.ok(nginxBlocked(conf, r.replace(/\*$/, 'x')), `nginx blocks ${r}`);
  for (const open of ['/v1/messages', '/gateway/v1/lease', '/healthz', '/documents']) assert.ok(!nginxBlocked(conf, open), `nginx passes ${open}`);
});

const nginx = process.env.KIRIM_TEST_NGINX ?? spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx 2>/dev/null'], { encoding: 'utf8' }).stdout.trim();
test('nginx -t accepts the example', { skip: nginx ? false : 'nginx is not installed' }, () => {
  const dir = tempDir('kirim-nginx');
  // Self-contained: the example's server block in a minimal main config, certificates swapped for a throwaway pair.
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  assert.equal(spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=kirim.example.com', '-days', '1']).status, 0);
  const site = read('nginx.conf.example').replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`).replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`);
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join('\n') + `\naccess_log ${dir}/access.log;`;
  writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n${temps}\n${site}\n}\n`);
  const r = spawnSync(nginx, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
