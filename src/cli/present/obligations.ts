import pc from '../../render/colors.js';
import { byUrgency, factsToEstablish, type Obligation } from '../../assess/obligations.js';
import { localTime, localWithUtc } from '../../clocks/zone.js';
import { isDecidedNotToSend, isSent, voluntaryWords } from '../../domain/obligation.js';
import { dayHourMinute } from '../../domain/duration.js';
import { byCodeUnits } from '../../domain/order.js';
import { zoneOrExit } from '../context.js';

/**
 * How duties and their clocks read on a terminal, shared by `irr assess`, `irr clocks` and the
 * console (which therefore imports no command module).
 */

const STATUS_LABEL: Record<string, string> = {
  overdue: 'OVERDUE',
  due_soon: 'DUE SOON',
  running: 'running',
  not_started: 'clock not started',
  undetermined: 'undetermined',
  met: 'met',
  late: 'LATE',
  waived: 'waived',
  not_applicable: 'not applicable',
  not_required: 'not required',
};

export function statusLabel(o: Obligation): string {
  // A voluntary notice is never "not required" nor, once sent, "met" of a duty: it was a recommendation.
  const label = o.recommended && o.status === 'not_required' ? 'recommended (voluntary)' : o.recommended && (o.status === 'met' || o.status === 'late') ? 'sent (voluntary)' : o.status === 'waived' && o.waiver?.override ? 'waived (override)' : o.status === 'undetermined' && o.speculative ? 'undetermined (lead)' : STATUS_LABEL[o.status]!;
  return o.status === 'overdue' || o.status === 'late' ? pc.red(label) : o.status === 'due_soon' ? pc.yellow(label) : label;
}

/** "2 d 4 h", "3 h 12 min", "-5 h 2 min" (overdue). */
export function remaining(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const { d, h, m } = dayHourMinute(ms);
  return `${sign}${d ? `${d} d ` : ''}${d || h ? `${h} h` : ''}${d ? '' : ` ${m} min`}`.trim();
}

/**
 * An instant in the responder's zone (IRR_TZ, else this machine's) with the zone named, and UTC
 * beside it unless that zone is at UTC then: "Mon 2 Mar 10:30 CET (09:30 UTC)".
 */
export function localAndUtc(isoTime: string): string {
  return localWithUtc(isoTime, zoneOrExit());
}

/** The same without UTC beside it ("Mon 2 Mar 10:30 CET"), where a list line must stay short. */
export function localShort(isoTime: string): string {
  return localTime(isoTime, zoneOrExit());
}

/**
 * A deadline as a person reads it: local time with the zone named, and UTC beside it unless the
 * zone is UTC ("Thu 5 Mar 09:00 CET (08:00 UTC)"); the year is shown when it is not `now`'s.
 */
export function clockTime(iso: string, now: string): string {
  return localWithUtc(iso, zoneOrExit(), now);
}

/** The board: obligations that are or may be owed, or were settled by a record; most urgent first. */
export function board(obligations: readonly Obligation[]): Obligation[] {
  return obligations.filter((o) => o.required !== false || isSent(o.status) || isDecidedNotToSend(o.status)).sort(byUrgency);
}

/**
 * Voluntary regimes that reach the incident (Hong Kong, Argentina): no legal duty, and the authority
 * recommends notifying. Shown apart from the board, so that silence never reads as "not required".
 */
export function recommendedRows(obligations: readonly Obligation[]): Obligation[] {
  return obligations.filter((o) => o.recommended && !board([o]).length);
}

/** "hk-pdpo-voluntary (HK): no legal duty; notification recommended by Office of the Privacy Commissioner…; not sent". */
export function recommendedLine(o: Obligation, when: (iso: string) => string): string {
  const state = o.sent_at ? `sent ${when(o.sent_at)}` : isDecidedNotToSend(o.status) ? 'decided not to send' : 'not sent';
  return `${o.id} (${o.jurisdiction}, to ${o.audience.replace('_', ' ')}): ${voluntaryWords(o.authorities[0]?.name)}; ${state}`;
}

/** "establish subjects_by_jurisdiction first: it decides 118 duties; then data_categories (95), entity_role (5)". */
export function establishLine(obligations: readonly Obligation[], limit = 3): string | undefined {
  const [first, ...then] = factsToEstablish(obligations, limit);
  if (first === undefined) return undefined;
  // The first says what the number means; the others keep the line inside a terminal's width.
  const rest = then.length ? `; then ${then.map((f) => `${f.fact} (${f.decides})`).join(', ')}` : '';
  return `establish ${first.fact} first: it decides ${first.decides} dut${first.decides === 1 ? 'y' : 'ies'}${rest}`;
}

/** "US-GA  2 undetermined (us-ga-cra, us-ga-individuals): establish data_categories" — one line per jurisdiction. */
export function byJurisdictionLines(rows: readonly Obligation[], indent = ''): string[] {
  const groups = new Map<string, Obligation[]>();
  for (const o of rows) groups.set(o.jurisdiction, [...(groups.get(o.jurisdiction) ?? []), o]);
  const width = Math.max(...[...groups.keys()].map((j) => j.length));
  return [...groups].sort(([a], [b]) => byCodeUnits(a, b)).map(([j, list]) => {
    const facts = [...new Set(list.flatMap((o) => o.unknown_facts))];
    return `${indent}${j.padEnd(width)}  ${list.length} (${list.map((o) => o.id).join(', ')})${facts.length ? `: establish ${facts.join(', ')}` : ''}`;
  });
}

/** What became of a duty on a closed incident: its clock no longer ticks. */
/** `when` writes the time: UTC for --json (unchanged), local with the zone named for people. */
export function outcome(o: Obligation, when: (iso: string) => string = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`): string {
  if (o.sent_at) return `${o.status === 'late' ? 'sent LATE' : 'sent'} ${when(o.sent_at)}`;
  if (o.status === 'waived') return o.waiver?.override ? 'waived (override)' : `waived under ${o.waiver?.exemption ?? '?'}`;
  if (o.status === 'not_applicable') return 'not applicable (decision)';
  if (o.status === 'not_required') return o.recommended ? 'recommended (voluntary), not sent' : 'not required';
  return `${o.status.replace('_', ' ')} at close`;
}
