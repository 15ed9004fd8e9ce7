import { and, assign, setup, stateIn } from 'xstate';
import { nextPhase, WORK_PHASES, type Phase, type WorkPhase } from '../domain/phases.js';
import type { FactRecord } from '../domain/facts.js';
import type { IncidentContext, MachineEvent, MachineInput, PhaseEntry } from './context.js';
import { nextObligationProgress } from './obligation-progress.js';
import { initialContext } from './context.js';
import { advanceBlockers, awarenessFrom, closeBlockers, completeBlockers, obligationBlockers, reopenBlockers, skipBlockers } from './rules.js';

export { MACHINE_VERSION } from './version.js';

type Ev<T extends MachineEvent['type']> = Extract<MachineEvent, { type: T }>;

/** Read the lifecycle phase from a snapshot value such as {lifecycle: {open: 'analysis'}, notification: 'dormant'}. */
export function phaseOfValue(value: unknown): Phase {
  const lifecycle = (value as { lifecycle: unknown }).lifecycle;
  if (lifecycle === 'closed') return 'closed';
  return (lifecycle as { open: WorkPhase }).open;
}

const phaseFromEvent = (e: MachineEvent): PhaseEntry['phase'] =>
  e.type === 'phase.advanced' ? e.payload.to : e.type === 'phase.reopened' ? e.payload.to : 'closed';

/** Thrown, once made, when an actor has neither input nor snapshot (see `context` below). */
const NO_INPUT = new TypeError('the incident statechart starts from its input (id, opened event, runbook), or from a snapshot');

/**
 * The incident lifecycle. Fixed for every runbook: the runbook's steps are data in the context.
 * Two regions run side by side: the lifecycle phases, and the notification region that wakes when
 * awareness is established (the legal clocks hang off it). Deadlines are not xstate timers: a CLI
 * process exits between commands, so clocks are computed from facts and event times instead.
 */
export const lifecycleMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as MachineEvent,
    input: {} as MachineInput,
  },
  guards: {
    canComplete: ({ context, event }) => completeBlockers(context, (event as Ev<'step.completed'>).payload.step).length === 0,
    canSkip: ({ context, event }) => skipBlockers(context, (event as Ev<'step.skipped'>).payload.step).length === 0,
    canAdvanceFrom: ({ context, event }, params: { phase: WorkPhase }) =>
      (event as Ev<'phase.advanced'>).payload.to === nextPhase(params.phase) && advanceBlockers(context, params.phase).length === 0,
    canClose: ({ context }) => closeBlockers(context, 'post-incident').length === 0,
    isReopenTo: ({ event }, params: { from: Phase; to: WorkPhase }) =>
      (event as Ev<'phase.reopened'>).payload.to === params.to && reopenBlockers(params.from, params.to).length === 0,
    establishesAwareness: ({ context, event }) => awarenessFrom(context, event) !== undefined,
    canRecordObligation: ({ context, event }) => {
      const e = event as Ev<'obligation.recorded'>;
      const p = e.payload;
      const ground = p.action === 'waived' ? { ...(p.exemption ? { exemption: p.exemption } : {}), override: p.override === true } : undefined;
      return obligationBlockers(context, p.obligation, p.action, ground).length === 0;
    },
  },
  actions: {
    recordDone: assign(({ context, event }) => {
      const e = event as Ev<'step.completed'>;
      const progress = { ...context.progress, [e.payload.step]: { status: 'done' as const, at: e.at, by: e.actor, ...(e.payload.note ? { note: e.payload.note } : {}) } };
      const aware = awarenessFrom(context, e);
      return { progress, lastAt: e.at, ...(aware ? { awareness: aware } : {}) };
    }),
    recordSkip: assign(({ context, event }) => {
      const e = event as Ev<'step.skipped'>;
      return { progress: { ...context.progress, [e.payload.step]: { status: 'skipped' as const, at: e.at, by: e.actor, reason: e.payload.reason } }, lastAt: e.at };
    }),
    recordFacts: assign(({ context, event }) => {
      const e = event as Ev<'facts.recorded'>;
      const facts: Record<string, FactRecord> = { ...context.facts };
      for (const [k, v] of Object.entries(e.payload.facts)) facts[k] = { value: v, at: e.at, by: e.actor };
      // key=-: the fact is unknown again (its earlier values stay in the log).
      for (const k of e.payload.cleared ?? []) delete facts[k];
      // A recorded aware_at is more precise than the time the awareness step was ticked.
      const aware = typeof e.payload.facts.aware_at === 'string' ? { at: e.payload.facts.aware_at, source: 'fact aware_at' } : undefined;
      return { facts, lastAt: e.at, ...(aware ? { awareness: aware } : {}) };
    }),
    recordObligation: assign(({ context, event }) => {
      const e = event as Ev<'obligation.triggered' | 'obligation.cleared' | 'obligation.recorded'>;
      const id = e.payload.obligation;
      const next = nextObligationProgress(Object.hasOwn(context.obligations, id) ? context.obligations[id] : undefined, e);
      return { obligations: { ...context.obligations, [id]: next }, lastAt: e.at };
    }),
    /**
     * A withdrawn entry: restore what the retraction carries (decided from the log) and keep the why.
     * Awareness, once established, stays (the legal clocks do not stop because an entry is withdrawn);
     * a restored aware_at moves it, as a recorded one does.
     */
    applyRetraction: assign(({ context, event }) => {
      const e = event as Ev<'entry.retracted'>;
      const p = e.payload;
      const entry = { seq: p.seq, type: p.of, at: e.at, by: e.actor, reason: p.reason };
      const out: Partial<IncidentContext> = { withdrawn: [...(context.withdrawn ?? []), entry], lastAt: e.at };
      if (p.facts) {
        const facts: Record<string, FactRecord> = { ...context.facts };
        for (const [k, r] of Object.entries(p.facts)) {
          if (r === null) delete facts[k];
          else facts[k] = r;
        }
        return { ...out, facts, ...(p.facts.aware_at && typeof p.facts.aware_at.value === 'string' ? { awareness: { at: p.facts.aware_at.value, source: 'fact aware_at' } } : {}) };
      }
      if (p.step) {
        const progress = { ...context.progress };
        if (p.step.progress === null) delete progress[p.step.id];
        else progress[p.step.id] = p.step.progress;
        return { ...out, progress };
      }
      if (p.obligation) return { ...out, obligations: { ...context.obligations, [p.obligation.id]: p.obligation.progress } };
      if (p.of === 'note.added') return { ...out, notes: Math.max(0, context.notes - 1) };
      return out;
    }),
    touch: assign(({ event }) => ({ lastAt: event.at })),
    countNote: assign(({ context, event }) => ({ notes: context.notes + 1, lastAt: event.at })),
    assignTeam: assign(({ context, event }) => {
      const e = event as Ev<'team.assigned'>;
      const held = Object.hasOwn(context.team, e.payload.member) ? context.team[e.payload.member]! : [];
      if (held.includes(e.payload.role)) return { lastAt: e.at };
      return { team: { ...context.team, [e.payload.member]: [...held, e.payload.role] }, lastAt: e.at };
    }),
    recordAction: assign(({ context, event }) => {
      const e = event as Ev<'action.recorded'>;
      return { actions: [...context.actions, { ...e.payload, at: e.at, by: e.actor }], lastAt: e.at };
    }),
    enterPhase: assign(({ context, event }) => {
      const e = event as Ev<'phase.advanced' | 'phase.reopened' | 'incident.closed'>;
      const via = e.type === 'phase.advanced' ? 'advance' : e.type === 'phase.reopened' ? 'reopen' : 'close';
      const entry: PhaseEntry = { phase: phaseFromEvent(e), at: e.at, by: e.actor, via, ...(e.type === 'phase.reopened' ? { reason: e.payload.reason } : {}) };
      return { phases: [...context.phases, entry], lastAt: e.at };
    }),
  },
}).createMachine({
  id: 'incident',
  type: 'parallel',
  // xstate's pure transition() builds a throw-away actor without input on every call, whose initial
  // context then failed to destructure: a TypeError with its stack trace, ~75 of its ~90 µs. The same
  // refusal with an error made once (an actor without input is still an error), without the cost.
  context: ({ input }) => {
    if (input === undefined) throw NO_INPUT;
    return initialContext(input);
  },
  // Documents change nothing the rules read; the event is kept for the audit trail (and accepted in
  // every phase, closed included: the post-incident report is written after close). Action items
  // likewise: follow-ups are often agreed at or after the review.
  // Drill clock and injects likewise change nothing the rules read (revealed facts arrive as
  // facts.recorded); a drill may run on after its incident is closed.
  on: {
    'note.added': { actions: 'countNote' },
    'document.rendered': { actions: 'touch' },
    'action.recorded': { actions: 'recordAction' },
    // Who holds which role is accepted in every phase (a counsel may join after close to review).
    'team.assigned': { actions: 'assignTeam' },
    // Keys and evidence change nothing the rules read; accepted in every phase (evidence is often
    // handed to counsel after close). The engine and verify read them from the log.
    'key.registered': { actions: 'touch' },
    'evidence.added': { actions: 'touch' },
    'evidence.transferred': { actions: 'touch' },
    'drill.advanced': { actions: 'touch' },
    'drill.inject': { actions: 'touch' },
    'drill.ended': { actions: 'touch' },
  },
  states: {
    lifecycle: {
      initial: 'open',
      states: {
        open: {
          initial: 'detection',
          on: {
            'step.completed': { guard: 'canComplete', actions: 'recordDone' },
            'step.skipped': { guard: 'canSkip', actions: 'recordSkip' },
            'facts.recorded': { actions: 'recordFacts' },
            'obligation.triggered': { actions: 'recordObligation' },
            'obligation.cleared': { actions: 'recordObligation' },
            'obligation.recorded': { guard: 'canRecordObligation', actions: 'recordObligation' },
            'entry.retracted': { actions: 'applyRetraction' },
          },
          states: Object.fromEntries(
            WORK_PHASES.map((phase, i) => {
              const earlier = WORK_PHASES.slice(0, i);
              const on: Record<string, unknown> = {
                'phase.reopened': earlier.map((to) => ({
                  guard: { type: 'isReopenTo', params: { from: phase, to } },
                  target: `#incident.lifecycle.open.${to}`,
                  actions: 'enterPhase',
                })),
              };
              if (phase === 'post-incident') {
                on['incident.closed'] = { guard: 'canClose', target: '#incident.lifecycle.closed', actions: 'enterPhase' };
              } else {
                on['phase.advanced'] = { guard: { type: 'canAdvanceFrom', params: { phase } }, target: WORK_PHASES[i + 1], actions: 'enterPhase' };
              }
              return [phase, { on }];
            }),
          ) as never,
        },
        closed: {
          on: {
            'phase.reopened': WORK_PHASES.map((to) => ({
              guard: { type: 'isReopenTo', params: { from: 'closed', to } },
              target: `#incident.lifecycle.open.${to}`,
              actions: 'enterPhase',
            })) as never,
          },
        },
      },
    },
    notification: {
      initial: 'dormant',
      states: {
        dormant: {
          on: {
            // Only events the open lifecycle accepts can wake the region (a closed incident takes no steps).
            'step.completed': { guard: and(['establishesAwareness', 'canComplete', stateIn('#incident.lifecycle.open')]), target: 'active' },
            'facts.recorded': { guard: and(['establishesAwareness', stateIn('#incident.lifecycle.open')]), target: 'active' },
          },
        },
        active: {},
      },
    },
  },
});

export type LifecycleMachine = typeof lifecycleMachine;
