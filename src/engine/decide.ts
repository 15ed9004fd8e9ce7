import { readerTime } from '../clocks/zone.js';
import { InvalidInput, Refused, type ErrorField } from '../domain/errors.js';
import { OBLIGATION_ACTIONS, type NewEvent, type ObligationAction } from '../domain/events.js';
import { isSettled } from '../domain/obligation.js';
import type { ObligationRecordedPayload } from '../domain/obligation-record.js';
import type { Regime } from '../domain/regime.js';
import { checkExemption } from '../assess/exemptions.js';
import type { Obligation } from '../assess/obligations.js';
import { checkFactValue, parseFactText, type FactCatalogue, type FactValue } from '../domain/facts.js';
import { canonicalJson } from '../domain/canonical.js';
import { own } from '../domain/own.js';
import { nearest } from '../domain/nearest.js';
import { checkText, snippet, visible } from '../domain/text.js';
import { nextPhase, parsePhase, WORK_PHASES, isWorkPhase, type Phase } from '../domain/phases.js';
import type { IncidentContext } from '../machine/context.js';
import { approvalBlockers } from '../machine/approval.js';
import { advanceBlockers, closeBlockers, completeBlockers, obligationBlockers, reopenBlockers, skipBlockers } from '../machine/rules.js';

/**
 * Deciding what a command means against the current state: either the events to append, or an
 * error that says exactly why not. Pure: no clock, no database.
 */

export interface Actor {
  readonly actor: string;
  readonly at: string;
}

/** One line, every reason: a responder should not need a second command to learn what holds them. */
function refuse(lines: readonly string[], lead: string): never {
  throw new Refused(lines.length === 1 ? `${lead}: ${lines[0]}` : `${lead}, ${lines.length} things hold it: ${lines.join('; ')}`, [], undefined, lines);
}

function ensureStep(ctx: IncidentContext, step: string): void {
  if (ctx.plan.some((s) => s.id === step)) return;
  if (step.trim() === '') throw new InvalidInput('empty step id (irr status lists them)', [], { flag: '<step-id>' });
  const near = ctx.plan.map((s) => s.id).filter((id) => id.includes(step) || step.includes(id));
  throw new InvalidInput(`no step "${step}" in runbook ${ctx.playbook.id}${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ' (irr status lists them)'}`, [], { flag: '<step-id>' });
}

function ensureOpen(ctx: IncidentContext, phase: Phase, what: string): void {
  if (phase === 'closed') throw new Refused(`${what}: incident ${ctx.id} is closed (irr reopen <incident> <phase> --reason <text> first)`);
}

export function completeStep(ctx: IncidentContext, phase: Phase, who: Actor, step: string, note?: string): NewEvent[] {
  ensureStep(ctx, step);
  ensureOpen(ctx, phase, `step ${step}`);
  const blockers = completeBlockers(ctx, step);
  if (blockers.length > 0) refuse(blockers, `step ${step} refused`);
  const trimmed = note?.trim();
  if (trimmed) checkText('--note', trimmed, { multiline: true });
  return [{ type: 'step.completed', ...who, payload: { step, ...(trimmed ? { note: trimmed } : {}) } }];
}

export function skipStep(ctx: IncidentContext, phase: Phase, who: Actor, step: string, reason: string | undefined): NewEvent[] {
  ensureStep(ctx, step);
  if (!reason || reason.trim() === '') throw new InvalidInput(`skipping step ${step} needs a reason (it is kept in the record)`, [], { flag: '--reason' });
  checkText('--reason', reason);
  ensureOpen(ctx, phase, `step ${step}`);
  const blockers = skipBlockers(ctx, step);
  if (blockers.length > 0) refuse(blockers, `skip ${step} refused`);
  return [{ type: 'step.skipped', ...who, payload: { step, reason: reason.trim() } }];
}

/** Parse `key=value` pairs against the incident's vocabulary; every bad pair is reported at once. */
export function parseFactArgs(catalogue: FactCatalogue, pairs: readonly string[]): Record<string, FactValue> {
  if (pairs.length === 0) throw new InvalidInput('give at least one fact, e.g. subjects_total=1200', [], { flag: '<key>=<value>' });
  const out: Record<string, FactValue> = {};
  const problems: string[] = [];
  const badFacts: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push(`"${snippet(pair, 60)}" is not key=value`);
      continue;
    }
    const key = pair.slice(0, eq).trim();
    if (Object.hasOwn(out, key) || problems.some((p) => p.startsWith(`${key}:`))) {
      problems.push(`${visible(key)}: given twice in one command`);
      continue;
    }
    const def = own(catalogue, key);
    if (!def) {
      problems.push(`unknown fact "${snippet(key, 60)}" (docs/facts.md lists the vocabulary)`);
      continue;
    }
    const parsed = parseFactText(def, pair.slice(eq + 1));
    if (parsed.ok) out[key] = parsed.value;
    else {
      problems.push(`${key}: ${visible(parsed.error)}`);
      badFacts.push(key);
    }
  }
  if (problems.length > 0) throw new InvalidInput(`fact: ${problems.join('; ')}`, [], problems.length === 1 && badFacts.length === 1 ? { fact: badFacts[0]! } : undefined);
  return out;
}

/** Check already-typed values (a JSON facts file, the console's typed prompts). */
export function checkFacts(catalogue: FactCatalogue, values: Readonly<Record<string, unknown>>, source: string, field: ErrorField = {}): Record<string, FactValue> {
  const out: Record<string, FactValue> = {};
  const problems: string[] = [];
  const bad: string[] = [];
  for (const [key, raw] of Object.entries(values)) {
    const def = own(catalogue, key);
    if (!def) {
      problems.push(`${visible(source)}: unknown fact "${snippet(key, 60)}"`);
      bad.push(key);
    } else {
      const parsed = checkFactValue(def, raw);
      if (parsed.ok) out[key] = parsed.value;
      else {
        problems.push(`${visible(source)}: ${key}: ${visible(parsed.error)}`);
        bad.push(key);
      }
    }
  }
  if (problems.length > 0) throw new InvalidInput(problems.join('; '), [], { ...field, ...(bad.length === 1 ? { fact: bad[0]! } : {}) });
  return out;
}

/** A time in a fact cannot lie in the future: awareness or discovery has happened, or it has not. */
export function refuseFutureInstants(catalogue: FactCatalogue, facts: Readonly<Record<string, FactValue>>, now: string): void {
  const future = Object.entries(facts).filter(([k, v]) => own(catalogue, k)?.kind === 'instant' && Date.parse(v as string) - Date.parse(now) > 60_000);
  if (future.length > 0) throw new InvalidInput(`fact: ${future.map(([k, v]) => `${k}=${String(v)} is in the future (now is ${now})`).join('; ')}`);
}

/** Facts whose value differs from what is recorded; an unchanged value is not an event. */
export function recordFacts(ctx: IncidentContext, phase: Phase, who: Actor, facts: Readonly<Record<string, FactValue>>, step?: string, clear: readonly string[] = []): NewEvent[] {
  ensureOpen(ctx, phase, 'fact');
  if (step !== undefined) ensureStep(ctx, step);
  const changed = Object.fromEntries(Object.entries(facts).filter(([k, v]) => own(ctx.facts, k) === undefined || canonicalJson(own(ctx.facts, k)!.value) !== canonicalJson(v)));
  // Clearing a fact nobody recorded changes nothing.
  const cleared = [...new Set(clear)].filter((k) => own(ctx.facts, k) !== undefined);
  if (Object.keys(changed).length === 0 && cleared.length === 0) return [];
  return [{ type: 'facts.recorded', ...who, payload: { facts: changed, ...(step ? { step } : {}), ...(cleared.length ? { cleared } : {}) } }];
}

/** `key=-` on the command line: the fact is unknown again (the console's "-" answer, spelled the same). */
export const CLEAR_FACT = '-';

/** Split `key=-` (clear) from the pairs that set a value; an unknown key is still reported by parseFactArgs. */
export function splitClears(catalogue: FactCatalogue, pairs: readonly string[]): { readonly set: string[]; readonly clear: string[] } {
  const set: string[] = [];
  const clear: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (eq > 0 && pair.slice(eq + 1).trim() === CLEAR_FACT && own(catalogue, key)) clear.push(key);
    else set.push(pair);
  }
  const twice = clear.filter((k) => clear.indexOf(k) !== clear.lastIndexOf(k) || set.some((p) => p.slice(0, p.indexOf('=')).trim() === k));
  if (twice.length) throw new InvalidInput(`fact: ${visible(twice[0]!)}: given twice in one command`, [], { fact: twice[0]! });
  return { set, clear };
}

export function addNote(who: Actor, text: string, step?: string, ctx?: IncidentContext): NewEvent[] {
  if (text.trim() === '') throw new InvalidInput('the note is empty', [], { flag: '<text>' });
  checkText('<text>', text, { multiline: true });
  if (step !== undefined && ctx) ensureStep(ctx, step);
  return [{ type: 'note.added', ...who, payload: { text, ...(step ? { step } : {}) } }];
}

export function advance(ctx: IncidentContext, phase: Phase, who: Actor): NewEvent[] {
  const blockers = advanceBlockers(ctx, phase);
  if (blockers.length > 0 || !isWorkPhase(phase)) refuse(blockers, `advance from ${phase} refused`);
  return [{ type: 'phase.advanced', ...who, payload: { from: phase, to: nextPhase(phase) } }];
}

export function reopen(ctx: IncidentContext, phase: Phase, who: Actor, target: string, reason: string | undefined): NewEvent[] {
  const to = parsePhase(target);
  if (!to || to === 'closed') throw new InvalidInput(`"${target}" is not a phase to reopen (${WORK_PHASES.join(', ')})`, [], { flag: '<phase>' });
  if (!reason || reason.trim() === '') throw new InvalidInput('going back needs a reason (e.g. "reinfection found on host X")', [], { flag: '--reason' });
  checkText('--reason', reason);
  const blockers = reopenBlockers(phase, to);
  if (blockers.length > 0) refuse(blockers, `reopen ${ctx.id} refused`);
  return [{ type: 'phase.reopened', ...who, payload: { from: phase, to, reason: reason.trim() } }];
}

/**
 * Everything that holds closing: the lifecycle's own rules, and `legal` (legalCloseBlockers of the
 * assessment at the closing time: the machine cannot see the regimes). The assessment names every
 * open duty, so the machine's record-based line for the same duty is dropped.
 */
export function closeRefusals(ctx: IncidentContext, phase: Phase, legal: readonly string[]): string[] {
  const lifecycle = closeBlockers(ctx, phase);
  if (phase !== 'post-incident') return lifecycle;
  const dutyOf = (line: string) => /^obligation (\S+)/.exec(line)?.[1];
  const named = new Set(legal.map(dutyOf));
  return [...lifecycle.filter((l) => !named.has(dutyOf(l))), ...legal];
}

export function close(ctx: IncidentContext, phase: Phase, who: Actor, legal: readonly string[] = []): NewEvent[] {
  const blockers = closeRefusals(ctx, phase, legal);
  if (blockers.length > 0) refuse(blockers, `close ${ctx.id} refused`);
  return [{ type: 'incident.closed', ...who, payload: {} }];
}

/** YYYY-MM-DD that names a real calendar day (no 2026-02-30). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * A follow-up action for the post-incident review: what, who owns it, by when. Accepted in every
 * phase, closed included (actions are often agreed at or after the review). Ids run A1, A2, …
 */
export function recordAction(ctx: IncidentContext, who: Actor, args: { readonly text: string; readonly owner: string | undefined; readonly due: string | undefined }): NewEvent[] {
  const text = args.text.trim();
  if (text === '') throw new InvalidInput('the action is empty (say what is to be done)', [], { flag: '<text>' });
  checkText('<text>', text);
  const owner = args.owner?.trim() ?? '';
  if (owner === '') throw new InvalidInput('an action needs an owner (a person or a team)', [], { flag: '--owner' });
  checkText('--owner', owner);
  const due = args.due?.trim() ?? '';
  if (due === '') throw new InvalidInput('an action needs a due date (YYYY-MM-DD)', [], { flag: '--due' });
  if (!isCalendarDate(due)) throw new InvalidInput(`"${due}" is not a calendar date (YYYY-MM-DD, e.g. 2026-04-30)`, [], { flag: '--due' });
  return [{ type: 'action.recorded', ...who, payload: { id: `A${ctx.actions.length + 1}`, text, owner, due } }];
}

/**
 * `member` holds `role` (a role id of the incident's runbook) on this incident. Recording it twice
 * is no new event: a retried command must not grow the log.
 */
export function assignRole(ctx: IncidentContext, who: Actor, member: string, role: string | undefined): NewEvent[] {
  const name = member.trim();
  if (name === '') throw new InvalidInput('<member>: the name is empty (say who holds the role)');
  checkText('<member>', name);
  const r = role?.trim() ?? '';
  if (r === '') throw new InvalidInput(`--role: say which role ${name} holds (${ctx.roles.join(', ')})`);
  if (!ctx.roles.includes(r)) throw new InvalidInput(`--role: runbook ${ctx.playbook.id} has no role "${r}" (${ctx.roles.join(', ')})`);
  if ((own(ctx.team, name) ?? []).includes(r)) return [];
  return [{ type: 'team.assigned', ...who, payload: { member: name, role: r } }];
}

/** What the assessment says about the duty a record concerns, for the checks a record must pass. */
export interface DutyContext {
  readonly regime: Regime;
  readonly assessed: Obligation | undefined;
  readonly fact: (name: string) => FactValue | undefined;
}

/** The CLI spells the decision `not-applicable`; the record says `not_applicable`. */
export function parseObligationAction(action: string): ObligationAction | undefined {
  const a = action === 'not-applicable' ? 'not_applicable' : action;
  return (OBLIGATION_ACTIONS as readonly string[]).includes(a) ? (a as ObligationAction) : undefined;
}

const listExemptions = (r: Regime) => (r.threshold?.exemptions ?? []).map((e) => `${e.id} (${e.ref}: ${e.text})`).join('; ');

/**
 * A waiver needs a ground: an exemption of the law whose condition holds on the recorded facts, or
 * a deliberate override of the assessment. A law that lists no exemption can only be overridden.
 */
function checkWaiverGround(obligation: string, duty: DutyContext, exemption: string | undefined, override: boolean): void {
  const r = duty.regime;
  const exemptions = r.threshold?.exemptions ?? [];
  if (exemption !== undefined && override) throw new InvalidInput(`give one ground for waiving ${obligation}, not both`, [], { flag: '--exemption, --override' });
  if (override) return;
  if (exemption === undefined) {
    if (exemptions.length === 0) throw new InvalidInput(`${obligation}'s law lists no exemption; waiving it is a decision against the assessment: add --override --reason <text>`, [], { flag: '--override' });
    throw new InvalidInput(`waiving ${obligation} needs the exemption it rests on (--exemption <id>) or --override; its exemptions: ${listExemptions(r)}`, [], { flag: '--exemption' });
  }
  const c = checkExemption(r, exemption, duty.fact);
  if (c.holds === 'no_such_exemption') {
    throw new InvalidInput(`"${exemption}" is not an exemption of ${obligation}${exemptions.length ? `; its exemptions: ${listExemptions(r)}` : ' (it lists none: use --override)'}`, [], { flag: '--exemption' });
  }
  if (c.holds === false) throw new Refused(`waiver of ${obligation} under ${exemption} refused: the recorded facts contradict it: ${c.contradicted.join(', ')}`);
  if (c.holds === 'unknown') throw new Refused(`waiver of ${obligation} under ${exemption} refused: its condition rests on facts not established; establish ${c.missing.join(', ')} first`);
}

/**
 * One of the union's shapes (the type is derived from the zod schema, so a payload the schema would
 * refuse does not compile; zod itself is not loaded on this path, which `irr clocks` shares).
 */
function obligationPayload(
  obligation: string,
  action: ObligationAction,
  extra: { readonly reason?: string; readonly ref?: string; readonly channel?: string },
  exemption: string | undefined,
  override: boolean,
): ObligationRecordedPayload {
  const { reason, ...rest } = extra;
  switch (action) {
    case 'drafted':
    case 'approved':
    case 'sent':
    case 'supplemented':
      return { obligation, action, ...extra };
    case 'waived':
      return { obligation, action, reason: reason!, ...rest, ...(exemption ? { exemption } : {}), ...(override ? { override: true as const } : {}) };
    case 'required':
    case 'not_applicable':
      return { obligation, action, reason: reason!, ...rest };
  }
}

/** What a responder records about one duty (the CLI's `irr obligation` and the console's Notifications screen). */
export interface ObligationUpdate {
  readonly obligation: string;
  readonly action: string;
  readonly reason?: string;
  readonly ref?: string;
  readonly channel?: string;
  /** For a waiver: the exemption it rests on (checked against the facts), or an override. */
  readonly exemption?: string;
  readonly override?: boolean;
}

/** Record a notification's progress; a late `sent` needs the delay reason (GDPR Art 33(1)). */
export function recordObligation(
  ctx: IncidentContext,
  phase: Phase,
  who: Actor,
  known: ReadonlySet<string>,
  args: ObligationUpdate & { readonly duty?: DutyContext },
): NewEvent[] {
  const { obligation } = args;
  if (!known.has(obligation)) throw new InvalidInput(`no regime "${obligation}" (irr regime list shows them)`, [], { flag: '<obligation-id>' });
  const action = parseObligationAction(args.action);
  if (!action) {
    const spelled = OBLIGATION_ACTIONS.map((a) => a.replace('_', '-'));
    const near = nearest(args.action, spelled);
    throw new InvalidInput(`"${args.action}" is not one of ${spelled.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`, [], { flag: '<action>' });
  }
  if ((args.exemption !== undefined || args.override) && action !== 'waived') throw new InvalidInput(`only a waiver rests on an exemption or an override (not ${args.action})`, [], { flag: args.exemption !== undefined ? '--exemption' : '--override' });
  ensureOpen(ctx, phase, `obligation ${obligation}`);
  for (const [field, text] of [['--reason', args.reason], ['--ref', args.ref], ['--channel', args.channel], ['--exemption', args.exemption]] as const) if (text !== undefined) checkText(field, text);
  const reason = args.reason?.trim();
  const decision = action === 'waived' ? 'not to be sent' : action === 'required' ? 'required' : action === 'not_applicable' ? 'not applicable' : undefined;
  if (decision && !reason) throw new InvalidInput(`a decision that ${obligation} is ${decision} must say why (it is kept in the record, GDPR Art 33(5))`, [], { flag: '--reason' });
  const exemption = args.exemption?.trim();
  const override = args.override === true;
  if (action === 'waived' && args.duty) checkWaiverGround(obligation, args.duty, exemption, override);
  if (action === 'not_applicable' && args.duty?.assessed?.required === true) {
    throw new Refused(`obligation ${obligation} not-applicable refused: the recorded facts make it required (${args.duty.assessed.reason}); not-applicable settles an undetermined duty: waive it with --exemption <id> or --override instead`);
  }
  const blockers = obligationBlockers(ctx, obligation, action, action === 'waived' ? { ...(exemption ? { exemption } : {}), override } : undefined);
  if (blockers.length > 0) refuse(blockers, `obligation ${obligation} ${args.action} refused`);
  const fourEyes = args.duty ? approvalBlockers(ctx, obligation, args.duty.regime.audience, action, who.actor) : [];
  if (fourEyes.length > 0) refuse(fourEyes, `obligation ${obligation} ${args.action} refused`);
  const dueAt = args.duty?.assessed?.due_at;
  if (action === 'sent' && dueAt && Date.parse(who.at) > Date.parse(dueAt) && !reason) {
    throw new InvalidInput(`${obligation} was due ${readerTime(dueAt)}; a late notice must give the reasons for the delay`, [], { flag: '--reason' });
  }
  const payload = obligationPayload(obligation, action, {
    ...(reason ? { reason } : {}),
    ...(args.ref?.trim() ? { ref: args.ref.trim() } : {}),
    ...(args.channel?.trim() ? { channel: args.channel.trim() } : {}),
  }, exemption, override);
  return [{ type: 'obligation.recorded', ...who, payload }];
}

/**
 * The legal questions that hold closing, from the assessment at the time of closing: a duty still
 * undetermined, required and not sent, or waived without a ground that holds.
 */
export function legalCloseBlockers(incident: string, obligations: readonly Obligation[]): string[] {
  const out: string[] = [];
  for (const o of obligations) {
    if (o.waiver && !o.waiver.valid && o.required !== false) out.push(`obligation ${o.id} is waived without a valid ground: ${o.waiver.why}`);
    else if (isSettled(o.status)) continue;
    else if (o.required === true) out.push(`obligation ${o.id} is required and ${o.status === 'overdue' ? 'overdue, ' : ''}not yet sent (send it, or waive it: irr obligation ${incident} ${o.id} waived --exemption <id> | --override --reason <text>)`);
    else if (o.required === 'unknown') out.push(`obligation ${o.id} is undetermined: establish ${o.unknown_facts.join(', ') || 'the facts named by irr assess'}, or record irr obligation ${incident} ${o.id} not-applicable --reason <text>`);
  }
  return out;
}

/**
 * Why a step that discharges legal duties cannot be done yet: each duty it names that is required
 * (by the facts or by decision) and neither sent nor validly waived. Duties not required, not
 * applicable or still undetermined do not hold the step (closing holds on those).
 */
export function dischargeBlockers(discharges: readonly string[], obligations: readonly Obligation[], incident: string): string[] {
  const out: string[] = [];
  for (const id of discharges) {
    const o = obligations.find((x) => x.id === id);
    if (!o || o.required !== true || isSettled(o.status)) continue;
    out.push(`${id} is required and ${o.waiver && !o.waiver.valid ? `waived without a valid ground (${o.waiver.why})` : 'not yet sent'} (irr obligation ${incident} ${id} sent, or waived --exemption <id> | --override)`);
  }
  return out;
}
