import { systemClock } from '../clocks/wall.js';
import { Engine } from '../engine/engine.js';
import { EventStore } from '../store/event-store.js';
import type { StoredEvent } from '../domain/events.js';
import type { GlobalOptions } from './context.js';

/** Every event this process committed, so that a lost confirmation can still be named (cli/main.ts). */
const committed: StoredEvent[] = [];
export const committedEvents = (): readonly StoredEvent[] => committed;

/**
 * Open the store for one command and close it whatever happens. `readonly`: the command only
 * reads, so the file is opened read-only (it works on a 0444 copy or in a read-only folder).
 */
export async function withEngine<T>(g: GlobalOptions, opts: { create: boolean; readonly?: boolean }, fn: (engine: Engine) => Promise<T> | T): Promise<T> {
  const store = EventStore.open(g.db, opts);
  try {
    return await fn(new Engine(store, systemClock, (events) => committed.push(...events)));
  } finally {
    store.close();
  }
}
