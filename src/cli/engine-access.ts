import { systemClock } from '../clocks/wall.js';
import { Engine } from '../engine/engine.js';
import { EventStore } from '../store/event-store.js';
import { InvalidInput } from '../domain/errors.js';
import type { StoredEvent } from '../domain/events.js';
import type { GlobalOptions } from './context.js';
import { databaseKey } from './db-key.js';

/** Every event this process committed, so that a lost confirmation can still be named (cli/main.ts). */
const committed: StoredEvent[] = [];
export const committedEvents = (): readonly StoredEvent[] => committed;

/**
 * Open the store for one command and close it whatever happens. `readonly`: the command only
 * reads, so the file is opened read-only (it works on a 0444 copy or in a read-only folder).
 */
export async function withEngine<T>(g: GlobalOptions, opts: { create: boolean; readonly?: boolean; key?: string }, fn: (engine: Engine) => Promise<T> | T): Promise<T> {
  // Only init, push and pull speak to a team server so far; never create a file named like a URL.
  if (/^postgres(ql)?:\/\//i.test(g.db)) {
    throw new InvalidInput(`--db: this command does not run on a PostgreSQL server yet (irr init, irr verify, irr push --to and irr pull --from do); pull the incident into a file to read it: irr pull <incident> --from <url> --db <file>`);
  }
  // An encrypted file's key: from --key-file / IRR_KEY_FILE or the prompt (db-key.ts); `key` given: a new database's.
  const store = EventStore.open(g.db, { ...opts, key: opts.key ?? (await databaseKey(g)) });
  try {
    const { LocalSigning } = await import('./keys.js');
    return await fn(new Engine(store, systemClock, (events) => committed.push(...events), new LocalSigning(g.passphrase ?? {})));
  } finally {
    store.close();
  }
}
