import { systemClock } from '../clocks/wall.js';
import { Engine } from '../engine/engine.js';
import { openStore } from '../store/port.js';
import type { StoredEvent } from '../domain/events.js';
import type { GlobalOptions } from './context.js';
import { databaseKey } from './db-key.js';

/** Every event this process committed, so that a lost confirmation can still be named (cli/main.ts). */
const committed: StoredEvent[] = [];
export const committedEvents = (): readonly StoredEvent[] => committed;
/** A new command (main() run again in the same process, as the tests do) has committed nothing yet. */
export const forgetCommitted = (): void => {
  committed.length = 0;
};

/**
 * Open the store for one command (`--db`: a SQLite file, or a postgres:// team server) and close
 * it whatever happens. `readonly`: the command only reads, so the file is opened read-only (it
 * works on a 0444 copy or in a read-only folder), or the server session is read-only. On a
 * server, the actor is the role the responder connected as (see GlobalOptions.actOnServer).
 */
export async function withEngine<T>(g: GlobalOptions, opts: { create: boolean; readonly?: boolean; key?: string }, fn: (engine: Engine) => Promise<T> | T): Promise<T> {
  const engine = await openEngine(g, opts);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/**
 * The engine over the store `--db` names; the caller closes it (engine.close()). An encrypted
 * file's key comes from --key-file / IRR_KEY_FILE or the prompt (db-key.ts); `key` given: a new
 * database's. Signing keys come from this account's keys folder (keys.ts).
 */
export async function openEngine(g: GlobalOptions, opts: { create: boolean; readonly?: boolean; key?: string }): Promise<Engine> {
  const store = await openStore(g.db, { ...opts, key: opts.key ?? (await databaseKey(g)) });
  try {
    if (store.serverUser !== undefined) g.actOnServer?.(store.serverUser);
  } catch (err) {
    await store.close();
    throw err;
  }
  const { LocalSigning } = await import('./keys.js');
  return new Engine(store, systemClock, (events) => committed.push(...events), new LocalSigning(g.passphrase ?? {}));
}
