import pc from '../../render/colors.js';
import { byUrgency, isUrgent, type Obligation } from '../../assess/obligations.js';
import { isSent, isSettled } from '../../domain/obligation.js';
import { nextPhase, type WorkPhase } from '../../domain/phases.js';
import { oneLine } from '../../domain/text.js';
import { legalCloseBlockers } from '../../engine/decide.js';
import type { StatusView, StepView } from '../../engine/views.js';
import { truncate, visibleLength, wrap } from '../../render/terminal-text.js';
import { establishLine, localAndUtc, localShort, remaining } from '../present/obligations.js';
import { notCoveredLine, type Uncovered } from '../../assess/coverage.js';
import type { Choice } from './prompter.js';

/**
 * What the console shows, as pure functions of the incident's view: the header on every screen and
 * the choices of each menu. Words and marks carry the meaning; colour only helps the eye.
 */


/** The header's times: the responder's zone, named (a deadline also in UTC), as everywhere else a person reads. */
const clockNow = (now: string) => localShort(now);
const deadline = (iso: string) => localAndUtc(iso);

/** One clock as "OVERDUE by 3 h 5 min" / "due soon: 2 h 10 min left" / "4 d 2 h left". */
export function clockLine(o: Obligation, now: string): string {
  const when = o.due;
  if (o.status === 'not_started') return `${o.id}: required; clock starts when ${o.clock_start_source ?? 'its start fact'} is known`;
  if (!when) return `${o.id}: ${o.status.replace('_', ' ')}`;
  const left = Date.parse(when) - Date.parse(now);
  const kind = o.due_at ? 'due' : 'target';
  const possible = o.status === 'undetermined' ? 'if required, ' : '';
  if (left < 0) return pc.red(`${o.id}: OVERDUE by ${remaining(-left)} (${possible}${kind} ${deadline(when)})`);
  const text = `${o.id}: ${remaining(left)} left (${possible}${kind} ${deadline(when)})`;
  return o.status === 'due_soon' ? pc.yellow(`${o.id}: DUE SOON, ${text.slice(o.id.length + 2)}`) : text;
}

/**
 * The clocks worth a headline, soonest first: required or undetermined duties with a due instant
 * (overdue first of all), then required ones whose clock has not started. Settled duties and mere
 * leads (undetermined with nothing recorded pointing to them) drop off: the facts to establish say
 * more than an "OVERDUE (if required)" for a law that probably does not apply.
 */
export function openClocks(board: readonly Obligation[]): Obligation[] {
  return board.filter((o) => isUrgent(o) || (o.status === 'not_started' && o.required === true)).sort(byUrgency);
}

/** A closed incident's clocks no longer run: what became of the duties instead. */
export function outcomes(board: readonly Obligation[]): string {
  const count = (pick: (o: Obligation) => boolean) => board.filter(pick).length;
  const parts: [number, string][] = [
    [count((o) => isSent(o.status)), 'sent'],
    [count((o) => o.status === 'waived'), 'waived'],
    [count((o) => o.status === 'not_applicable'), 'not applicable'],
    [count((o) => !isSettled(o.status)), 'left open at close'],
  ];
  const said = parts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`);
  return `clocks stopped (closed): ${said.length ? said.join(', ') : 'no notification was required'}`;
}

/** The header on every screen; sub-screens show only the most urgent clock to leave room. */
export function header(v: StatusView, board: readonly Obligation[], now: string, actor: string, columns: number, clocksShown = 3, uncovered: readonly Uncovered[] = []): string[] {
  const width = Math.max(40, columns) - 1;
  const phaseSteps = v.steps.filter((s) => s.phase === v.phase && s.status !== 'not_applicable');
  const resolved = phaseSteps.filter((s) => s.status === 'done' || s.status === 'skipped').length;
  const lines = [
    pc.bold(`${v.id}  ${oneLine(v.title)}${v.mode === 'drill' ? '  [DRILL]' : ''}`),
    `phase: ${v.phase}${v.phase === 'closed' ? '' : ` (${resolved}/${phaseSteps.length} steps resolved)`} · acting as ${actor} · ${clockNow(now)}`,
  ];
  const gap = notCoveredLine(uncovered);
  if (gap && v.phase !== 'closed') lines.push(pc.bold(pc.red(gap)));
  const clocks = openClocks(board);
  // As many of the top three facts as fit the width, at least one.
  const lead = [3, 2, 1].map((n) => establishLine(board, n)).find((l, i) => l === undefined || i === 2 || l.length <= width);
  if (v.phase === 'closed') lines.push(outcomes(board));
  else if (!v.awareness && clocks.length === 0) lines.push('clocks: none running yet (they start when awareness is established)');
  else if (clocks.length === 0) lines.push(lead ? 'clocks: none known to run yet (the facts below decide which laws apply)' : 'clocks: no notification outstanding');
  else {
    for (const o of clocks.slice(0, clocksShown)) lines.push(`clock ${clockLine(o, now)}${clocksShown === 1 && clocks.length > 1 ? ` +${clocks.length - 1} more` : ''}`);
    if (clocksShown > 1 && clocks.length > clocksShown) lines.push(`      …and ${clocks.length - clocksShown} more (Notifications)`);
  }
  if (v.phase !== 'closed' && lead && clocksShown > 1) lines.push(lead);
  // The title may be cut; a deadline or a fact to establish never is: those lines wrap at words.
  const [title, ...rest] = lines;
  return [truncate(title!, width), ...rest.flatMap((l) => (visibleLength(l) <= width ? [l] : wrap(l, width, '', '    '))), '-'.repeat(width)];
}

const MARK: Record<StepView['status'], string> = { done: '[x]', skipped: '[-]', pending: '[ ]', not_applicable: '[/]' };

/** The state words come first, so they survive when a narrow terminal cuts the line. */
export function stepLabel(s: StepView): string {
  const state = s.blocked_by.length > 0 ? 'WAITS ' : s.unknown_facts?.length ? 'MAYBE ' : '';
  return `${MARK[s.status]}${s.required ? '*' : ' '} ${state}${s.title} (${s.owner})`;
}

/** What holds the next move; in post-incident the open legal duties too (the board has them all). */
export function closeHolds(v: StatusView, board: readonly Obligation[]): readonly string[] {
  if (v.phase !== 'post-incident') return v.holds;
  const legal = legalCloseBlockers(v.id, board);
  const dutyOf = (line: string) => /^obligation (\S+)/.exec(line)?.[1];
  const named = new Set(legal.map(dutyOf));
  return [...v.holds.filter((l) => !named.has(dutyOf(l))), ...legal];
}

export type MainAction = 'advance' | 'close' | 'facts' | 'notifications' | 'note' | 'status' | 'reopen' | 'when' | 'quit';

const MAIN_ACTIONS: readonly MainAction[] = ['advance', 'close', 'facts', 'notifications', 'note', 'status', 'reopen', 'when', 'quit'];
/** Keys a step id must not take: the moves, and "back", which every answers file uses to go back. */
const RESERVED: readonly string[] = [...MAIN_ACTIONS, 'back'];

/** What a main-menu line stands for: a step of the phase or one of the console's moves, never confused. */
export type MainChoice = { readonly kind: 'step'; readonly id: string } | { readonly kind: 'action'; readonly name: MainAction };

/** A menu line with the tagged meaning it stands for; `value` is only the key an answers file names. */
export interface TaggedChoice<T> extends Choice {
  readonly tag: T;
}

/**
 * The key an answers file names for a step: its id, unless a move has that name (a step called
 * `quit` or `status`); then `step:<id>`, so the move keeps its name and the step stays reachable.
 */
export function stepKey(id: string): string {
  return RESERVED.includes(id) ? `step:${id}` : id;
}

/** The tagged meaning of the key a menu returned; the key is one of `choices` by construction. */
export function chosen<T>(choices: readonly TaggedChoice<T>[], key: string): T {
  const hit = choices.find((c) => c.value === key);
  if (!hit) throw new Error(`menu returned "${key}", which it did not offer`);
  return hit.tag;
}

/** The main menu: the phase's open steps first, then the moves. Values are what an answers file names. */
export function mainChoices(v: StatusView, board: readonly Obligation[], stamp?: string): TaggedChoice<MainChoice>[] {
  const choices: TaggedChoice<MainChoice>[] = [];
  const act = (name: MainAction, label: string) => choices.push({ value: name, name: label, tag: { kind: 'action', name } });
  if (v.phase !== 'closed') {
    for (const s of v.steps.filter((x) => x.phase === v.phase && x.status === 'pending')) {
      choices.push({ value: stepKey(s.id), name: stepLabel(s), description: `step ${s.id}: owner ${s.owner}${s.blocked_by.length ? `, waits for ${s.blocked_by.join(', ')}` : ''}`, tag: { kind: 'step', id: s.id } });
    }
    const holds = closeHolds(v, board);
    const held = holds.length ? ` (held: ${holds.length} thing${holds.length === 1 ? '' : 's'})` : ' (ready)';
    if (v.phase === 'post-incident') act('close', `Close the incident${held}`);
    else act('advance', `Advance to ${nextPhase(v.phase as WorkPhase)}${held}`);
    act('facts', `Record facts (${Object.keys(v.facts).length} recorded)`);
  }
  const required = board.filter((o) => o.required === true && !isSettled(o.status)).length;
  const unsure = board.filter((o) => o.required === 'unknown' && !isSettled(o.status)).length;
  act('notifications', `Notifications (${required} to send, ${unsure} undetermined)`);
  if (v.phase !== 'closed') act('note', 'Add a note to the timeline');
  act('status', 'Show every phase, step and fact');
  if (v.phase !== 'detection') act('reopen', 'Go back to an earlier phase (with a reason)');
  if (v.phase !== 'closed') act('when', stamp ? `When: ${localAndUtc(stamp)} (backdated; for the next entry)` : 'When: now (choose to backdate the next entry)');
  act('quit', 'Quit (everything answered is already saved)');
  return choices;
}
