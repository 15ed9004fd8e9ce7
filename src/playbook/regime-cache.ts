import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Regime } from '../domain/regime.js';
import { catalogueFile } from './catalogue-file.js';

/**
 * The validated regime catalogue, compiled at build time to JSON beside the code, keyed by the
 * SHA-256 of the YAML sources. At run time the sources are read and hashed (cheap); if they are the
 * ones compiled, the JSON is used and YAML and zod are never loaded. An edited file simply misses
 * the cache and is parsed and validated as usual.
 *
 * Reading and hashing ~200 files on every `irr clocks` costs ~30 ms (an open, a read and a close
 * each), so the cache also records each source's size and mtime: when every stamp matches, the
 * sources are the compiled ones without being read. Any difference (an edit, a copy that reset the
 * mtimes, a file added or removed) falls back to the content hash, which alone decides.
 */
const CACHE = catalogueFile(import.meta.url, 'regimes.json');

export function sourcesHash(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(nameOf(f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** What a source file looks like from outside: its name (relative to the regimes folder), size and mtime. */
type Stamp = readonly [name: string, size: number, mtimeMs: number];

const nameOf = (f: string) => f.replace(/^.*?((bases[\\/]|countries[\\/])?[^\\/]*)$/, '$1');

export function stamps(files: readonly string[]): Stamp[] {
  return files.map((f) => {
    const st = statSync(f);
    return [nameOf(f), st.size, st.mtimeMs] as const;
  });
}

function sameStamps(recorded: unknown, files: readonly string[]): boolean {
  if (!Array.isArray(recorded) || recorded.length !== files.length) return false;
  try {
    const now = stamps(files);
    return now.every((s, i) => {
      const r: unknown = recorded[i];
      return Array.isArray(r) && r[0] === s[0] && r[1] === s[1] && r[2] === s[2];
    });
  } catch {
    return false;
  }
}

/** True when the recorded sources are the current ones: by stamps when they all match, else by content. */
export function freshSources(data: { hash: string; stamps?: unknown }, files: readonly string[]): boolean {
  return sameStamps(data.stamps, files) || data.hash === sourcesHash(files);
}
const fresh = freshSources;

/** The hash of the compiled catalogue this process was served, if it was (the template cache depends on it). */
let served: string | undefined;
export function compiledCatalogueServed(): string | undefined {
  return served;
}

export function readCache(files: readonly string[]): Regime[] | undefined {
  try {
    const data = JSON.parse(readFileSync(CACHE, 'utf8')) as { hash: string; stamps?: unknown; regimes: Regime[] };
    if (!fresh(data, files)) return undefined;
    served = data.hash;
    return data.regimes;
  } catch {
    return undefined;
  }
}

/** The jurisdictions the catalogue covers, on their own: `irr status` needs them without the regimes. */
const COVERAGE = resolve(dirname(CACHE), 'coverage.json');

export function readCoverage(files: readonly string[]): string[] | undefined {
  try {
    const data = JSON.parse(readFileSync(COVERAGE, 'utf8')) as { hash: string; stamps?: unknown; covered: string[] };
    return fresh(data, files) ? data.covered : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the compiled catalogue; returns its path and the sources' hash (the template cache records it). */
export function writeCache(files: readonly string[], regimes: readonly Regime[], covered: readonly string[]): { path: string; hash: string } {
  const hash = sourcesHash(files);
  const recorded = stamps(files);
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ hash, stamps: recorded, regimes }));
  writeFileSync(COVERAGE, JSON.stringify({ hash, stamps: recorded, covered }));
  return { path: join(CACHE), hash };
}
