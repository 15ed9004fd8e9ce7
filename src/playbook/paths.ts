import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The playbooks folder shipped with irr (same relative place from src/ and from dist/). */
export const PLAYBOOKS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../playbooks');
export const RUNBOOKS_DIR = join(PLAYBOOKS_DIR, 'runbooks');
