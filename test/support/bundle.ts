/** The gateway bundle, built for tests and benches exactly as `npm run build` builds it. */
import { existsSync } from 'node:fs';
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

