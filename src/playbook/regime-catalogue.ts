import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Regime } from '../domain/regime.js';
import { PLAYBOOKS_DIR } from './paths.js';
import { ValidationFailed } from './problems.js';
import { byCodeUnits } from '../domain/order.js';
import { readCache, readCoverage } from './regime-cache.js';

export const REGIMES_DIR = join(PLAYBOOKS_DIR, 'regimes');

export interface RegimeCatalogue {
  readonly regimes: readonly Regime[];
  readonly byId: ReadonlyMap<string, Regime>;
}

/** The regime files: playbooks/regimes/*.yaml, and the countries' laws in playbooks/regimes/countries/. */
export function shippedRegimeFiles(): string[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  return [...list(REGIMES_DIR), ...list(join(REGIMES_DIR, 'countries'))].sort((a, b) => byCodeUnits(basename(a), basename(b)));
}

/** The family bases the shipped regimes extend (playbooks/regimes/bases/*.yaml). */
export function shippedBaseFiles(): string[] {
  const dir = join(REGIMES_DIR, 'bases');
  try {
    return readdirSync(dir).filter((f) => /\.yaml$/.test(f)).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Everything the compiled catalogue depends on: the regimes and their bases (an edited base misses the cache too). */
export function shippedSourceFiles(): string[] {
  return [...shippedRegimeFiles(), ...shippedBaseFiles()];
}

/**
 * The shipped catalogue; any problem is a defect in irr itself, reported like a user's file.
 * Holiday calendar names are checked by `irr regime validate` and the test suite, not on every
 * load: date-holidays' country data is large and the shipped names do not change at run time.
 */
export async function loadShippedRegimes(): Promise<RegimeCatalogue> {
  const isCalendar = () => true;
  const files = shippedRegimeFiles();
  const cached = readCache(shippedSourceFiles());
  if (cached) return { regimes: cached, byId: new Map(cached.map((r) => [r.id, r])) };
  // Edited since the build: parse and validate (YAML and zod load only on this path).
  const { checkRegimeFiles } = await import('./regime.js');
  const { regimes, problems } = checkRegimeFiles(files, isCalendar);
  const ids = new Set(regimes.map((r) => r.id));
  if (problems.length === 0) for (const f of files) if (!ids.has(basename(f).replace(/\.ya?ml$/, ''))) problems.push({ file: f, line: 1, col: 1, message: 'id: the file name must be the regime id + .yaml' });
  if (problems.length > 0) throw new ValidationFailed(problems);
  return { regimes, byId: new Map(regimes.map((r) => [r.id, r])) };
}


/** The jurisdictions the shipped catalogue covers (from the build's small coverage file when the sources are unchanged). */
export async function shippedCoverage(): Promise<ReadonlySet<string>> {
  const cached = readCoverage(shippedSourceFiles());
  if (cached) return new Set(cached);
  const { coveredBy } = await import('../assess/coverage.js');
  return coveredBy((await loadShippedRegimes()).regimes);
}
