import type { Uncovered } from '../assess/coverage.js';
import { factsToEstablish, type Obligation, type ObligationStatus } from '../assess/obligations.js';
import { isDecidedNotToSend, isSent, isSettled } from '../domain/obligation.js';
import type { Severity } from '../assess/enisa.js';
import type { StoredEvent } from '../domain/events.js';
import type { FactDefinition, FactValue } from '../domain/facts.js';
import { phaseIndex, type Phase } from '../domain/phases.js';
import type { Engine } from '../engine/engine.js';
import { closeRefusals, legalCloseBlockers } from '../engine/decide.js';
import { assessContext, regimes } from '../engine/obligations.js';
import { describeEntry, isLate, statusView, withdrawals } from '../engine/views.js';
import { utc } from './format.js';
import { evidenceOf, type EvidenceItem } from '../engine/evidence.js';
import type { ActionItem } from '../machine/context.js';

/**
 * Everything a report shows, gathered from the engine into one plain object: the writers below
 * never touch the engine, the database or the clock. Reading records nothing.
 */

export const REPORT_KINDS = ['timeline', 'post-incident', 'executive'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const REPORT_FORMATS = ['md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly recorded_at: string;
  readonly actor: string;
  /** One line (describeEvent): contains people's words, escape before use. */
  readonly what: string;
  readonly late: boolean;
  /** recorded_at − at. */
  readonly delay_ms: number;
  readonly event: StoredEvent;
}

export interface PhaseSpan {
  readonly phase: Phase;
  readonly at: string;
  readonly by: string;
  readonly via: 'open' | 'advance' | 'reopen' | 'close';
  readonly reason?: string;
  /** When the next phase began; null while it is the current phase. */
  readonly until: string | null;
}

/** A measured span, or why it cannot be measured yet (never an invented number). */
export type Measure =
  | { readonly known: true; readonly from: string; readonly to: string; readonly ms: number; readonly from_label: string; readonly to_label: string }
  | { readonly known: false; readonly why: string };

export interface ReportObligation {
  readonly id: string;
  readonly regime: string;
  readonly jurisdiction: string;
  readonly audience: string;
  readonly status: ObligationStatus;
  readonly clock_start: string | null;
  readonly clock_start_source: string | null;
  /** The legal deadline, or irr's target where the law says "without undue delay". */
  readonly deadline: string | null;
  readonly deadline_kind: 'due' | 'target' | null;
  readonly sent_at: string | null;
  readonly channel?: string;
  readonly ref?: string;
  /** Delay reason (late), waiver reason (waived), decision reason. */
  readonly reason?: string;
  /** A recorded waiver and its ground checked against the facts (override: a decision against the assessment). */
  readonly waiver?: { readonly exemption: string | null; readonly override: boolean; readonly valid: boolean; readonly why: string };
  readonly citation: string;
  /** The recipient the regime names (its authority: a regulator, the consumer reporting agencies, the controller), when it names one. */
  readonly authority: string | null;
}

/**
 * A voluntary regime that reaches the incident (Hong Kong PCPD, Argentina AAIP): no legal duty, the
 * authority recommends notifying. Listed apart from the required notices, never as "not required".
 */
export interface ReportRecommended {
  readonly id: string;
  readonly regime: string;
  readonly jurisdiction: string;
  readonly audience: string;
  /** Who recommends it (the regime's authority), when the regime names one. */
  readonly authority: string | null;
  /** not_required (not sent), or met/late once sent anyway; waived or not applicable by a decision. */
  readonly status: ObligationStatus;
  readonly sent_at: string | null;
  readonly reason?: string;
}

export interface ReportData {
  readonly now: string;
  readonly incident: {
    readonly id: string;
    readonly title: string;
    readonly mode: string;
    readonly phase: Phase;
    readonly opened_at: string;
    readonly opened_by: string;
    readonly closed_at: string | null;
    readonly playbook: { readonly id: string; readonly version: string; readonly title: string };
  };
  readonly head: { readonly seq: number; readonly hash: string };
  readonly events: readonly ReportEvent[];
  /** Evidence files recorded in the log (evidence.added), with their custody (issue 13). */
  readonly evidence: readonly EvidenceItem[];
  readonly phases: readonly PhaseSpan[];
  /** Detection: fact detected_at, else the moment the incident was opened. */
  readonly detection: { readonly at: string; readonly source: string };
  readonly awareness: { readonly at: string; readonly source: string } | null;
  readonly measures: { readonly detect: Measure; readonly contain: Measure; readonly recover: Measure };
  readonly facts: Readonly<Record<string, FactValue>>;
  readonly severity: Severity;
  /** Required, or sent or waived whatever the assessment now says; by deadline. */
  readonly obligations: readonly ReportObligation[];
  /** Notifications recommended where the law sets no duty (voluntary regimes that apply). */
  readonly recommended: readonly ReportRecommended[];
  /** Notices that may be owed: whether depends on facts still to establish. */
  readonly undetermined: readonly {
    readonly id: string;
    readonly unknown_facts: readonly string[];
    /** When it would be due if required (null when its clock has not started). */
    readonly due: string | null;
    readonly deadline_kind: 'due' | 'target' | null;
    readonly audience: string;
    readonly jurisdiction: string;
    /** A lead: nothing recorded points to the law yet (not shown as a possible deadline). */
    readonly speculative: boolean;
    /** The recipient the regime names, when it names one (for another party: who that is). */
    readonly authority: string | null;
  }[];
  /** Jurisdictions with affected people that no regime covers (irr has no rule there). */
  readonly uncovered: readonly Uncovered[];
  /** The facts that would settle the most undetermined duties, with how many each decides. */
  readonly establish_first: readonly { readonly fact: string; readonly decides: number }[];
  readonly actions: readonly ActionItem[];
  /** The runbook's roles: id → title ("it_operations" → "IT operations lead"), for people-facing pages. */
  readonly roles: Readonly<Record<string, string>>;
  /** Fact id → the vocabulary's words for it (docs/facts.md), for pages that must not show fact keys. */
  readonly fact_words: Readonly<Record<string, string>>;
  readonly steps: { readonly total: number; readonly done: number; readonly skipped: number; readonly pending: number };
  /** What holds the next move (advance, or close from post-incident). */
  readonly holds: readonly string[];
}

/**
 * A fact in the vocabulary's own words, for pages read by people: its description without the
 * parenthesised detail, a yes/no fact as a question ("whether the organisation is a financial entity
 * under DORA"), anything else as what is to be established ("when the breach itself happened").
 */
export function factWords(key: string, def: FactDefinition): string {
  let plain = def.description;
  // Innermost first, so "(Regulation (EU) 2022/2554)" goes whole.
  while (/\([^()]*\)/.test(plain)) plain = plain.replace(/\s*\([^()]*\)/g, '');
  plain = plain.replace(/[.?]\s*$/, '').trim();
  if (plain === '') return key.replace(/_/g, ' ');
  const lower = /^[A-Z][a-z]/.test(plain) ? plain[0]!.toLowerCase() + plain.slice(1) : plain;
  return def.kind === 'boolean' ? `whether ${lower}` : lower;
}

const fact = (facts: Readonly<Record<string, FactValue>>, name: string): FactValue | undefined => (Object.hasOwn(facts, name) ? facts[name] : undefined);
const instantFact = (facts: Readonly<Record<string, FactValue>>, name: string): string | undefined => {
  const v = fact(facts, name);
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined;
};

export function phaseSpans(entries: readonly { phase: Phase; at: string; by: string; via: PhaseSpan['via']; reason?: string }[]): PhaseSpan[] {
  return entries.map((e, i) => ({ phase: e.phase, at: e.at, by: e.by, via: e.via, ...(e.reason ? { reason: e.reason } : {}), until: entries[i + 1]?.at ?? null }));
}

/**
 * Time to detect (occurred → detected), to contain (detection → leaving containment) and to recover
 * (detection → entering post-incident). A reopening back to an earlier phase undoes the later
 * moments: only the last move out of containment, or into post-incident, counts, and only if the
 * incident has not gone back before it since.
 */
export function measures(spans: readonly PhaseSpan[], current: Phase, facts: Readonly<Record<string, FactValue>>, detection: { at: string; source: string }): ReportData['measures'] {
  const occurred = instantFact(facts, 'occurred_at');
  const detectionLabel = detection.source === 'fact detected_at' ? 'detected (fact detected_at)' : 'incident opened (no fact detected_at)';
  const detect: Measure = occurred
    ? { known: true, from: occurred, to: detection.at, ms: Date.parse(detection.at) - Date.parse(occurred), from_label: 'breach occurred (fact occurred_at)', to_label: detectionLabel }
    : { known: false, why: 'unknown: set fact occurred_at' };
  const reached = (phase: Phase, label: string): Measure => {
    if (phaseIndex(current) < phaseIndex(phase)) return { known: false, why: 'not yet' };
    const entry = [...spans].reverse().find((s) => s.phase === phase && s.via === 'advance');
    if (!entry) return { known: false, why: 'not yet' };
    return { known: true, from: detection.at, to: entry.at, ms: Date.parse(entry.at) - Date.parse(detection.at), from_label: detectionLabel, to_label: label };
  };
  return {
    detect,
    contain: reached('eradication', 'containment phase left'),
    recover: reached('post-incident', 'post-incident review begun'),
  };
}

function reportObligation(o: Obligation): ReportObligation {
  const r = o.record;
  const deadline = o.due;
  return {
    id: o.id,
    regime: o.regime,
    jurisdiction: o.jurisdiction,
    audience: o.audience,
    status: o.status,
    clock_start: o.clock_start,
    clock_start_source: o.clock_start_source,
    deadline,
    deadline_kind: o.due_at ? 'due' : o.target_at ? 'target' : null,
    sent_at: o.sent_at,
    ...(r?.channel ? { channel: r.channel } : {}),
    ...(r?.ref ? { ref: r.ref } : {}),
    ...(r?.reason ? { reason: r.reason } : {}),
    ...(o.waiver ? { waiver: o.waiver } : {}),
    citation: o.citation,
    authority: o.authorities.length === 1 ? o.authorities[0]!.name : null,
  };
}

function reportRecommended(o: Obligation): ReportRecommended {
  return {
    id: o.id,
    regime: o.regime,
    jurisdiction: o.jurisdiction,
    audience: o.audience,
    authority: o.authorities[0]?.name ?? null,
    status: o.status,
    sent_at: o.sent_at,
    ...(o.record?.reason ? { reason: o.record.reason } : {}),
  };
}

/** Open duties with a deadline first, soonest first (so overdue first of all), then the rest by deadline. */
const byDeadline = (a: ReportObligation, b: ReportObligation) => {
  const group = (o: ReportObligation) => (!isSettled(o.status) && o.deadline ? 0 : 1);
  const da = a.deadline ? Date.parse(a.deadline) : Infinity;
  const db = b.deadline ? Date.parse(b.deadline) : Infinity;
  return group(a) - group(b) || da - db || a.id.localeCompare(b.id);
};

/**
 * Read one incident for a report. The events and the folded state are read until they agree on the
 * head (a responder in another terminal may append in between), so the hash printed is the hash of
 * exactly the log the report shows.
 */
export async function gatherReport(engine: Engine, id: string, now: string): Promise<ReportData> {
  const all = await regimes();
  for (let attempt = 0; ; attempt++) {
    const events = await engine.events((await engine.incident(id)).id);
    const loaded = await engine.load(id);
    const last = events.at(-1)!;
    if ((last.seq !== loaded.head.seq || last.hash !== loaded.head.hash) && attempt < 5) continue;
    const ctx = loaded.ctx;
    const runbook = loaded.runbook;
    const view = statusView(loaded);
    const assessment = assessContext(ctx, all, now);
    const facts = view.facts;
    const detectedAt = instantFact(facts, 'detected_at');
    const detection = detectedAt ? { at: detectedAt, source: 'fact detected_at' } : { at: ctx.openedAt, source: 'incident opened' };
    const spans = phaseSpans(ctx.phases);
    const closed = loaded.phase === 'closed' ? spans.at(-1)!.at : null;
    // Required, sent, waived (validly or not) or decided not applicable: every duty a decision or the facts touched.
    // A voluntary regime's notice, even once sent, is a recommendation followed, not a required notice.
    const listed = assessment.obligations.filter((o) => !o.recommended && (o.required === true || isSent(o.status) || isDecidedNotToSend(o.status) || o.waiver !== null));
    return {
      now,
      incident: {
        id: ctx.id,
        title: ctx.title,
        mode: ctx.mode,
        phase: loaded.phase,
        opened_at: ctx.openedAt,
        opened_by: ctx.openedBy,
        closed_at: closed,
        playbook: { id: ctx.playbook.id, version: ctx.playbook.version, title: runbook.title },
      },
      head: { seq: last.seq, hash: last.hash },
      events: events.map((e, _i, all) => ({
        seq: e.seq,
        type: e.type,
        at: e.at,
        recorded_at: e.recorded_at,
        actor: e.actor,
        // Times inside an entry's words as the report writes every time ("2026-03-02 09:00 UTC"), not as stored ISO.
        what: describeEntry(e, runbook, withdrawnIn(all), utc),
        late: isLate(e),
        delay_ms: Date.parse(e.recorded_at) - Date.parse(e.at),
        event: e,
      })),
      evidence: evidenceOf(events),
      phases: spans,
      detection,
      awareness: ctx.awareness ?? null,
      measures: measures(spans, loaded.phase, facts, detection),
      facts,
      severity: assessment.severity,
      obligations: listed.map(reportObligation).sort(byDeadline),
      recommended: assessment.obligations.filter((o) => o.recommended).map(reportRecommended),
      undetermined: assessment.obligations
        .filter((o) => o.required === 'unknown' && o.status === 'undetermined' && o.waiver === null)
        .map((o) => ({ id: o.id, unknown_facts: o.unknown_facts, due: o.due, deadline_kind: o.due_at ? ('due' as const) : o.target_at ? ('target' as const) : null, audience: o.audience, jurisdiction: o.jurisdiction, speculative: o.speculative, authority: o.authorities.length === 1 ? o.authorities[0]!.name : null })),
      uncovered: assessment.uncovered,
      establish_first: factsToEstablish(assessment.obligations),
      actions: ctx.actions,
      roles: Object.fromEntries(runbook.roles.map((r) => [r.id, r.title])),
      fact_words: Object.fromEntries(Object.entries(engine.catalogue(runbook)).map(([k, def]) => [k, factWords(k, def)])),
      steps: {
        total: view.steps.filter((s) => s.status !== 'not_applicable').length,
        done: view.steps.filter((s) => s.status === 'done').length,
        skipped: view.steps.filter((s) => s.status === 'skipped').length,
        pending: view.steps.filter((s) => s.status === 'pending').length,
      },
      // Closing also waits on the legal duties (the same lines irr close would print).
      holds: loaded.phase === 'post-incident' ? closeRefusals(ctx, loaded.phase, legalCloseBlockers(ctx.id, assessment.obligations)) : view.holds,
    };
  }
}

const withdrawnCache = new WeakMap<readonly StoredEvent[], ReturnType<typeof withdrawals>>();
/** The withdrawals of one log, computed once per report. */
function withdrawnIn(events: readonly StoredEvent[]): ReturnType<typeof withdrawals> {
  let w = withdrawnCache.get(events);
  if (!w) withdrawnCache.set(events, (w = withdrawals(events)));
  return w;
}
