import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Runbook } from '../domain/runbook.js';
import { shippedRegimeFiles } from './regime-catalogue.js';
import type { LoadedRunbook } from './runbook.js';
import { catalogueFile } from './catalogue-file.js';

/**
 * The shipped runbooks, validated at build time and kept as JSON beside the code, keyed by the
 * SHA-256 of each file's text. Opening an incident on a shipped runbook (or on a byte-identical
 * copy of one) then reads and hashes the file and takes its checked form from here: no YAML parser
 * and no zod are loaded (~90 ms of the ~230 ms of a launched `irr open`). Any other text, an edited
 * copy included, misses and is parsed and checked as before, with its problems at their lines.
 *
 * What else a runbook's validity depends on: the code (the cache is rebuilt with it, by `npm run
 * build`) and the regime catalogue, through `discharges` (a duty the catalogue must have). Each
 * entry lists the duties it names; an entry naming one that is no longer shipped is not served.
 */
const CACHE = catalogueFile(import.meta.url, 'runbooks.json');

interface Entry {
  readonly runbook: Runbook;
  readonly hash: string;
  readonly discharges: readonly string[];
}

export const textHash = (text: string) => createHash('sha256').update(text).digest('hex');

let entries: ReadonlyMap<string, Entry> | undefined;
function loaded(): ReadonlyMap<string, Entry> {
  if (!entries) {
    try {
      const data = JSON.parse(readFileSync(CACHE, 'utf8')) as { entries: Record<string, Entry> };
      entries = new Map(Object.entries(data.entries));
    } catch {
      entries = new Map(); // no cache (a source checkout): every runbook is parsed
    }
  }
  return entries;
}

let knownRegimes: ReadonlySet<string> | undefined;
/** The regime catalogue's ids, from the file names (each regime file is named after its id). */
export function shippedRegimeIds(): ReadonlySet<string> {
  knownRegimes ??= new Set(shippedRegimeFiles().map((f) => basename(f).replace(/\.ya?ml$/, '')));
  return knownRegimes;
}

/** The checked runbook of this text, if the build checked the very same text; else undefined. */
export function cachedRunbook(file: string, text: string): LoadedRunbook | undefined {
  const hit = loaded().get(textHash(text));
  if (!hit) return undefined;
  const ids = shippedRegimeIds();
  if (!hit.discharges.every((d) => ids.has(d))) return undefined;
  // A copy: the cached object is shared by every open of the process (the in-process CLI of the tests).
  return { runbook: structuredClone(hit.runbook), hash: hit.hash, source: text, file };
}

/** Build time: the checked shipped runbooks. Returns the cache's path. */
export function writeRunbookCache(runbooks: readonly LoadedRunbook[]): string {
  const out: Record<string, Entry> = {};
  for (const r of runbooks) {
    const discharges = [...new Set(Object.values(r.runbook.phases).flatMap((steps) => steps.flatMap((s) => s.discharges ?? [])))].sort();
    out[textHash(r.source)] = { runbook: r.runbook, hash: r.hash, discharges };
  }
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ entries: out }));
  entries = undefined;
  return CACHE;
}
