import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Regime } from '../domain/regime.js';

/**
 * The validated regime catalogue, compiled at build time to JSON beside the code, keyed by the
 * SHA-256 of the YAML sources. At run time the sources are read and hashed (cheap); if they are the
 * ones compiled, the JSON is used and YAML and zod are never loaded. An edited file simply misses
 * the cache and is parsed and validated as usual.
 */
const CACHE = resolve(dirname(fileURLToPath(import.meta.url)), '../catalogue/regimes.json');

export function sourcesHash(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.replace(/^.*?((bases[\\/])?[^\\/]*)$/, '$1')).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

export function readCache(hash: string): Regime[] | undefined {
  try {
    const data = JSON.parse(readFileSync(CACHE, 'utf8')) as { hash: string; regimes: Regime[] };
    return data.hash === hash ? data.regimes : undefined;
  } catch {
    return undefined;
  }
}

/** The jurisdictions the catalogue covers, on their own: `irr status` needs them without the regimes. */
const COVERAGE = resolve(dirname(CACHE), 'coverage.json');

export function readCoverage(hash: string): string[] | undefined {
  try {
    const data = JSON.parse(readFileSync(COVERAGE, 'utf8')) as { hash: string; covered: string[] };
    return data.hash === hash ? data.covered : undefined;
  } catch {
    return undefined;
  }
}

export function writeCache(hash: string, regimes: readonly Regime[], covered: readonly string[]): string {
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ hash, regimes }));
  writeFileSync(COVERAGE, JSON.stringify({ hash, covered }));
  return join(CACHE);
}
