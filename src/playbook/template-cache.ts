import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LetterTemplate } from '../domain/template.js';
import { compiledCatalogueServed, freshSources, sourcesHash, stamps } from './regime-cache.js';
import { LETTERS_DIR } from './template-files.js';
import { catalogueFile } from './catalogue-file.js';

/**
 * The shipped letter templates as the build checked them (front matter, coverage of every required
 * item of their laws, sections, facts, a trial render), beside the compiled regimes. A template's
 * check depends on the regimes it serves, so the file records the catalogue's hash too: it is used
 * only when this process was served that very compiled catalogue and the template files are the
 * ones checked (by size and mtime, else by content, as playbook/regime-cache.ts does).
 */
const CACHE = catalogueFile(import.meta.url, 'templates.json');

interface Stored {
  readonly regimes: string;
  readonly hash: string;
  readonly stamps: unknown;
  readonly templates: readonly LetterTemplate[];
}

export function writeTemplateCache(files: readonly string[], regimesHash: string, templates: readonly LetterTemplate[]): string {
  // File paths are the install's: kept as names, put back under LETTERS_DIR when read.
  const stored: Stored = { regimes: regimesHash, hash: sourcesHash(files), stamps: stamps(files), templates: templates.map((t) => ({ ...t, file: basename(t.file) })) };
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify(stored));
  return CACHE;
}

export function readTemplateCache(files: readonly string[]): LetterTemplate[] | undefined {
  const served = compiledCatalogueServed();
  if (served === undefined) return undefined;
  try {
    const data = JSON.parse(readFileSync(CACHE, 'utf8')) as Stored;
    if (data.regimes !== served || !freshSources(data, files)) return undefined;
    return data.templates.map((t) => ({ ...t, file: join(LETTERS_DIR, t.file) }));
  } catch {
    return undefined;
  }
}
