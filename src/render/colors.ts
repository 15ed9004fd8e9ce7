import { createRequire } from 'node:module';
import type Picocolors from 'picocolors';

/**
 * picocolors, required as the CommonJS module it is. Importing a CommonJS package through the ESM
 * loader starts the loader's export lexer (~3 ms, once per process); with this, the commands that
 * read (status, clocks) load no CommonJS package through it (commander and better-sqlite3 are
 * required the same way).
 */
const pc = createRequire(import.meta.url)('picocolors') as typeof Picocolors;
export default pc;
