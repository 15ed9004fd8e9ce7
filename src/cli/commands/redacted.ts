import { localTime } from '../../clocks/zone.js';
import { systemClock } from '../../clocks/wall.js';
import { IntegrityFailure } from '../../domain/errors.js';
import { oneLine } from '../../domain/text.js';
import type { Engine } from '../../engine/engine.js';
import type { StoredEvent } from '../../domain/events.js';
import { redactedStatus, type RedactedLog } from '../../engine/redacted-log.js';
import { describeEntry, isLate, withdrawals } from '../../engine/views.js';
import { zoneOrExit, type GlobalOptions } from '../context.js';
import { printJson, printLines, table } from '../output.js';

/**
 * `irr log` and `irr status` for the comms role on a team server (issue 15): a communications lead
 * needs the timeline and where each notice stands, and may not read the facts and notes. Both show
 * every entry, the hidden ones as such, with the chain checked as far as that role can.
 */

const HIDDEN = 'hidden from the comms role';

const WITHHELD = 'withheld from the comms role';
/** What comms never reads of an entry it sees (PostgreSQL migration 8): text written from the facts or by a responder. */
const WITHHELD_WHAT = "reasons, descriptions, texts and messages, a mail merge's counts, what a withdrawal restores of a note or reason";

function hiddenLines(log: RedactedLog): string[] {
  const n = log.entries.length;
  return [
    `${log.hidden} of ${n} entr${n === 1 ? 'y is' : 'ies are'} ${HIDDEN} (facts, notes, steps recorded with a note, withdrawals of facts or notes): the chain's links across them were checked, their contents could not be`,
    ...(log.partial > 0 ? [`${log.partial} of ${n} entr${n === 1 ? 'y is' : 'ies are'} shown with fields ${WITHHELD} (${WITHHELD_WHAT}, which may quote the facts): their links were checked, their own hashes could not be`] : []),
    ...(log.hidden + log.partial > 0 ? [`from the first of those on, the hashes shown are keyed digests (a real hash would let this role test guesses of what is hidden): every link is checked, no entry is re-hashed; irr verify as a responder or auditor checks everything`] : []),
  ];
}

/** The entry as this role may describe it: a withheld text field reads as withheld, never as absent. */
function shownEvent(e: StoredEvent, withheld: readonly string[]): StoredEvent {
  if (withheld.length === 0) return e;
  const payload: Record<string, unknown> = { ...(e.payload as Record<string, unknown>) };
  for (const field of withheld) if (!field.includes('.') && !field.startsWith('by_') && field !== 'language_fallbacks') payload[field] = `(${WITHHELD})`;
  return { ...e, payload } as StoredEvent;
}

async function checkedLog(engine: Engine, id: string): Promise<RedactedLog> {
  const log = await engine.redactedLog(id);
  if (log.problem) throw new IntegrityFailure(`integrity failure in ${id} at seq ${log.problem.seq}: ${log.problem.problem} (as far as the comms role can check; irr verify as a responder or auditor shows every problem)`);
  return log;
}

export async function redactedLogCommand(g: GlobalOptions, engine: Engine, id: string): Promise<void> {
  const runbook = await engine.runbookOf(await engine.incident(id));
  const log = await checkedLog(engine, id);
  const withdrawn = withdrawals(log.entries.flatMap((e) => (e.event ? [shownEvent(e.event, e.withheld)] : [])));
  const what = (e: RedactedLog['entries'][number]) => (e.event ? describeEntry(shownEvent(e.event, e.withheld), runbook, withdrawn) : `${e.header.type} (${HIDDEN})`);
  if (g.json) {
    printJson(
      log.entries.map((e) => ({
        seq: e.header.seq,
        type: e.header.type,
        at: e.header.at,
        recorded_at: e.header.recorded_at,
        actor: e.header.actor,
        late: isLate(e.header),
        what: what(e),
        payload: e.event ? e.event.payload : null,
        hash: e.header.hash,
        withdrawn_by: withdrawn.get(e.header.seq)?.seq ?? null,
        hidden: !e.event,
        withheld: e.event ? e.withheld : [],
      })),
    );
    return;
  }
  const zone = zoneOrExit();
  const now = systemClock.now();
  const rows = log.entries.map((e) => [String(e.header.seq), localTime(e.header.at, zone, now), `${localTime(e.header.recorded_at, zone, now)}${isLate(e.header) ? ' LATE' : ''}`, e.header.actor, oneLine(what(e))]);
  printLines([...table(rows, ['SEQ', 'AT', 'RECORDED', 'ACTOR', 'WHAT']), '', ...hiddenLines(log)]);
}

export async function redactedStatusCommand(g: GlobalOptions, engine: Engine, id: string): Promise<void> {
  const row = await engine.incident(id);
  const log = await checkedLog(engine, id);
  const s = redactedStatus(log);
  const head = log.entries.at(-1)?.header;
  if (g.json) {
    printJson({
      ok: true,
      id,
      title: row.title,
      mode: row.mode,
      phase: s.phase,
      seq: head?.seq ?? 0,
      head_hash: head?.hash ?? null,
      read_as: 'comms',
      hidden: { entries: log.hidden, of: log.entries.length, what: 'facts, notes, steps recorded with a note, withdrawals of facts or notes' },
      withheld: { entries: log.partial, of: log.entries.length, what: WITHHELD_WHAT },
      notices: s.notices,
    });
    return;
  }
  const zone = zoneOrExit();
  const now = systemClock.now();
  const when = (by: string | undefined, at: string | undefined) => (at ? `${by ?? '?'} ${localTime(at, zone, now)}` : '-');
  const notices = s.notices.map((n) => [n.obligation, n.status.replace('_', ' '), when(n.drafted_by, n.drafted_at), when(n.approved_by, n.approved_at), n.sent_at ? `${when(n.sent_by, n.sent_at)}${n.channel ? ` via ${n.channel}` : ''}${n.ref ? ` (${n.ref})` : ''}` : '-']);
  printLines([
    `${id}  ${oneLine(row.title)}${row.mode === 'drill' ? ' [drill]' : ''}`,
    `phase: ${s.phase}  (read as the comms role: facts and notes are hidden)`,
    '',
    ...(notices.length ? table(notices, ['NOTICE', 'STATUS', 'DRAFTED', 'APPROVED', 'SENT']) : ['no notice has been required or recorded yet']),
    '',
    ...hiddenLines(log),
    'deadlines are computed from the facts, so they are not shown to this role: a responder sees them with irr clocks',
  ]);
}

/** `irr list` for the comms role: the incidents and their phases; severity and deadlines rest on facts. */
export async function redactedListCommand(g: GlobalOptions, engine: Engine, opts: { all?: boolean }): Promise<void> {
  const items = [];
  for (const r of await engine.incidents()) {
    const row = await engine.incident(r.id);
    if (!opts.all && row.mode !== 'real') continue;
    const runbook = await engine.runbookOf(row);
    const log = await checkedLog(engine, r.id);
    items.push({ id: row.id, title: row.title, mode: row.mode, phase: redactedStatus(log).phase, playbook: runbook.id, opened_at: row.opened_at, severity: null, next_deadline: null, read_as: 'comms' as const });
  }
  if (g.json) {
    printJson(items);
    return;
  }
  if (items.length === 0) {
    printLines('no incidents yet');
    return;
  }
  const zone = zoneOrExit();
  const now = systemClock.now();
  printLines([
    ...table(
      items.map((i) => [i.id, i.phase, localTime(i.opened_at, zone, now), oneLine(i.title)]),
      ['ID', 'PHASE', 'OPENED', 'TITLE'],
    ),
    '',
    'read as the comms role: severity and deadlines are computed from the facts, which are hidden from this role',
  ]);
}
