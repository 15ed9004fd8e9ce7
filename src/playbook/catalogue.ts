import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInput } from '../domain/errors.js';
import { RUNBOOKS_DIR } from './paths.js';
import type { LoadedRunbook } from './runbook.js';
import { cachedRunbook } from './runbook-cache.js';
import { readTextFile } from './text-file.js';

export { PLAYBOOKS_DIR, RUNBOOKS_DIR } from './paths.js';

export function shippedRunbookFiles(): string[] {
  return readdirSync(RUNBOOKS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(RUNBOOKS_DIR, f));
}

/**
 * A runbook file, checked. Async so that the YAML parser and zod (playbook/runbook.js) are loaded
 * only when the file is not one the build checked (playbook/runbook-cache.ts).
 */
async function load(file: string): Promise<LoadedRunbook> {
  const text = readTextFile(file);
  const hit = cachedRunbook(file, text);
  if (hit) return hit;
  const [{ loadRunbookSource }, { YamlSource }] = await Promise.all([import('./runbook.js'), import('./yaml-source.js')]);
  return loadRunbookSource(YamlSource.fromText(file, text));
}

export async function listShippedRunbooks(): Promise<LoadedRunbook[]> {
  const all: LoadedRunbook[] = [];
  for (const f of shippedRunbookFiles()) all.push(await load(f));
  return all;
}

/** `--playbook` takes a shipped id or a path to a YAML file: the file it names. */
export function runbookFileFor(idOrFile: string): string {
  if (/[\\/]/.test(idOrFile) || /\.ya?ml$/.test(idOrFile)) return idOrFile;
  const file = shippedRunbookFiles().find((f) => f.endsWith(`/${idOrFile}.yaml`) || f.endsWith(`/${idOrFile}.yml`));
  if (!file) {
    const ids = shippedRunbookFiles().map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, ''));
    throw new InvalidInput(`no shipped runbook "${idOrFile}" (available: ${ids.join(', ')}; or give a path to a .yaml file)`, [], { flag: '--playbook' });
  }
  return file;
}

export async function resolveRunbook(idOrFile: string): Promise<LoadedRunbook> {
  return load(runbookFileFor(idOrFile));
}
