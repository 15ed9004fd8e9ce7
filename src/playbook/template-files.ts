import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PLAYBOOKS_DIR } from './paths.js';

// Where the letter templates are, apart from checking them (playbook/template.ts, which loads YAML and
// zod): `irr letter` served by the build's cache needs the file names only.

export const LETTERS_DIR = join(PLAYBOOKS_DIR, '..', 'templates', 'letters');

export function shippedTemplateFiles(): string[] {
  return readdirSync(LETTERS_DIR)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(LETTERS_DIR, f));
}
