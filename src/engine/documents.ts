import type { DocumentRendered, StoredEvent } from '../domain/events.js';
import type { Actor } from './decide.js';
import type { Engine } from './engine.js';

/**
 * Records that a document was produced: which template, for which obligation, and the SHA-256 of
 * the bytes written, so a copy found later can be matched to the moment it was made.
 */
export async function recordDocument(engine: Engine, id: string, who: Actor, payload: DocumentRendered): Promise<StoredEvent> {
  const { events } = await engine.execute(id, () => [{ type: 'document.rendered', ...who, payload }]);
  return events[0]!;
}
