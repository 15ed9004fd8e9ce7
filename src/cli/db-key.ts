import { Interrupted, InvalidInput } from '../domain/errors.js';
import { keyNeeded, looksEncrypted } from '../store/encryption.js';
import { isPostgresUrl } from '../store/port.js';
import type { GlobalOptions } from './context.js';
import { readSecretFile } from './secret-file.js';

/**
 * The passphrase of an encrypted SQLite database: from a key file (`--key-file`, else
 * `IRR_KEY_FILE`, each naming a file of mode 0600 — never the secret itself, so it shows neither in
 * `ps` nor in a shell's environment dump), else typed at a prompt that echoes nothing. Asked only
 * when the file is encrypted; a non-terminal stdin gets the one-line error instead of a prompt.
 */

/** Resolved once per process and database (the console opens the store more than once). */
const resolved = new Map<string, string | undefined>();
/** A new command (main() run again in the same process, as the tests do) asks afresh. */
export const forgetDatabaseKeys = (): void => resolved.clear();

/** The key file named on the command line or in the environment, with the name to blame. */
export function keyFileOf(g: GlobalOptions): { readonly path: string; readonly flag: string } | undefined {
  if (g.keyFile !== undefined) return { path: g.keyFile, flag: '--key-file' };
  const env = process.env.IRR_KEY_FILE;
  if (env !== undefined && env !== '') return { path: env, flag: 'IRR_KEY_FILE' };
  return undefined;
}

/** The passphrase a key file holds: its content without the final line break an editor adds. */
export function readKeyFile(file: { readonly path: string; readonly flag: string }): string {
  const text = readSecretFile(file.path, file.flag).replace(/\r?\n$/, '');
  if (text === '') throw new InvalidInput(`${file.flag}: ${file.path} is empty; it must hold the passphrase`, [], { flag: file.flag });
  return text;
}

/** Whether a prompt can be put: stdin is a terminal (tests and scripts pipe it, and get the error). */
const canPrompt = (): boolean => process.stdin.isTTY === true;

/** Ask on stderr, so that `--json` on stdout stays clean. Nothing typed is echoed. */
async function ask(message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message }, { output: process.stderr });
  } catch (err) {
    // Ctrl-C at the prompt: nothing was opened or changed (exit 130, as in the console).
    if ((err as Error)?.name === 'ExitPromptError') throw new Interrupted('stopped at the passphrase prompt; nothing was changed');
    throw err;
  }
}

/**
 * The key for opening an existing database: undefined for a plain file, a URL or a file that does
 * not exist yet (it is created plain, unless a key file is given: then it is created encrypted).
 */
export async function databaseKey(g: GlobalOptions, path = g.db): Promise<string | undefined> {
  if (resolved.has(path)) return resolved.get(path);
  let key: string | undefined;
  const file = keyFileOf(g);
  if (isPostgresUrl(path)) key = undefined;
  else if (file !== undefined) key = readKeyFile(file);
  else if (looksEncrypted(path)) {
    if (!canPrompt()) throw keyNeeded(path);
    key = await ask(`Passphrase for ${path}:`);
    if (key === '') throw keyNeeded(path);
  }
  resolved.set(path, key);
  return key;
}

/** What `databaseKey` resolved for this database earlier in the process (the console's synchronous open). */
export function knownKey(g: GlobalOptions, path = g.db): string | undefined {
  return resolved.get(path);
}

/**
 * A new key, for `irr init --encrypt` and `irr db encrypt`: the key file, or a passphrase typed
 * twice. Refused (exit 2) with neither.
 */
export async function newKey(g: GlobalOptions, command: string): Promise<string> {
  const file = keyFileOf(g);
  if (file !== undefined) return readKeyFile(file);
  if (!canPrompt()) {
    throw new InvalidInput(`${command}: give the new key: --key-file <path> or IRR_KEY_FILE (a file of mode 0600 holding the passphrase), or run it in a terminal to type one`, [], { flag: '--key-file' });
  }
  const first = await ask(`New passphrase for ${g.db}:`);
  if (first.length < 8) throw new InvalidInput(`${command}: the passphrase must have at least 8 characters; nothing was changed`, [], { flag: '--key-file' });
  const again = await ask('The same passphrase again:');
  if (again !== first) throw new InvalidInput(`${command}: the two passphrases differ; nothing was changed`, [], { flag: '--key-file' });
  return first;
}
