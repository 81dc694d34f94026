/**
 * Where the dashboard's files are, from a source checkout and from the
 * built package alike:
 * - the UI (index.html, scripts, styles): src/server/dashboard/web/ beside
 *   this module in a checkout; dist/dashboard/web/ in the package (tsup
 *   copies it there, see tsup.config.ts), beside dist/cli.js;
 * - preact, preact/hooks and htm as ES modules, from node_modules, found
 *   the way Node finds the packages themselves (no copy to go stale).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The folder holding the dashboard's index.html. */
export function webRoot(): string {
  const candidates = [join(here, 'web'), join(here, 'dashboard', 'web')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`the dashboard's files are missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** The browser modules served at /dashboard/assets/vendor/<name>. */
export function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const beside = (specifier: string, file: string) => join(dirname(require.resolve(specifier)), file);
  return {
    'preact.mjs': beside('preact', 'preact.mjs'),
    'hooks.mjs': beside('preact/hooks', 'hooks.mjs'),
    'htm.mjs': beside('htm', 'htm.mjs'),
  };
}
