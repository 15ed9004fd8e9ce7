import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PLAYBOOKS_DIR } from './paths.js';

// Where the drills are, apart from checking them (playbook/drill.ts, which loads YAML and zod): the
// console's practice warning needs the shipped scenarios' names on every start.

export const DRILLS_DIR = join(PLAYBOOKS_DIR, 'drills');
export const SCRIPTS_DIR = join(DRILLS_DIR, 'scripts');

const yamlIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f)) : []);

export function shippedScenarioFiles(): string[] {
  return yamlIn(DRILLS_DIR);
}

export function shippedScriptFiles(): string[] {
  return yamlIn(SCRIPTS_DIR);
}
