import { describeCondition, evaluate, evaluatorOf, judgeOf, operatorOf, shownParts, type Explanation, type Judgement } from '../domain/condition.js';
import { isSettled, type ObligationStatus } from '../domain/obligation.js';
import type { Condition } from '../domain/runbook.js';
import type { FactValue } from '../domain/facts.js';
import { RISK_LEVELS, type Audience, type Regime, type RiskLevel, type Threshold } from '../domain/regime.js';
import type { ObligationProgress } from '../machine/context.js';
import { computeDue, type Due } from '../clocks/deadline.js';
import { enisaSeverity, type Severity } from './enisa.js';
import { checkExemption } from './exemptions.js';
import { coveredBy, uncoveredIn, type Uncovered } from './coverage.js';
import { leadAuthority } from './lead-authority.js';
import type { Authority } from '../domain/regime.js';
import { assessRisk, hipaaFactors, type RiskAssessment, type RiskFactor } from './risk.js';
import { byCodeUnits } from '../domain/order.js';

export { checkExemption, contradictingFacts, type ExemptionCheck } from './exemptions.js';

/**
 * Facts → which notifications are owed, to whom, by when, and why. One entry per regime in the
 * catalogue, applicable or not, each with its reasons: the record a DPO shows a regulator.
 */

export type { ObligationStatus } from '../domain/obligation.js';

/** How a recorded waiver stands against the facts now: an exemption whose condition holds, an override, or neither. */
export interface WaiverCheck {
  readonly exemption: string | null;
  readonly override: boolean;
  /** True when the waiver has a ground: an override, or an exemption whose condition holds on the recorded facts. */
  readonly valid: boolean;
  readonly why: string;
}
export interface Obligation {
  readonly id: string;
  readonly regime: string;
  readonly jurisdiction: string;
  readonly audience: Audience;
  readonly in_force: boolean;
  readonly applies: boolean | 'unknown';
  readonly required: boolean | 'unknown';
  /** A voluntary regime that applies: notification is recommended, not a legal duty (required stays false). */
  readonly recommended: boolean;
  /** One line: why it is (not) required, what to establish. */
  readonly reason: string;
  readonly reasons: readonly string[];
  readonly unknown_facts: readonly string[];
  /** Risk-based regimes: the factors that drove the decision (present, or present until established). */
  readonly factors: readonly RiskFactor[];
  readonly clock_start: string | null;
  readonly clock_start_source: string | null;
  /** The legal deadline (null where the law sets no count). */
  readonly due_at: string | null;
  /** irr's internal target where the law says "without undue delay". */
  readonly target_at: string | null;
  /** The instant the duty is measured against: due_at, else target_at (computed once, here). */
  readonly due: string | null;
  /**
   * Undetermined only because facts are missing, and nothing recorded points to it (no condition of
   * its law holds yet, no record): a lead to establish, not a headline (e.g. card brands before
   * anyone knows whether card data is involved).
   */
  readonly speculative: boolean;
  /** The recorded waiver checked against the facts (null when not waived). */
  readonly waiver: WaiverCheck | null;
  readonly deadline: readonly string[];
  readonly stages: { readonly family: string; readonly order: number; readonly name: string } | null;
  /** Who to tell: the regime's authority, or for GDPR Art 33 the lead supervisory authority (or each one concerned). */
  readonly authorities: readonly Authority[];
  /** The law's family (e.g. us-state-breach, gdpr), null when it has none. */
  readonly family: string | null;
  readonly status: ObligationStatus;
  readonly sent_at: string | null;
  readonly record: ObligationProgress | null;
  readonly citation: string;
  readonly source: string;
  readonly unconfirmed: readonly string[];
}

export interface Assessment {
  readonly severity: Severity;
  /** The EDPB-method decision (Art 33 and Art 34 questions), with factors, mitigations and precedents. */
  readonly risk: RiskAssessment;
  readonly obligations: readonly Obligation[];
  /** Jurisdictions with affected people that no regime covers: "not covered", never "not required". */
  readonly uncovered: readonly Uncovered[];
}

type Lookup = (name: string) => FactValue | undefined;

// "does not apply: subjects_by_jurisdiction[US-GA] = 0 (needs > 0)": the same few explanations recur
// across the ~200 laws of an assessment and across assessments, and each is shared (falseExplanation),
// so its sentence is written once.
const notApplying = new WeakMap<Explanation, string>();
function notApplyingText(c: Condition, e: Explanation): string {
  let text = notApplying.get(e);
  if (text === undefined) {
    const parts = shownParts(e);
    // (No part: the condition is false as a whole, e.g. an empty `any`.)
    text = `does not apply: ${parts.join('; ') || `${describeCondition(c)} is false`}`;
    // Only shared explanations are worth keeping; a fresh one (an `any` of several) is used once.
    if (e.shared) notApplying.set(e, text);
  }
  return text;
}

const atLeast = (level: RiskLevel, min: RiskLevel) => RISK_LEVELS.indexOf(level) >= RISK_LEVELS.indexOf(min);
// toISOString is costly at 130+ regimes × thousands of assessments, and most duties share a start and
// a due instant: each instant is written once (a bounded cache of the latest ones).
const isoCache = new Map<number, string>();
function iso(ms: number | null): string | null {
  if (ms === null) return null;
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size > 4096) isoCache.clear();
    isoCache.set(ms, (text = new Date(ms).toISOString()));
  }
  return text;
}

/** A remaining time at or below a quarter of the window, or 12 hours, is "due soon". */
export function dueSoon(start: number, due: number, now: number): boolean {
  const remaining = due - now;
  return remaining <= Math.max((due - start) / 4, 0) || remaining <= 12 * 3_600_000;
}

export function assess(args: {
  readonly regimes: readonly Regime[];
  readonly fact: Lookup;
  readonly now: string;
  /** The incident's obligation records (empty for the stateless path). */
  readonly records?: Readonly<Record<string, ObligationProgress>>;
  /** False: build every entry on the general path (the test that the shared entries equal it). */
  readonly shareEntries?: boolean;
}): Assessment {
  const severity = enisaSeverity(args.fact);
  const risk = assessRisk(args.fact, severity);
  const records = args.records ?? {};
  const now = Date.parse(args.now);
  const models: Models = { severity, risk, hipaa: undefined, anyRecords: Object.keys(records).length > 0, share: args.shareEntries ?? true };
  const plans = plansOf(args.regimes);
  const obligations: Obligation[] = new Array(plans.length);
  for (let i = 0; i < plans.length; i++) obligations[i] = obligation(plans[i]!, args.fact, models, records, now);
  return { severity, risk, obligations, uncovered: uncoveredIn(coveredBy(args.regimes), args.fact('subjects_by_jurisdiction')) };
}

/** The risk inputs, computed once per assessment (HIPAA's on first use). */
interface Models {
  readonly severity: Severity;
  readonly risk: RiskAssessment;
  hipaa: readonly RiskFactor[] | undefined;
  /** False on the stateless path (`irr assess --facts`, the benchmark): no record lookups per duty. */
  readonly anyRecords: boolean;
  readonly share: boolean;
}

// Deadlines already counted, per law, by start instant. Counting a plain rule (no cap, no weekend
// rule: those depend on other facts) is a pure function of the start, and a start recurs across the
// assessments of one process (the console re-assesses on every screen; a drill at every step): each
// is counted once. Bounded like the ISO cache above. Results are shared: never mutated.
function plainDue(plan: Plan, start: string, compute: () => Due): Due {
  let d = plan.dues.get(start);
  if (d === undefined) {
    if (plan.dues.size > 1024) plan.dues.clear();
    plan.dues.set(start, (d = compute()));
  }
  return d;
}

// A start fact is an ISO instant; Date.parse on it, and writing it back as toISOString, are the
// costliest steps of a duty's assessment, and ~200 duties share a few start facts: each is read once.
const instantCache = new Map<string, { readonly ms: number; readonly iso: string | null }>();
function instant(v: string): { readonly ms: number; readonly iso: string | null } {
  let i = instantCache.get(v);
  if (i === undefined) {
    if (instantCache.size > 4096) instantCache.clear();
    const ms = Date.parse(v);
    instantCache.set(v, (i = { ms, iso: iso(ms) }));
  }
  return i;
}

const pending = (f: RiskFactor) => f.present !== false;

/** A regime's threshold before its exemptions: required or not, why, on which factors. */
function thresholdVerdict(t: Threshold, fact: Lookup, m: Models, unknown: Set<string>): { required: boolean; reasons: string[]; factors: readonly RiskFactor[] } {
  if (t.model === 'hipaa') {
    const factors = (m.hipaa ??= hipaaFactors(fact));
    factors.forEach((f) => f.missing.forEach((x) => unknown.add(x)));
    return { required: true, reasons: [`a breach of unsecured PHI is presumed unless a documented assessment of the four factors shows a low probability of compromise (45 CFR 164.402(2)): ${factors.map((f) => f.text).join('; ')}`], factors: factors.filter(pending) };
  }
  if (t.model === 'gdpr') {
    const { risk } = m;
    if (t.at_least === 'risk') {
      const factors = risk.factors.filter(pending);
      const named = factors.filter((f) => f.effect === 'risk').map((f) => f.text);
      return { required: true, reasons: [`a risk is presumed unless an exemption is established${named.length ? ` (${named.join('; ')})` : ''}`], factors };
    }
    const factors = risk.factors.filter((f) => f.effect === 'high_risk' && pending(f));
    if (risk.high_risk === false) return { required: false, reasons: [`not high risk: ${risk.art34.reasons.join('; ')}`], factors: [] };
    factors.forEach((f) => f.missing.forEach((x) => unknown.add(x)));
    return { required: true, reasons: risk.art34.reasons.slice(), factors };
  }
  if (t.enisa_at_least === undefined) return { required: true, reasons: ['required when it applies, unless an exemption is established'], factors: [] };
  const min = t.enisa_at_least;
  const s = m.severity;
  if (atLeast(s.level, min)) return { required: true, reasons: [`ENISA severity ${s.level} (${s.score}) is at least ${min}`], factors: [] };
  s.unknown.forEach((u) => unknown.add(u));
  return { required: false, reasons: [`ENISA severity ${s.level} (${s.score}) is below ${min}: document it, no notice required`], factors: [] };
}

// Shared empty lists for the many duties that have no factors, unknown facts or deadline steps:
// an assessment builds ~200 obligations, most of laws that do not apply. Never mutated (readonly).
const NONE: readonly never[] = Object.freeze([]);

/** What an obligation takes from its regime alone, whatever the facts: built once per regime. */
interface RegimeParts {
  readonly authorities: readonly Authority[];
  readonly stages: Obligation['stages'];
  /** The fact its clock starts from, and how the obligation names that source (null: another duty's sending). */
  readonly startFact: string | null;
  readonly startSource: string | null;
}
const regimeParts = new WeakMap<Regime, RegimeParts>();
function partsOf(r: Regime): RegimeParts {
  let p = regimeParts.get(r);
  if (p === undefined) {
    p = {
      authorities: Object.freeze(r.authority ? [r.authority] : []),
      stages: r.family && r.stage ? Object.freeze({ family: r.family, order: r.stage.order, name: r.stage.name }) : null,
      startFact: 'fact' in r.clock.starts ? r.clock.starts.fact : null,
      startSource: 'fact' in r.clock.starts ? `fact ${r.clock.starts.fact}` : null,
    };
    regimeParts.set(r, p);
  }
  return p;
}

/**
 * What an assessment needs of each law, found once per catalogue (the same array, assessment after
 * assessment): its compiled applicability judge, and the entries it shares when it does not apply.
 * One object shape for all ~200 laws, where the catalogue's own objects differ by optional fields.
 */
interface Plan {
  readonly r: Regime;
  readonly judge: (lookup: Lookup) => Judgement;
  /** In force: a law whose not-applying entry can be shared. */
  readonly shareable: boolean;
  readonly parts: RegimeParts;
  readonly byExplanation: Map<Explanation, NotApplying>;
  last: NotApplying | undefined;
  /** "applies if …; establish …", by the facts missing (the condition's text is long: written once). */
  readonly unknownReasons: Map<string, string>;
  /** Plain deadlines counted from a start instant (see plainDue), by its ISO text. */
  readonly dues: Map<string, Due>;
  /** Can its undetermined entry be shared: see keyedEntry. */
  readonly undeterminedShareable: boolean;
  /** Shared entries (keyedEntry): by the judgement (by its value for a law not in force), then by the clock's inputs. */
  readonly keyed: Map<Judgement | Judgement['value'], Map<string | symbol, [Obligation | undefined, Obligation | undefined]>>;
  readonly positive: (fact: Lookup) => boolean;
}

function unknownReason(plan: Plan, missing: readonly string[]): string {
  const key = missing.join(', ');
  let text = plan.unknownReasons.get(key);
  if (text === undefined) {
    if (plan.unknownReasons.size > 64) plan.unknownReasons.clear();
    plan.unknownReasons.set(key, (text = `applies if ${describeCondition(plan.r.applies_when)}; establish ${key}`));
  }
  return text;
}
const catalogues = new WeakMap<readonly Regime[], readonly Plan[]>();
function plansOf(regimes: readonly Regime[]): readonly Plan[] {
  let plans = catalogues.get(regimes);
  if (plans === undefined) {
    plans = regimes.map((r) => ({ r, judge: judgeOf(r.applies_when), shareable: r.in_force, parts: partsOf(r), byExplanation: new Map(), last: undefined, unknownReasons: new Map(), dues: new Map(),
      undeterminedShareable: r.in_force && !(r.family === 'gdpr' && r.audience === 'authority'),
      keyed: new Map(), positive: lazyPositive(r.applies_when) }));
    catalogues.set(regimes, plans);
  }
  return plans;
}

function obligation(plan: Plan, fact: Lookup, models: Models, records: Readonly<Record<string, ObligationProgress>>, now: number): Obligation {
  const r = plan.r;
  const record = models.anyRecords && Object.hasOwn(records, r.id) ? records[r.id]! : null;
  const a = plan.judge(fact);
  // Most entries are of laws in force that do not apply, with no record: see notApplyingEntry.
  if (a.value === false && plan.shareable && record === null && models.share && a.shared) return notApplyingEntry(plan, a);
  if (record === null && models.share && (!r.in_force || (a.value === 'unknown' && plan.undeterminedShareable))) return keyedEntry(plan, a, fact, models, records, now);
  return built(plan, a, record, fact, models, records, now);
}

/** An entry on the general path: every field worked out from the law, the facts and the record. */
function built(plan: Plan, a: Judgement, record: ObligationProgress | null, fact: Lookup, models: Models, records: Readonly<Record<string, ObligationProgress>>, now: number): Obligation {
  const r = plan.r;
  const reasons: string[] = [];
  const unknown = new Set<string>();
  let required: boolean | 'unknown';
  let factors: readonly RiskFactor[] = NONE;
  let exemptedBy: string | null = null;

  const applies = a.value;
  if (!r.in_force) {
    required = false;
    reasons.push('not in force');
  } else if (a.value === false) {
    required = false;
    // The part that is false, not the whole condition (HIPAA's lists the 57 States).
    reasons.push(notApplyingText(r.applies_when, a));
  } else if (a.value === 'unknown') {
    required = 'unknown';
    for (const m of a.missing) unknown.add(m);
    reasons.push(unknownReason(plan, a.missing));
  } else if (r.voluntary) {
    // Say what it is: the jurisdiction has a rule, and that rule is a recommendation.
    reasons.push(`applies: ${describeCondition(r.applies_when)}`, 'voluntary: the law sets no duty to notify; the authority recommends notifying (see the regime notes)');
    required = false;
  } else {
    reasons.push(`applies: ${describeCondition(r.applies_when)}`);
    required = true;
    if (r.threshold) {
      const t = r.threshold;
      const forced = t.also_required_when ? evaluate(t.also_required_when, fact) : undefined;
      if (forced?.value === true) reasons.push(`required whatever the risk: ${describeCondition(t.also_required_when!)}`);
      else {
        const v = thresholdVerdict(t, fact, models, unknown);
        reasons.push(...v.reasons);
        factors = v.factors;
        if (!v.required) {
          required = false;
          if (forced?.value === 'unknown') {
            required = 'unknown';
            forced.missing.forEach((m) => unknown.add(m));
            reasons.push(`but required if ${describeCondition(t.also_required_when!)}; establish ${forced.missing.join(', ')}`);
          }
        }
      }
      if (required === true && !(forced?.value === true)) {
        for (const e of t.exemptions) {
          const x = evaluate(e.when, fact);
          if (x.value === true) {
            required = false;
            exemptedBy = e.id;
            reasons.push(`exempt under ${e.ref} (${e.id}): ${e.text}`);
            break;
          }
          if (x.value === 'unknown') {
            x.missing.forEach((m) => unknown.add(m));
            reasons.push(`would be exempt under ${e.ref} (${e.id}) if ${describeCondition(e.when)} (${x.missing.join(', ')} unknown)`);
          }
        }
        if (exemptedBy !== null) factors = NONE;
      }
    }
  }
  // A recorded decision overrides the assessment, and says so; a waiver only with a ground that holds.
  const waiver = record?.status === 'waived' ? checkWaiver(r, record, fact) : null;
  if (waiver) reasons.push(waiver.valid ? `waived: ${waiver.why}` : `waiver without a valid ground: ${waiver.why}`);
  if (record?.decided_required && required !== true) {
    reasons.push(`required by recorded decision: ${record.reason ?? 'no reason recorded'}`);
    required = true;
  }

  // The clock.
  const parts = plan.parts;
  let start: number | null = null;
  let startIso: string | null = null;
  let startSource: string | null = null;
  // A law that does not apply, with nothing recorded against it, has no clock: its start is neither
  // shown (as if a deadline ran from it) nor asked for (its start fact is not an unknown of it).
  const clockless = applies === false && record === null;
  if (clockless) {
    // (no clock)
  } else if (parts.startFact !== null) {
    const v = fact(parts.startFact);
    if (typeof v === 'string') {
      const i = instant(v);
      start = i.ms;
      startIso = i.iso;
      startSource = parts.startSource;
    } else unknown.add(parts.startFact);
  } else if ('obligation' in r.clock.starts) {
    const ref = r.clock.starts.obligation;
    const sent = Object.hasOwn(records, ref) ? records[ref]!.sent_at : undefined;
    if (sent) {
      start = Date.parse(sent);
      startSource = `${ref} sent`;
    }
  }
  let due: number | null = null;
  let target: number | null = null;
  let deadline: readonly string[] = NONE;
  // Deadlines are computed for what is or may be owed (or was sent anyway), not for laws that do not apply.
  if (start !== null && (required !== false || record?.sent_at)) {
    const nlt = r.clock.no_later_than;
    const nltAt = nlt ? fact(nlt.fact) : undefined;
    const w = r.clock.weekend_rule;
    const exempt = w?.unless ? evaluate(w.unless, fact) : undefined;
    const count = () => computeDue({
      start,
      deadline: r.clock.deadline,
      ...(r.clock.anchor ? { anchor: r.clock.anchor } : {}),
      ...(nlt && typeof nltAt === 'string' ? { noLaterThan: { at: Date.parse(nltAt), hours: nlt.hours, fact: nlt.fact } } : {}),
      ...(w
        ? {
            weekendRule: {
              zone: w.zone,
              holidays: w.holidays,
              // An unknown exemption keeps the earlier (unmoved) deadline: never promise extra time.
              applies: exempt === undefined || exempt.value === false,
              why: exempt?.value === true ? `exempt: ${describeCondition(w.unless!)}` : `not known whether exempt (${exempt?.missing.join(', ')}); the earlier deadline is kept`,
            },
          }
        : {}),
    });
    const computed = nlt || w ? count() : plainDue(plan, startIso ?? String(start), count);
    due = computed.due;
    target = computed.target;
    deadline = computed.steps;
    if (nlt && typeof nltAt !== 'string') deadline = [...deadline, `${nlt.fact} unknown: the ${nlt.hours} h cap from it is not applied yet`];
  }

  const sentAt = record?.sent_at ? Date.parse(record.sent_at) : null;
  // A not-applicable decision settles an open question; it cannot outweigh facts that make the duty required.
  const notApplicable = record?.status === 'not_applicable' && required !== true;
  if (record?.status === 'not_applicable') {
    reasons.push(notApplicable ? `decided not applicable: ${record.reason ?? 'no reason recorded'}` : `decided not applicable (${record.reason ?? 'no reason recorded'}), but the facts now make it required`);
  }
  let status: ObligationStatus;
  if (waiver?.valid) status = 'waived';
  else if (notApplicable && !record?.sent_at) status = 'not_applicable';
  else if (sentAt !== null) status = due !== null && sentAt > due ? 'late' : 'met';
  else if (required === false) status = 'not_required';
  else if (required === 'unknown') status = 'undetermined';
  else if (start === null) status = 'not_started';
  else {
    const limit = due ?? target;
    if (limit === null) status = 'running';
    else if (now > limit) status = 'overdue';
    else status = dueSoon(start, limit, now) ? 'due_soon' : 'running';
  }
  if (status === 'not_started') {
    reasons.push('fact' in r.clock.starts ? `clock not started: establish ${r.clock.starts.fact}` : `clock starts when ${r.clock.starts.obligation} is sent`);
  }
  if (status === 'late') reasons.push(`sent ${record!.sent_at}, after the deadline ${iso(due)}${record?.reason ? `; delay reason: ${record.reason}` : ''}`);

  // GDPR Art 33: the one-stop shop decides who receives the notification.
  let authorities: readonly Authority[] = parts.authorities;
  if (r.family === 'gdpr' && r.audience === 'authority' && required !== false) {
    const lead = leadAuthority(fact);
    reasons.push(`to whom: ${lead.reason}`);
    if (lead.rule !== 'unknown') authorities = lead.authorities;
  }
  const dueAt = iso(due);
  const targetAt = iso(target);
  return {
    id: r.id,
    regime: r.name,
    jurisdiction: r.jurisdiction,
    audience: r.audience,
    in_force: r.in_force,
    applies,
    required,
    recommended: r.voluntary === true && applies === true && required === false,
    reason: reasons.length === 1 ? reasons[0]! : reasons.join('; '),
    reasons,
    unknown_facts: unknown.size === 0 ? NONE : [...unknown],
    factors,
    clock_start: startIso ?? iso(start),
    clock_start_source: startSource,
    due_at: dueAt,
    target_at: targetAt,
    due: dueAt ?? targetAt,
    speculative: required === 'unknown' && applies === 'unknown' && record === null && !plan.positive(fact),
    waiver,
    deadline,
    stages: parts.stages,
    authorities,
    family: r.family ?? null,
    status,
    sent_at: record?.sent_at ?? null,
    record,
    citation: r.citation,
    source: r.source,
    unconfirmed: r.unconfirmed,
  };
}

/**
 * The entry of a law in force that does not apply, with no record: a pure function of the law and
 * why it does not apply (a shared explanation; a law that does not apply has no clock) — the general
 * path gives the same (test/unit/not-applying-entry.test.ts). Such entries are ~90% of an assessment
 * (a fact set names a few of 200 laws' jurisdictions), so each law keeps one per explanation: built
 * once, shared by every assessment it is the answer of. Hence never mutated (readonly).
 */
interface NotApplying { readonly explanation: Explanation; readonly entry: Obligation }
function notApplyingEntry(plan: Plan, e: Explanation): Obligation {
  let n = plan.last;
  if (n === undefined || n.explanation !== e) {
    n = plan.byExplanation.get(e);
    if (n === undefined) {
      // Explanations are shared per value, but values vary (a count of people): bounded like the caches above.
      if (plan.byExplanation.size > 64) plan.byExplanation.clear();
      plan.byExplanation.set(e, (n = { explanation: e, entry: notApplyingBuilt(plan.r, e, plan.parts) }));
    }
    plan.last = n;
  }
  return n.entry;
}

function notApplyingBuilt(r: Regime, e: Explanation, parts: RegimeParts): Obligation {
  const reasons = Object.freeze([notApplyingText(r.applies_when, e)]);
  return Object.freeze({
    id: r.id,
    regime: r.name,
    jurisdiction: r.jurisdiction,
    audience: r.audience,
    in_force: true,
    applies: false,
    required: false,
    recommended: false,
    reason: reasons[0]!,
    reasons,
    unknown_facts: NONE,
    factors: NONE,
    clock_start: null,
    clock_start_source: null,
    due_at: null,
    target_at: null,
    due: null,
    speculative: false,
    waiver: null,
    deadline: NONE,
    stages: parts.stages,
    authorities: parts.authorities,
    family: r.family ?? null,
    status: 'not_required',
    sent_at: null,
    record: null,
    citation: r.citation,
    source: r.source,
    unconfirmed: r.unconfirmed,
  });
}

/**
 * Does any condition of the law that is not negated already hold? (Something recorded points to
 * it.) Compiled once per law, like its judge.
 */
/** positiveOf, compiled on first use (only undetermined laws ask). */
function lazyPositive(c: Condition): (fact: Lookup) => boolean {
  let f: ((fact: Lookup) => boolean) | undefined;
  return (fact) => (f ??= positiveOf(c))(fact);
}
function positiveOf(c: Condition): (fact: Lookup) => boolean {
  const op = operatorOf(c);
  if (op === 'not') return () => false;
  if (op === 'all' || op === 'any') {
    const parts = (c as Record<string, readonly Condition[]>)[op]!.map(positiveOf);
    return (fact) => parts.some((p) => p(fact));
  }
  const truth = evaluatorOf(c);
  return (fact) => truth(fact).value === true;
}

/**
 * Two more kinds of entry that recur unchanged, each built once on the general path, kept per law
 * (bounded) and shared; test/unit/not-applying-entry.test.ts checks them against the general path:
 * - a law not in force (no duty, whatever the facts): a function of whether it would apply and of its
 *   clock's inputs (its start is still shown);
 * - a law in force whose applicability is undetermined, not GDPR's Art 33 (whose recipient depends
 *   on more facts): a function of the facts missing (the judgement is the
 *   same object for the same facts missing: unknownMemo in domain/condition.ts), its clock's inputs
 *   and whether anything recorded already points to it (speculative). NIS2, DORA and NYDFS stay so
 *   until their entity facts are known, in every assessment; the console re-assesses on every screen.
 * Neither has a record of its own (the caller checks).
 */
function keyedEntry(plan: Plan, a: Judgement, fact: Lookup, models: Models, records: Readonly<Record<string, ObligationProgress>>, now: number): Obligation {
  const first = plan.r.in_force ? a : a.value;
  let byClock = plan.keyed.get(first);
  if (byClock === undefined) {
    if (plan.keyed.size > 16) plan.keyed.clear();
    plan.keyed.set(first, (byClock = new Map()));
  }
  const key = clockInputs(plan, fact, records);
  let pair = byClock.get(key);
  if (pair === undefined) {
    if (byClock.size > 1024) byClock.clear();
    byClock.set(key, (pair = [undefined, undefined]));
  }
  const i = plan.r.in_force && plan.positive(fact) ? 0 : 1;
  return (pair[i] ??= Object.freeze(built(plan, a, null, fact, models, records, now)));
}

/**
 * What a law's clock is counted from: its start (a fact's text, or another duty's sending: one kind
 * per law), and only for a law with a cap or a weekend rule, as text with the cap's fact and whether
 * the weekend exemption holds. (The start text itself is the key of most: no string is built.)
 */
const NO_START = Symbol('no start');
function clockInputs(plan: Plan, fact: Lookup, records: Readonly<Record<string, ObligationProgress>>): string | symbol {
  const starts = plan.r.clock.starts;
  let start: string | symbol = NO_START;
  if (plan.parts.startFact !== null) {
    const v = fact(plan.parts.startFact);
    if (typeof v === 'string') start = v;
  } else if ('obligation' in starts) {
    const sent = Object.hasOwn(records, starts.obligation) ? records[starts.obligation]!.sent_at : undefined;
    if (sent) start = sent;
  }
  if (!plan.r.clock.no_later_than && !plan.r.clock.weekend_rule) return start;
  let key = typeof start === 'string' ? `=${start}` : '-';
  const nlt = plan.r.clock.no_later_than;
  if (nlt) {
    const v = fact(nlt.fact);
    key += typeof v === 'string' ? `|${v}` : '|-';
  }
  const unless = plan.r.clock.weekend_rule?.unless;
  if (unless) {
    const t = evaluate(unless, fact);
    key += `|${String(t.value)}:${t.missing.join(',')}`;
  }
  return key;
}

function checkWaiver(r: Regime, record: ObligationProgress, fact: Lookup): WaiverCheck {
  const base = { exemption: record.exemption ?? null, override: record.override === true };
  const reason = record.reason ?? 'no reason recorded';
  if (record.override) return { ...base, valid: true, why: `override (a decision against the assessment): ${reason}` };
  if (!record.exemption) return { ...base, valid: false, why: `no exemption or override recorded (${reason}); waive it again with --exemption <id> or --override` };
  const c = checkExemption(r, record.exemption, fact);
  const e = r.threshold?.exemptions.find((x) => x.id === record.exemption);
  if (c.holds === true) return { ...base, valid: true, why: `exempt under ${e!.ref} (${record.exemption}): ${reason}` };
  if (c.holds === false) return { ...base, valid: false, why: `exemption ${record.exemption} no longer holds: ${c.contradicted.join(', ')}` };
  if (c.holds === 'unknown') return { ...base, valid: false, why: `exemption ${record.exemption} rests on facts not established: ${c.missing.join(', ')}` };
  return { ...base, valid: false, why: `exemption ${record.exemption} is not an exemption of ${r.id}` };
}

/** Will this duty run against a clock unless it is settled: required or undetermined, with a due instant, not a mere lead. */
export function isUrgent(o: Obligation): o is Obligation & { readonly due: string } {
  return !isSettled(o.status) && o.required !== false && o.due !== null && !o.speculative;
}

/**
 * Most urgent first: every duty that is required or undetermined and has a due instant, soonest first
 * (so overdue first of all), whatever its status; then the other open ones (no due instant yet, or a
 * mere lead); then the settled ones.
 */
export function byUrgency(a: Obligation, b: Obligation): number {
  const group = (o: Obligation) => (isUrgent(o) ? 0 : isSettled(o.status) ? 2 : o.speculative ? 1.5 : 1);
  const g = group(a) - group(b);
  if (g !== 0) return g;
  if (group(a) === 2) {
    const rank: Partial<Record<ObligationStatus, number>> = { late: 0, met: 1, waived: 2, not_applicable: 3, not_required: 4 };
    const r = (rank[a.status] ?? 5) - (rank[b.status] ?? 5);
    if (r !== 0) return r;
  }
  if (a.due && b.due) return Date.parse(a.due) - Date.parse(b.due) || byCodeUnits(a.id, b.id);
  return a.due ? -1 : b.due ? 1 : byCodeUnits(a.id, b.id);
}

/**
 * The facts that would settle the most undetermined duties, most first: "establish data_categories:
 * decides 14 duties". What to ask before the leads are worth a headline.
 */
export function factsToEstablish(obligations: readonly Obligation[], limit = 3): { readonly fact: string; readonly decides: number }[] {
  const counts = new Map<string, number>();
  for (const o of obligations) {
    if (o.required !== 'unknown' || isSettled(o.status)) continue;
    for (const f of o.unknown_facts) counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return [...counts].map(([fact, decides]) => ({ fact, decides })).sort((a, b) => b.decides - a.decides || byCodeUnits(a.fact, b.fact)).slice(0, limit);
}
