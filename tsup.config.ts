import { cpSync, rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * Two builds:
 * - dist/cli.js: the `kirim` command for the installed package (bin/kirim.js
 *   imports it); dependencies stay in node_modules. The dashboard's static
 *   files go beside it in dist/dashboard/web/ (src/server/dashboard/assets.ts
 *   looks there).
 * - dist/kirim-gateway.js: the gateway agent as ONE file with every
 *   dependency inside and no native module, for Node 18+ on a Raspberry Pi:
 *   copy it and run `node kirim-gateway.js --server … --token … --smsdrc …`.
 * - dist/client.js + dist/client.d.ts: `kirim/client` for applications, for
 *   Node 18+ and browsers (no Node built-in; openapi-fetch stays a dependency
 *   for the application's bundler or node_modules to provide).
 */
export default defineConfig([
  {
    entry: { client: 'src/client/index.ts' },
    format: ['esm'],
    platform: 'neutral',
    target: 'es2022',
    outDir: 'dist',
    dts: true,
    sourcemap: true,
    clean: false,
    splitting: false,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    outDir: 'dist',
    sourcemap: true,
    clean: false,
    splitting: false,
    async onSuccess() {
      rmSync('dist/dashboard/web', { recursive: true, force: true });
      cpSync('src/server/dashboard/web', 'dist/dashboard/web', { recursive: true, filter: (f) => !f.endsWith('.test.ts') });
    },
  },
  {
    entry: { 'kirim-gateway': 'src/gateway/standalone.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node18',
    outDir: 'dist',
    clean: false,
    splitting: false,
    sourcemap: false,
    // Bundle everything: the file must run without node_modules.
    noExternal: [/.*/],
    // CommonJS dependencies (commander, pino) call require() for Node's
    // built-ins; an ES module has no require, so give them one.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __kirimCreateRequire } from 'node:module';\nconst require = __kirimCreateRequire(import.meta.url);",
    },
  },
]);
