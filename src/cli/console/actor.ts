import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkText } from '../../domain/text.js';
import { InvalidInput } from '../../domain/errors.js';
import { isSystemAccount, osUser, type GlobalOptions } from '../context.js';
import { GoBack, type Prompter } from './prompter.js';

/**
 * Who is acting in the console, on SQLite. `--as`/`IRR_ACTOR` win; otherwise the console asks on
 * first use of a database and remembers the answer for that database file and OS user.
 *
 * Remembered in the OS user's own config folder ($XDG_CONFIG_HOME/irr/actors.json, else
 * ~/.config/irr/actors.json), keyed by the database's absolute path: not in the database, whose
 * log is evidence (append-only, hashed, pushed to a team server) and is shared by everyone who opens
 * the file, while "who sits at this account" is a local preference of one OS user. The answer
 * becomes evidence only as the actor of each event it writes.
 */

export function actorsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.trim() !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'irr', 'actors.json');
}

type Remembered = Record<string, string>;

function readRemembered(file: string): Remembered {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    // A damaged preferences file only means the console asks again; it is rewritten on the answer.
    return {};
  }
}

/** Written whole, owner-only, then renamed: a crash leaves the old file or the new, never half. */
function writeRemembered(file: string, data: Remembered): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function rememberedActor(db: string, file = actorsFile()): string | undefined {
  return readRemembered(file)[resolve(db)];
}

export function rememberActor(db: string, actor: string, file = actorsFile()): void {
  writeRemembered(file, { ...readRemembered(file), [resolve(db)]: actor });
}

/** The console's options with the actor settled: named, remembered, or asked (and remembered). */
export async function consoleActor(g: GlobalOptions, p: Prompter): Promise<GlobalOptions> {
  if (g.actorNamed) return g;
  const known = rememberedActor(g.db);
  const settle = (actor: string): GlobalOptions => ({ db: g.db, json: g.json, actor, actorNamed: false });
  if (known !== undefined) return settle(known);
  const user = osUser();
  const suggestion = isSystemAccount(user) ? undefined : user.name;
  const ask = () => p.input({
    message: `Who is acting? Your name goes with every entry in ${g.db}${isSystemAccount(user) ? ` (the OS account "${user.name}" is not a person)` : ''}`,
    ...(suggestion ? { default: suggestion } : {}),
    validate: (a) => {
      if (a.trim() === '') return 'give your name (or initials); it is recorded with each entry';
      try {
        checkText('name', a.trim());
        return null;
      } catch (err) {
        return err instanceof InvalidInput ? err.message : 'not a usable name';
      }
    },
  });
  let answer: string | undefined;
  // The first question has nowhere to go back to: Esc asks it again.
  while (answer === undefined) answer = await ask().catch((err: unknown) => (err instanceof GoBack ? undefined : Promise.reject(err)));
  const actor = answer.trim();
  rememberActor(g.db, actor);
  return settle(actor);
}
