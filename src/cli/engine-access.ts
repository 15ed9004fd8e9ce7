import { systemClock } from '../clocks/wall.js';
import { Engine } from '../engine/engine.js';
import { EventStore } from '../store/event-store.js';
import type { GlobalOptions } from './context.js';

/** Open the store for one command and close it whatever happens. */
export async function withEngine<T>(g: GlobalOptions, opts: { create: boolean }, fn: (engine: Engine) => Promise<T> | T): Promise<T> {
  const store = EventStore.open(g.db, opts);
  try {
    return await fn(new Engine(store, systemClock));
  } finally {
    store.close();
  }
}
