import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file the build writes to dist/catalogue, as seen from the module at `moduleUrl`: beside the
 * compiled code (dist/<folder>/x.js and the bundle dist/bundle/irr.cjs both find it at
 * ../catalogue), or, for the sources (src/<folder>/x.ts, as the tests and tsx run them), in the
 * build's dist/catalogue. From the sources it used to be src/catalogue, which never exists: every
 * check there parsed the YAML again (~50 ms a letter in the golden-letter test). Each reader uses a
 * file only when what it was made from is unchanged (by content hash), so a stale or missing build
 * is a miss, never a wrong answer. The zone and holiday tables (clocks/offsets.ts, clocks/calendar.ts)
 * do not come through here on purpose: the holiday table carries no key of its sources, so from the
 * sources a stale dist copy could answer differently; they ask Intl and date-holidays there instead.
 */
export function catalogueFile(moduleUrl: string, name: string): string {
  const folder = dirname(dirname(fileURLToPath(moduleUrl)));
  return basename(folder) === 'src' ? resolve(folder, '..', 'dist', 'catalogue', name) : resolve(folder, 'catalogue', name);
}
