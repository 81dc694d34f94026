#!/usr/bin/env node
// Entry point of the `kirim` command. In a source checkout (src/ present and
// tsx installed) it runs the TypeScript sources directly, so a checkout never
// runs a stale build; an installed package runs the bundled dist/cli.js.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'cli', 'main.ts');
const dist = join(root, 'dist', 'cli.js');

let useSource = existsSync(src) && process.env.KIRIM_USE_DIST !== '1';
if (useSource) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    useSource = false;
  }
}
const entry = useSource ? src : dist;
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv);
