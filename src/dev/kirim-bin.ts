import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's bin/kirim.js, used to run the modem simulator and the gateway
 * as real processes. Found by walking up from this module, which sits in
 * src/dev/ in a checkout and in dist/ once bundled.
 */
export function kirimBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'bin', 'kirim.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find bin/kirim.js next to this installation');
}
