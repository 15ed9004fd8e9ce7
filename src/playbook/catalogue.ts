import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInput } from '../domain/errors.js';
import { RUNBOOKS_DIR } from './paths.js';
import { loadRunbookFile, type LoadedRunbook } from './runbook.js';

export { PLAYBOOKS_DIR, RUNBOOKS_DIR } from './paths.js';

export function shippedRunbookFiles(): string[] {
  return readdirSync(RUNBOOKS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(RUNBOOKS_DIR, f));
}

export function listShippedRunbooks(): LoadedRunbook[] {
  return shippedRunbookFiles().map(loadRunbookFile);
}

/** `--playbook` takes a shipped id or a path to a YAML file. */
export function resolveRunbook(idOrFile: string): LoadedRunbook {
  if (/[\\/]/.test(idOrFile) || /\.ya?ml$/.test(idOrFile)) return loadRunbookFile(idOrFile);
  const file = shippedRunbookFiles().find((f) => f.endsWith(`/${idOrFile}.yaml`) || f.endsWith(`/${idOrFile}.yml`));
  if (!file) {
    const ids = shippedRunbookFiles().map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, ''));
    throw new InvalidInput(`no shipped runbook "${idOrFile}" (available: ${ids.join(', ')}; or give a path to a .yaml file)`, [], { flag: '--playbook' });
  }
  return loadRunbookFile(file);
}
