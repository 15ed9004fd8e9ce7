import pc from 'picocolors';
import { byUrgency, factsToEstablish, type Obligation } from '../../assess/obligations.js';
import { isDecidedNotToSend, isSent, isSettled, voluntaryWords } from '../../domain/obligation.js';
import { recordObligation } from '../../engine/actions.js';
import { assessIncident } from '../../engine/obligations.js';
import { oneLine } from '../../domain/text.js';
import { notCoveredLine } from '../../assess/coverage.js';
import { dayHourMinute } from '../../domain/duration.js';
import { parseAt, zoneOrExit, type GlobalOptions } from '../context.js';
import { localWithUtc } from '../../clocks/zone.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines, table } from '../output.js';
import { checkOutput, dbGuard, writeOutput, type OutputTarget } from '../output-file.js';
import { statusLabel } from './assess.js';
import { byCodeUnits } from '../../domain/order.js';

/** "2 d 4 h", "3 h 12 min", "-5 h 2 min" (overdue). */
export function remaining(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const { d, h, m } = dayHourMinute(ms);
  return `${sign}${d ? `${d} d ` : ''}${d || h ? `${h} h` : ''}${d ? '' : ` ${m} min`}`.trim();
}

/** Local wall time of the responder's machine, with its offset, beside UTC. */
export function localAndUtc(isoTime: string): string {
  const d = new Date(isoTime);
  const off = -d.getTimezoneOffset();
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} ${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return off === 0 ? `${local.slice(0, 16)} UTC` : `${local} = ${isoTime.slice(11, 16)} UTC`;
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

/** Above this many, the undetermined duties without a deadline are shown one line per jurisdiction. */
const GROUP_ABOVE = 12;

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

export async function clocks(g: GlobalOptions, id: string, opts: { now?: string; ics?: string; force?: boolean; all?: boolean }): Promise<void> {
  const at = parseAt(opts.now, '--now');
  const ics = opts.ics !== undefined ? checkOutput({ flag: '--ics', path: opts.ics, force: opts.force, guard: [dbGuard(g.db)] }) : null;
  let now = '';
  const { loaded, assessment } = await withEngine(g, { create: false, readonly: true }, async (engine) => assessIncident(engine, id, (now = at ?? (await engine.now(id)))));
  const rows = board(assessment.obligations);
  const voluntary = recommendedRows(assessment.obligations);
  const closed = loaded.phase === 'closed';
  const ticking = (o: Obligation) => !closed && o.due !== null && !isSettled(o.status) && !o.speculative;
  if (ics) await writeIcs(ics, loaded.ctx.id, loaded.ctx.title, closed ? [] : rows);
  const first = closed ? [] : factsToEstablish(assessment.obligations);
  if (g.json) {
    printJson({
      ok: true,
      incident: id,
      now,
      closed,
      establish_first: first,
      uncovered: assessment.uncovered,
      clocks: rows.map((o) => ({ ...o, remaining_ms: !closed && o.due ? Date.parse(o.due) - Date.parse(now) : null, ...(closed ? { outcome: outcome(o) } : {}) })),
      // Voluntary regimes that apply: no legal duty, notification recommended (not clocks: nothing is owed).
      recommended: voluntary.map((o) => ({ ...o, words: voluntaryWords(o.authorities[0]?.name) })),
    });
    return;
  }
  const lines = [pc.bold(`${loaded.ctx.id}  ${oneLine(loaded.ctx.title)} — legal clocks at ${clockTime(now, now)}`)];
  const gap = notCoveredLine(assessment.uncovered);
  if (gap) lines.push(pc.bold(pc.red(gap)));
  const when = (iso: string) => clockTime(iso, now);
  const recommendedBlock = voluntary.length ? ['recommended, no legal duty (voluntary):', ...voluntary.map((o) => `  ${recommendedLine(o, when)}`)] : [];
  // "Not required" is only ever said of the laws irr has rules for.
  const scope = gap ? ' under the laws irr has rules for' : '';
  if (closed) {
    lines.push(`closed ${clockTime(loaded.ctx.phases.at(-1)!.at, now)}: the clocks no longer run; what became of each duty:`);
    if (rows.length === 0) lines.push(`no notification was legally required${scope}`);
    else lines.push(...table(rows.map((o) => [o.id, outcome(o, when), o.audience]), ['OBLIGATION', 'OUTCOME', 'TO']));
    lines.push(...recommendedBlock);
    printLines(lines);
    return;
  }
  if (rows.length === 0) lines.push(`no notification is legally required or undetermined${scope} (irr assess explains every regime)`);
  const lead = establishLine(assessment.obligations);
  if (lead) lines.push(lead);
  // Leads (undetermined, nothing recorded points to them) are a count, not a line each: on a new
  // incident they are most of a 130-regime catalogue. --all lists them, one line per jurisdiction.
  const leads = rows.filter((o) => o.speculative);
  const undetermined = rows.filter((o) => !o.speculative && o.status === 'undetermined' && o.due === null);
  const grouped = undetermined.length > GROUP_ABOVE ? new Set(undetermined) : new Set<Obligation>();
  const listed = rows.filter((o) => !o.speculative && !grouped.has(o));
  if (leads.length) lines.push(`${leads.length} possible dut${leads.length === 1 ? 'y is a lead' : 'ies are leads'} until those facts are known${opts.all ? ':' : ' (irr clocks --all lists them; irr assess explains each)'}`);
  if (opts.all && leads.length) lines.push(...byJurisdictionLines(leads, '  '));
  if (grouped.size) lines.push(`${grouped.size} duties undetermined, by jurisdiction:`, ...byJurisdictionLines(undetermined, '  '));
  if (listed.length) {
    const cells = listed.map((o) => {
      // A duty not known to be owed is never "-271 d" late: its deadline passing says nothing yet.
      const ms = o.due === null ? 0 : Date.parse(o.due) - Date.parse(now);
      const left = ticking(o) && (o.required === true || ms >= 0) ? remaining(ms) : ticking(o) ? 'passed, if owed' : '';
      const what = o.due && !o.speculative ? `${o.due_at ? 'due' : 'target'} ${clockTime(o.due, now)}` : o.status === 'not_started' ? oneLine(o.reasons.at(-1) ?? '') : '';
      return [o.id, statusLabel(o), left, what, o.audience];
    });
    const rendered = table(cells, ['OBLIGATION', 'STATUS', 'LEFT', 'DEADLINE', 'TO']);
    lines.push(rendered[0]!);
    listed.forEach((o, i) => {
      lines.push(rendered[i + 1]!);
      // What would settle an undetermined duty, on its own line so the table stays narrow.
      if (o.status === 'undetermined') lines.push(`    establish: ${o.unknown_facts.join(', ')}`);
    });
  }
  lines.push(...recommendedBlock);
  if (opts.ics) lines.push('', `calendar written to ${opts.ics} (${rows.filter((o) => o.due && !isSettled(o.status)).length} deadlines, alarms 24 h and 2 h before)`);
  printLines(lines);
}

/**
 * Calendar text is plain text, but Outlook and Google render DESCRIPTION as HTML: markup
 * characters become look-alike angle quotes and control characters go, so no title, fact or reason
 * can become a tag or a link in someone's calendar.
 */
export function calendarText(s: string): string {
   
  return s.replace(/</g, '‹').replace(/>/g, '›').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ' ');
}

async function writeIcs(target: OutputTarget, incident: string, title: string, rows: readonly Obligation[]): Promise<void> {
  const { default: ical, ICalAlarmType } = await import('ical-generator');
  const cal = ical({ name: `${incident} legal deadlines`, prodId: { company: 'irr', product: 'irr', language: 'EN' } });
  for (const o of rows) {
    const when = o.due;
    if (!when || isSettled(o.status)) continue;
    const start = new Date(when);
    cal.createEvent({
      id: `${incident}-${o.id}@irr`,
      start,
      end: new Date(start.getTime() + 15 * 60_000),
      summary: calendarText(`${o.status === 'undetermined' ? 'POSSIBLE ' : ''}${o.due_at ? 'DEADLINE' : 'Target'}: ${o.id} — ${incident}`),
      description: { plain: [o.regime, oneLine(title), `To: ${o.audience} (${o.jurisdiction})`, o.reason, `${o.citation} — ${o.source}`].map(calendarText).join('\n') },
      alarms: [
        { type: ICalAlarmType.display, trigger: 24 * 3600 },
        { type: ICalAlarmType.display, trigger: 2 * 3600 },
      ],
    });
  }
  await writeOutput(target, cal.toString());
}

export async function obligation(
  g: GlobalOptions,
  id: string,
  obligationId: string,
  action: string,
  opts: { reason?: string; ref?: string; channel?: string; at?: string; exemption?: string; override?: boolean },
): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const events = await recordObligation(engine, id, await engine.who(g.actor, at, id), {
      obligation: obligationId,
      action,
      reason: opts.reason,
      ref: opts.ref,
      channel: opts.channel,
      ...(opts.exemption !== undefined ? { exemption: opts.exemption } : {}),
      ...(opts.override ? { override: true } : {}),
    });
    if (g.json) printJson({ ok: true, appended: events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, hash: e.hash })) });
    else {
      const p = events[0]!.type === 'obligation.recorded' ? events[0]!.payload : undefined;
      const ground = p?.action === 'waived' ? (p.exemption ? ` under ${p.exemption}` : p.override ? ' by override of the assessment' : '') : '';
      printLines(`${id}: ${obligationId} ${action}${ground} (seq ${events[0]!.seq})`);
    }
  });
}
