import type { StoredEvent } from '../domain/events.js';
import type { Engine } from './engine.js';

/**
 * "Has this incident changed since the screen was drawn at seq N?" One function for every caller
 * that holds a screen open: the SQLite console re-checks before acting on a choice; a PostgreSQL
 * LISTEN/NOTIFY subscription can call the same on each notification.
 */
export interface Changes {
  /** The seq the screen was drawn at, and the seq of the log's head now. */
  readonly from: number;
  readonly to: number;
  readonly events: readonly StoredEvent[];
}

/** What was written after `seq`, or null when nothing was. */
export async function changesSince(engine: Engine, id: string, seq: number): Promise<Changes | null> {
  const events = await engine.eventsAfter(id, seq);
  if (events.length === 0) return null;
  return { from: seq, to: events[events.length - 1]!.seq, events };
}

const list = (xs: readonly string[]) => (xs.length <= 3 ? xs.join(', ') : `${xs.slice(0, 3).join(', ')} and ${xs.length - 3} more`);

/**
 * The changes in one line, as a person would say them: "since this screen: 2 entries by lena —
 * steps triage, contain done; phase analysis began".
 */
export function describeChanges(c: Changes): string {
  const n = c.events.length;
  const actors = [...new Set(c.events.map((e) => e.actor))];
  const what: string[] = [];
  const done: string[] = [];
  const skipped: string[] = [];
  const facts = new Set<string>();
  let notes = 0;
  for (const e of c.events) {
    switch (e.type) {
      case 'step.completed':
        done.push(e.payload.step);
        break;
      case 'step.skipped':
        skipped.push(e.payload.step);
        break;
      case 'facts.recorded':
        for (const k of Object.keys(e.payload.facts)) facts.add(k);
        break;
      case 'note.added':
        notes++;
        break;
      case 'phase.advanced':
        what.push(`phase ${e.payload.to} began`);
        break;
      case 'phase.reopened':
        what.push(`back to ${e.payload.to}`);
        break;
      case 'incident.closed':
        what.push('incident closed');
        break;
      case 'obligation.recorded':
        what.push(`${e.payload.obligation} ${e.payload.action}`);
        break;
      case 'obligation.triggered':
        what.push(`${e.payload.obligation} now required`);
        break;
      default:
        break;
    }
  }
  const parts = [
    ...(done.length ? [`step${done.length === 1 ? '' : 's'} ${list(done)} done`] : []),
    ...(skipped.length ? [`step${skipped.length === 1 ? '' : 's'} ${list(skipped)} skipped`] : []),
    ...(facts.size ? [`fact${facts.size === 1 ? '' : 's'} ${list([...facts])} recorded`] : []),
    ...(notes ? [`${notes} note${notes === 1 ? '' : 's'}`] : []),
    ...what,
  ];
  return `since this screen: ${n} entr${n === 1 ? 'y' : 'ies'} by ${list(actors)}${parts.length ? ` — ${parts.join('; ')}` : ''}`;
}
