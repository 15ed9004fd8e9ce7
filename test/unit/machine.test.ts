import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import { transition } from 'xstate';
import type { MachineEvent } from '../../src/machine/context.js';
import { lifecycleMachine, phaseOfValue } from '../../src/machine/lifecycle.js';
import { restore, startIncident, step, toState, type LifecycleSnapshot } from '../../src/machine/fold.js';
import { advanceBlockers, closeBlockers, completeBlockers, dependencyWarnings, reopenBlockers, skipBlockers } from '../../src/machine/rules.js';
import { loadRunbookFile } from '../../src/playbook/runbook.js';
import { WORK_PHASES, phaseIndex, nextPhase, type WorkPhase } from '../../src/domain/phases.js';
import { MINI } from '../helpers.js';

const { runbook, hash } = loadRunbookFile(MINI);
const T0 = Date.parse('2026-03-01T09:00:00Z');
let tick = 0;
const at = () => new Date(T0 + ++tick * 60_000).toISOString();
const opened = { type: 'incident.opened' as const, at: new Date(T0).toISOString(), actor: 'alice', payload: { title: 'Test', mode: 'real' as const, playbook: { id: 'mini', version: '1.0.0', hash } } };
const start = () => startIncident('INC-2026-0001', opened, runbook);

const ev = {
  done: (s: string): MachineEvent => ({ type: 'step.completed', at: at(), actor: 'bob', payload: { step: s } }),
  skip: (s: string): MachineEvent => ({ type: 'step.skipped', at: at(), actor: 'bob', payload: { step: s, reason: 'not needed' } }),
  facts: (facts: Record<string, unknown>): MachineEvent => ({ type: 'facts.recorded', at: at(), actor: 'bob', payload: { facts: facts as never } }),
  advance: (from: WorkPhase): MachineEvent => ({ type: 'phase.advanced', at: at(), actor: 'bob', payload: { from, to: nextPhase(from) } }),
  reopen: (from: string, to: WorkPhase): MachineEvent => ({ type: 'phase.reopened', at: at(), actor: 'bob', payload: { from: from as never, to, reason: 'reinfection' } }),
  close: (): MachineEvent => ({ type: 'incident.closed', at: at(), actor: 'bob', payload: {} }),
  note: (): MachineEvent => ({ type: 'note.added', at: at(), actor: 'bob', payload: { text: 'n' } }),
};

function run(events: MachineEvent[]): LifecycleSnapshot {
  let s = start();
  for (const e of events) {
    const next = step(s, e);
    if (!next) throw new Error(`refused: ${e.type} ${JSON.stringify(e.payload)}`);
    s = next;
  }
  return s;
}

const phase = (s: LifecycleSnapshot) => phaseOfValue(s.value);

describe('lifecycle statechart, examples', () => {
  it('starts in detection with the notification region dormant', () => {
    const s = start();
    expect(s.value).toEqual({ lifecycle: { open: 'detection' }, notification: 'dormant' });
    expect(s.context.plan.map((p) => p.id)).toEqual(['triage', 'confirm-breach', 'card-scope', 'optional-extra', 'contain', 'eradicate', 'recover', 'review']);
  });

  it('refuses to leave a phase with a required step open, and allows it once done', () => {
    const s = run([]);
    expect(step(s, ev.advance('detection'))).toBeUndefined();
    expect(advanceBlockers(s.context, 'detection')).toEqual(['triage: required, not done or skipped']);
    expect(phase(run([ev.done('triage'), ev.advance('detection')]))).toBe('analysis');
  });

  it('depends_on advises, it does not refuse: a step done before its dependency is accepted with a warning', () => {
    const s = start();
    expect(completeBlockers(s.context, 'confirm-breach')).toEqual([]);
    expect(dependencyWarnings(s.context, 'confirm-breach')).toEqual(['done before triage (its depends_on; record it when done)']);
    const after = step(s, ev.done('confirm-breach'));
    expect(after?.context.progress['confirm-breach']?.status).toBe('done');
    // Leaving the phase still needs the required step it skipped ahead of.
    expect(advanceBlockers(after!.context, 'detection')).toEqual(['triage: required, not done or skipped']);
  });

  it('wakes the notification region when the awareness step is done, at that step’s time', () => {
    const s = run([ev.done('triage'), ev.done('confirm-breach')]);
    expect(s.value).toMatchObject({ notification: 'active' });
    expect(s.context.awareness?.source).toBe('step confirm-breach');
  });

  it('takes awareness from a recorded aware_at fact, which is more precise', () => {
    const s = run([ev.facts({ aware_at: '2026-02-28T22:00:00.000Z' })]);
    expect(s.value).toMatchObject({ notification: 'active' });
    expect(s.context.awareness).toEqual({ at: '2026-02-28T22:00:00.000Z', source: 'fact aware_at' });
  });

  it('treats a conditional step as required while its fact is unknown, and not once it is false', () => {
    const base = [ev.done('triage'), ev.advance('detection'), ev.done('confirm-breach')];
    const unknown = run(base);
    expect(advanceBlockers(unknown.context, 'analysis')).toEqual(['card-scope: required while data_categories is unknown (applies when data_categories includes payment_card)']);
    const noCards = run([...base, ev.facts({ data_categories: ['contact'] })]);
    expect(advanceBlockers(noCards.context, 'analysis')).toEqual([]);
    const cards = run([...base, ev.facts({ data_categories: ['payment_card'] })]);
    expect(advanceBlockers(cards.context, 'analysis')).toEqual(['card-scope: required, not done or skipped']);
    expect(phase(run([...base, ev.facts({ data_categories: ['payment_card'] }), ev.skip('card-scope'), ev.advance('analysis')]))).toBe('containment');
  });

  const toPostIncident = () => [
    ev.done('triage'),
    ev.advance('detection'),
    ev.done('confirm-breach'),
    ev.facts({ data_categories: ['contact'] }),
    ev.advance('analysis'),
    ev.done('contain'),
    ev.advance('containment'),
    ev.done('eradicate'),
    ev.advance('eradication'),
    ev.done('recover'),
    ev.advance('recovery'),
  ];

  it('closes only from post-incident with the review done, not skipped', () => {
    const s = run(toPostIncident());
    expect(phase(s)).toBe('post-incident');
    expect(step(s, ev.advance('post-incident' as WorkPhase))).toBeUndefined();
    const skipped = run([...toPostIncident(), ev.skip('review')]);
    expect(step(skipped, ev.close())).toBeUndefined();
    expect(closeBlockers(skipped.context, 'post-incident')).toEqual(['review: the post-incident review must be done (not skipped)']);
    const closed = run([...toPostIncident(), ev.done('review'), ev.close()]);
    expect(closed.value).toMatchObject({ lifecycle: 'closed' });
  });

  it('refuses to close while an obligation is unresolved', () => {
    const s = run([...toPostIncident(), ev.done('review')]);
    const withObligation = lifecycleMachine.resolveState({ value: s.value, context: { ...s.context, obligations: { 'gdpr-art33': { status: 'drafted', triggered: true } } } });
    expect(step(withObligation, ev.close())).toBeUndefined();
    expect(closeBlockers(withObligation.context, 'post-incident')).toEqual(['obligation gdpr-art33 is drafted (send it, or waive it with a reason)']);
  });

  it('goes back with a reason (reinfection → containment), only to an earlier phase', () => {
    const s = run(toPostIncident().slice(0, 8)); // in eradication
    expect(phase(s)).toBe('eradication');
    expect(phase(step(s, ev.reopen('eradication', 'containment'))!)).toBe('containment');
    expect(step(s, ev.reopen('eradication', 'recovery'))).toBeUndefined();
    expect(reopenBlockers('eradication', 'recovery')[0]).toContain('reopen goes back to an earlier phase');
    const closed = run([...toPostIncident(), ev.done('review'), ev.close()]);
    const back = step(closed, ev.reopen('closed', 'analysis'))!;
    expect(phase(back)).toBe('analysis');
    expect(back.context.phases.at(-1)).toMatchObject({ phase: 'analysis', via: 'reopen', reason: 'reinfection' });
  });

  it('takes no steps or facts once closed, but notes still', () => {
    const closed = run([...toPostIncident(), ev.done('review'), ev.close()]);
    expect(step(closed, ev.done('optional-extra'))).toBeUndefined();
    expect(step(closed, ev.facts({ subjects_total: 3 }))).toBeUndefined();
    expect(step(closed, ev.note())!.context.notes).toBe(1);
  });

  it('never reads the clock: the same events give the same state', () => {
    tick = 0;
    const a = toState(run(toPostIncident()), 12);
    tick = 0;
    const b = toState(run(toPostIncident()), 12);
    expect(a).toEqual(b);
  });

  it('restores from a persisted state and carries on', () => {
    const s = run(toPostIncident());
    const restored = restore(JSON.parse(JSON.stringify(toState(s, 12))), runbook);
    expect(phase(step(restored, ev.done('review'))!)).toBe('post-incident');
  });
});

/**
 * Model-based: walk the shortest path to every reachable state of the statechart (for the mini
 * runbook) and check, in each state, that the machine accepts an event exactly when the rules
 * that explain refusals say it may, and that the safety properties hold.
 */
describe('lifecycle statechart, model-based (xstate/graph)', () => {
  const candidates = (s: LifecycleSnapshot): MachineEvent[] => {
    const p = phase(s);
    const events: MachineEvent[] = [
      ...s.context.plan.map((x) => ({ type: 'step.completed', at: opened.at, actor: 'm', payload: { step: x.id } }) as MachineEvent),
      { type: 'step.skipped', at: opened.at, actor: 'm', payload: { step: 'card-scope', reason: 'r' } },
      { type: 'step.skipped', at: opened.at, actor: 'm', payload: { step: 'review', reason: 'r' } },
      { type: 'facts.recorded', at: opened.at, actor: 'm', payload: { facts: { data_categories: ['payment_card'] } } },
      { type: 'incident.closed', at: opened.at, actor: 'm', payload: {} },
    ];
    if (p !== 'closed' && p !== 'post-incident') events.push({ type: 'phase.advanced', at: opened.at, actor: 'm', payload: { from: p, to: nextPhase(p) } });
    if (p === 'recovery' || p === 'closed') events.push({ type: 'phase.reopened', at: opened.at, actor: 'm', payload: { from: p, to: 'containment', reason: 'reinfection' } });
    return events;
  };

  const serialize = (s: LifecycleSnapshot) =>
    JSON.stringify([s.value, Object.entries(s.context.progress).map(([k, v]) => `${k}:${v.status}`).sort(), s.context.facts.data_categories ? 1 : 0]);

  const paths = getShortestPaths(lifecycleMachine, {
    input: { id: 'INC-2026-0001', opened, runbook },
    events: candidates,
    serializeState: (s) => serialize(s as LifecycleSnapshot),
    serializeEvent: (e) => JSON.stringify([e.type, (e as MachineEvent).payload]),
  });

  it('reaches closed, and through a reopen after closing', () => {
    expect(paths.length).toBeGreaterThan(200);
    expect(paths.some((p) => (p.state.value as { lifecycle: unknown }).lifecycle === 'closed')).toBe(true);
    const closed = paths.filter((p) => phase(p.state as LifecycleSnapshot) === 'closed');
    for (const p of closed) {
      const back = transition(lifecycleMachine, p.state as LifecycleSnapshot, { type: 'phase.reopened', at: opened.at, actor: 'm', payload: { from: 'closed', to: 'containment', reason: 'reinfection' } })[0];
      expect(phase(back)).toBe('containment');
    }
  });

  it('in every reachable state, the machine accepts exactly what the rules allow', () => {
    let checked = 0;
    for (const path of paths) {
      const s = path.state as LifecycleSnapshot;
      const p = phase(s);
      for (const e of candidates(s)) {
        const accepted = transition(lifecycleMachine, s, e)[0] !== s;
        let allowed: boolean;
        switch (e.type) {
          case 'step.completed':
            allowed = p !== 'closed' && completeBlockers(s.context, e.payload.step).length === 0;
            break;
          case 'step.skipped':
            allowed = p !== 'closed' && skipBlockers(s.context, e.payload.step).length === 0;
            break;
          case 'facts.recorded':
            allowed = p !== 'closed';
            break;
          case 'phase.advanced':
            allowed = advanceBlockers(s.context, p).length === 0;
            break;
          case 'incident.closed':
            allowed = closeBlockers(s.context, p).length === 0;
            break;
          case 'phase.reopened':
            allowed = reopenBlockers(p, e.payload.to).length === 0;
            break;
          default:
            allowed = true;
        }
        expect({ state: serialize(s), event: e.type, payload: e.payload, accepted }).toEqual({ state: serialize(s), event: e.type, payload: e.payload, accepted: allowed });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('never lets a phase be left with a required applicable step unresolved, and closed means reviewed', () => {
    for (const path of paths) {
      let s = startIncident('INC-2026-0001', opened, runbook);
      for (const { event } of path.steps) {
        const before = s;
        s = transition(lifecycleMachine, s, event)[0];
        const from = phase(before);
        const to = phase(s);
        if (from !== 'closed' && to !== from && event.type !== 'phase.reopened') {
          expect(phaseIndex(to)).toBe(phaseIndex(from) + 1);
          expect(advanceBlockers(before.context, from).filter((b) => !b.startsWith('post-incident is the last'))).toEqual([]);
        }
        if (to === 'closed') expect(s.context.progress.review?.status).toBe('done');
      }
      // Every accepted path ends in a state whose recorded phases agree with the value.
      expect(s.context.phases.at(-1)!.phase).toBe(phase(s));
    }
  });

  it('every phase of the lifecycle is reachable', () => {
    const reached = new Set(paths.map((p) => phase(p.state as LifecycleSnapshot)));
    expect([...reached].sort()).toEqual([...WORK_PHASES, 'closed'].sort());
  });
});

describe('dependencies on steps that do not apply', () => {
  it('a dependency whose condition is false does not hold the dependent step', async () => {
    const { checkRunbook } = await import('../../src/playbook/runbook.js');
    const { YamlSource } = await import('../../src/playbook/yaml-source.js');
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(MINI, 'utf8').replace('      guidance: Stop the bleeding.\n', '      guidance: Stop the bleeding.\n      depends_on: [card-scope]\n');
    const rb = checkRunbook(YamlSource.fromText('x.yaml', text)).runbook!;
    let s = startIncident('INC-1', opened, rb);
    expect(dependencyWarnings(s.context, 'contain')).toEqual(['done before card-scope (its depends_on; record it when done)']);
    s = step(s, ev.facts({ data_categories: ['contact'] }))!;
    expect(dependencyWarnings(s.context, 'contain')).toEqual([]);
  });
});
