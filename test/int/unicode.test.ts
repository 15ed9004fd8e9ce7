import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clocks/wall.js';
import { InvalidInput } from '../../src/domain/errors.js';
import type { NewEvent } from '../../src/domain/events.js';
import { Engine } from '../../src/engine/engine.js';
import { verifyIncident } from '../../src/engine/verify.js';
import { loadRunbookFile } from '../../src/playbook/runbook.js';
import { EventStore } from '../../src/store/event-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
/** Who acts, now (the engine's who() is asynchronous; decide callbacks are not). */
const whoNow = (actor: string) => ({ actor, at: new Date().toISOString() });
import { MINI, tempDir } from '../helpers.js';

/**
 * Issue 10, defect 7: the hash is computed over exactly the bytes stored, so no string the store
 * accepts can later look tampered with; a string SQLite could not store as given (a lone
 * surrogate) is refused before anything is written. Events go through the engine's append
 * directly, past the CLI's own checks, so the store's boundary is what is tested.
 */
const lone = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 10 }), lone, fc.string({ maxLength: 10 })).map(([a, b, c]) => a + b + c),
);
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

describe('any accepted string round-trips: append → verify ok', () => {
  it('notes, fact values and actors (fast-check, 150 runs)', async () => {
    const db = join(tempDir(), 'irr.db');
    const engineFile = EventStore.open(db, { create: true });
    const engine = new Engine(new SqliteStore(engineFile), systemClock);
    const { incident } = await engine.open({ playbook: loadRunbookFile(MINI), title: 'Unicode', who: whoNow('alice') });
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(text, text, text, async (note, actor, value) => {
        const at = systemClock.now();
        const events: NewEvent[] = [
          { type: 'note.added', actor: `a${actor}`, at, payload: { text: note } },
          { type: 'facts.recorded', actor: 'b', at, payload: { facts: { organisation_name: `o${value}` } } },
        ];
        const before = engineFile.head(incident).seq;
        const ok = wellFormed(note) && wellFormed(actor) && wellFormed(value);
        if (!ok) {
          await expect(engine.execute(incident, () => events)).rejects.toThrow(InvalidInput);
          await expect(engine.execute(incident, () => events)).rejects.toThrow(/is not well-formed Unicode/);
          expect(engineFile.head(incident).seq).toBe(before);
          refused++;
          return;
        }
        await engine.execute(incident, () => events);
        const stored = engineFile.events(incident, before);
        expect(stored.map((e) => [e.actor, e.payload])).toEqual(events.map((e) => [e.actor, e.payload]));
        const v = await verifyIncident(engine, incident);
        expect(v.problems ?? []).toEqual([]);
        accepted++;
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(10);
    // And from a fresh process's point of view: a new store re-hashes the text on disk.
    engineFile.close();
    const againFile = EventStore.open(db, { create: false, readonly: true });
    const again = new Engine(new SqliteStore(againFile), systemClock);
    expect((await verifyIncident(again, incident)).ok).toBe(true);
  });
});
