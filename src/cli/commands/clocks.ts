import pc from '../../render/colors.js';
import { factsToEstablish, type Obligation } from '../../assess/obligations.js';
import { isSettled, voluntaryWords } from '../../domain/obligation.js';
import { assessIncident } from '../../engine/obligations.js';
import { oneLine } from '../../domain/text.js';
import { notCoveredLine } from '../../assess/coverage.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines, table } from '../output.js';
import { checkOutput, dbGuard, writeOutput, type OutputTarget } from '../output-file.js';
import { board, byJurisdictionLines, clockTime, establishLine, outcome, recommendedLine, recommendedRows, remaining, statusLabel } from '../present/obligations.js';


/** Above this many, the undetermined duties without a deadline are shown one line per jurisdiction. */
const GROUP_ABOVE = 12;

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
  // The write path (engine/actions: decide, the rules) is loaded only by this subcommand, not by
  // `irr clocks`, which only reads.
  const { recordObligation } = await import('../../engine/actions.js');
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
