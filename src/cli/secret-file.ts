import { readFileSync, statSync } from 'node:fs';
import { InvalidInput } from '../domain/errors.js';

/**
 * A file holding a secret (a key, a passphrase): read only if no one but its owner can read or
 * write it (mode 0600 or stricter), the rule ssh applies to its keys. Anything else is refused with
 * one line naming the flag, exit 2.
 */
export function readSecretFile(path: string, flag: string): string {
  let mode: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InvalidInput(`${flag}: ${path} is not a regular file`);
    mode = st.mode & 0o777;
  } catch (err) {
    if (err instanceof InvalidInput) throw err;
    throw new InvalidInput(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if ((mode & 0o077) !== 0) {
    throw new InvalidInput(`${flag}: ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); a secret file must be mode 0600 (chmod 600 ${path})`);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInput(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
