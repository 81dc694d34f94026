/** The gateway bundle, built for tests and benches exactly as `npm run build` builds it. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Options } from 'tsup';
import tsupConfig from '../../tsup.config.js';

/**
 * Builds the gateway bundle with the project's own tsup settings (the
 * `kirim-gateway` entry of tsup.config.ts, exactly what `npm run build` ships
 * as dist/kirim-gateway.js) into a private folder, so a bench or test never
 * rewrites dist/ under another that is reading it. Returns the file's path.
 */
export async function buildGatewayBundle(outDir: string): Promise<string> {
  const configs: Options[] = Array.isArray(tsupConfig) ? tsupConfig : typeof tsupConfig === 'function' ? [] : [tsupConfig];
  const entry = configs.find((c) => c.entry && !Array.isArray(c.entry) && typeof c.entry === 'object' && 'kirim-gateway' in c.entry);
  if (!entry) throw new Error('tsup.config.ts has no kirim-gateway entry');
  await build({ ...entry, outDir, config: false, silent: true, clean: false });
  const file = join(outDir, 'kirim-gateway.js');
  if (!existsSync(file)) throw new Error(`tsup did not produce ${file}`);
  return file;
}


/**
 * Builds kirim/client for a browser — every dependency inside, no Node
 * built-in — into `outDir`, as an ES module (`client.js`) or a classic
 * script defining the global `KirimClient` (`client.global.js`). Returns
 * the bundle's text.
 */
export async function buildClientBrowserBundle(outDir: string, format: 'esm' | 'iife'): Promise<string> {
  await build({
    entry: { client: 'src/client/index.ts' },
    format: [format],
    ...(format === 'iife' ? { globalName: 'KirimClient' } : {}),
    platform: 'browser',
    target: 'es2022',
    noExternal: [/.*/],
    outDir,
    config: false,
    silent: true,
    clean: false,
    dts: false,
    sourcemap: false,
  });
  return readFileSync(join(outDir, format === 'iife' ? 'client.global.js' : 'client.js'), 'utf8');
}
