import { byUrgency, isUrgent } from '../assess/obligations.js';
import { evaluate } from '../domain/condition.js';
import { offsetLabel, spanLabel, type DrillPin, type Inject, type ScriptAction } from '../domain/drill.js';
import { IntegrityFailure, InvalidInput, IrrError } from '../domain/errors.js';
import type { NewEvent, StoredEvent } from '../domain/events.js';
import type { FactValue } from '../domain/facts.js';
import * as actions from '../engine/actions.js';
import * as decide from '../engine/decide.js';
import type { Actor } from '../engine/decide.js';
import type { Engine } from '../engine/engine.js';
import { assessContext, obligationChanges, regimes } from '../engine/obligations.js';
import { statusView } from '../engine/views.js';
import { drillFactValue, type LoadedScenario, type LoadedScript } from '../playbook/drill.js';
import { momentOf, scoreDrill, type DrillScore } from './score.js';

/**
 * A drill is an incident in drill mode whose clock lives in its own events: the facilitator (or a
 * script) moves time on with `drill.advanced`, injects are logged as `drill.inject` together with
 * the facts they reveal, and every responder action goes through the same engine actions as a real
 * incident, at the drill's time. Nothing here keeps state the log does not: a drill can be resumed
 * by another process from its events alone.
 */

/** What the runner tells the room; the CLI prints it, tests read it. */
export type DrillLine =
  | { readonly kind: 'clock'; readonly at: string; readonly offset: string; readonly text: string }
  | { readonly kind: 'inject'; readonly at: string; readonly offset: string; readonly id: string; readonly message: string; readonly fired: boolean; readonly reason?: string }
  | { readonly kind: 'action'; readonly at: string; readonly offset: string; readonly text: string }
  | { readonly kind: 'refused'; readonly at: string; readonly offset: string; readonly text: string };

export const FACILITATOR = 'facilitator';
/** A scripted action the engine refused is kept as a note starting with this; the report lists them. */
export const REFUSAL_NOTE = 'drill script: ';
export const SCRIPT_ACTOR = 'drill-script';

export function drillPin(loaded: LoadedScenario, script: LoadedScript | null, runAt: string): DrillPin {
  const s = loaded.scenario;
  return {
    scenario: { id: s.id, title: s.title, hash: loaded.hash },
    script: script ? { id: script.id, title: script.script.title, hash: script.hash } : null,
    start: s.start,
    end: new Date(Date.parse(s.start) + s.duration_ms).toISOString(),
    zone: s.zone,
    narrative: s.narrative,
    participants: s.participants,
    objectives: s.objectives,
    injects: s.injects,
    run_at: runAt,
  };
}

/** Open the drill's incident at its start time; returns its id (DRL-…). */
export async function openDrill(engine: Engine, loaded: LoadedScenario, script: LoadedScript | null, actor: string, runAt: string): Promise<string> {
  const pin = drillPin(loaded, script, runAt);
  const ev = await engine.open({ playbook: loaded.runbook, title: `Drill: ${loaded.scenario.title}`, who: { actor, at: pin.start }, mode: 'drill', drill: pin });
  return ev.incident;
}

/** The pin of a drill incident (its first event), or an error naming the incident. */
export async function pinOf(engine: Engine, id: string): Promise<DrillPin> {
  const row = await engine.incident(id);
  const first = await engine.firstEvent(id);
  if (row.mode !== 'drill' || first?.type !== 'incident.opened' || !first.payload.drill) throw new InvalidInput(`${id} is not a drill (irr drill run <scenario> starts one)`, [], { flag: '<incident>' });
  return first.payload.drill;
}

export class DrillRun {
  private readonly all = regimes();

  /** Injects already logged (fired or held back): read from the log once, then kept up to date. */
  private logged?: Set<string>;

  /** `clocks: false` skips assessing every regime at each move of the clock (nobody reads the line). */
  constructor(
    readonly engine: Engine,
    readonly id: string,
    readonly pin: DrillPin,
    private readonly tell: (line: DrillLine) => void,
    private readonly opts: { readonly clocks: boolean } = { clocks: true },
  ) {}

  now(): Promise<string> {
    return this.engine.now(this.id);
  }

  offset(at: string): string {
    return offsetLabel(Date.parse(at) - Date.parse(this.pin.start));
  }

  events(): Promise<StoredEvent[]> {
    return this.engine.events(this.id);
  }

  ended(): Promise<boolean> {
    return this.engine.hasEvent(this.id, 'drill.ended');
  }

  /** Injects not yet logged (fired or held back), in order. */
  async pending(): Promise<Inject[]> {
    this.logged ??= new Set((await this.events()).flatMap((e) => (e.type === 'drill.inject' ? [e.payload.inject] : [])));
    const logged = this.logged;
    return this.pin.injects.filter((i) => !logged.has(i.id));
  }

  timeOf(inject: Inject): string {
    return new Date(Date.parse(this.pin.start) + inject.offset_ms).toISOString();
  }

  /** Move the drill clock to `to`, firing every inject due on the way, in order. */
  async advanceTo(to: string): Promise<void> {
    for (const inject of await this.pending()) {
      const at = this.timeOf(inject);
      if (at > to) break;
      await this.moveClock(at);
      await this.fire(inject);
    }
    await this.moveClock(to);
  }

  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(new Date(Date.parse(await this.now()) + ms).toISOString());
  }

  private async moveClock(to: string): Promise<void> {
    const from = await this.now();
    if (to <= from) return;
    await this.engine.execute(this.id, () => [{ type: 'drill.advanced', actor: FACILITATOR, at: to, payload: { from, to } }]);
    if (this.opts.clocks) this.tell({ kind: 'clock', at: to, offset: this.offset(to), text: await this.clockLine(to) });
  }

  /** One line for the room: phase and the most urgent legal clocks, in drill time. */
  async clockLine(atArg?: string): Promise<string> {
    const at = atArg ?? (await this.now());
    const l = await this.engine.load(this.id);
    const rows = assessContext(l.ctx, await this.all, at)
      .obligations.filter(isUrgent)
      .sort(byUrgency);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: this.pin.zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(at));
    const clocks = rows
      .slice(0, 3)
      .map((o) => {
        const when = o.due;
        const ms = Date.parse(when) - Date.parse(at);
        const name = `${o.id}${o.required === 'unknown' ? ' (if required)' : ''}`;
        return ms < 0 ? `${name} OVERDUE by ${spanLabel(-ms)}` : `${name} ${spanLabel(ms)} left`;
      });
    return `${local}  ${l.phase}  ${clocks.length ? clocks.join(' · ') : 'no legal clock running'}`;
  }

  private async fire(inject: Inject): Promise<void> {
    const at = this.timeOf(inject);
    const who: Actor = { actor: FACILITATOR, at };
    const all = await this.all;
    const l = await this.engine.load(this.id);
    const catalogue = this.engine.catalogue(l.runbook);
    let reason: string | undefined;
    if (l.phase === 'closed') reason = 'the incident was already closed';
    else if (inject.when) {
      const events = await this.events();
      const w = inject.when;
      if ('facts' in w) {
        const t = evaluate(w.facts, (n) => (Object.hasOwn(l.ctx.facts, n) ? l.ctx.facts[n]!.value : undefined));
        if (t.value !== true) reason = `its condition on facts did not hold${t.missing.length ? ` (unknown: ${t.missing.join(', ')})` : ''}`;
      } else {
        const target = 'done' in w ? w.done : w.not_done;
        const happened = momentOf(target, events, this.pin, catalogue, at) !== undefined;
        if ('done' in w && !happened) reason = 'what it waits for had not happened';
        if ('not_done' in w && happened) reason = 'the team had already done what it tests';
      }
    }
    const facts: Record<string, FactValue> = {};
    if (reason === undefined) {
      for (const [name, raw] of Object.entries(inject.facts)) {
        const r = drillFactValue(catalogue, name, raw, this.pin.start);
        if (r.ok) facts[name] = r.value;
      }
    }
    const fired = reason === undefined;
    const event: NewEvent = { type: 'drill.inject', ...who, payload: { inject: inject.id, fired, message: inject.message, facts: Object.keys(facts), ...(reason ? { reason } : {}) } };
    await this.engine.execute(this.id, (loaded) => {
      if (!fired || Object.keys(facts).length === 0) return [event];
      const recorded = decide.recordFacts(loaded.ctx, loaded.phase, who, facts);
      return [event, ...recorded, ...(recorded.length ? obligationChanges(loaded.ctx, all, who, facts) : [])];
    });
    this.logged?.add(inject.id);
    this.tell({ kind: 'inject', at, offset: this.offset(at), id: inject.id, message: inject.message, fired, ...(reason ? { reason } : {}) });
  }

  /** Run one scripted action at the current drill time; a refusal is told and noted, not fatal. */
  async perform(action: ScriptAction): Promise<boolean> {
    const at = await this.now();
    const who: Actor = { actor: action.as ?? SCRIPT_ACTOR, at };
    const d = action.do;
    const say = (text: string) => this.tell({ kind: 'action', at, offset: this.offset(at), text: `${who.actor}: ${text}` });
    try {
      switch (d.kind) {
        case 'complete':
          for (const step of d.steps) {
            await actions.completeStep(this.engine, this.id, who, step);
            say(`done ${step}`);
          }
          break;
        case 'skip':
          await actions.skipStep(this.engine, this.id, who, d.step, d.reason);
          say(`skipped ${d.step} — ${d.reason}`);
          break;
        case 'facts': {
          const l = await this.engine.load(this.id);
          const catalogue = this.engine.catalogue(l.runbook);
          const facts: Record<string, FactValue> = {};
          for (const [name, raw] of Object.entries(d.facts)) {
            const r = drillFactValue(catalogue, name, raw, this.pin.start);
            if (!r.ok) throw new InvalidInput(`fact ${name}: ${r.error}`);
            facts[name] = r.value;
          }
          await actions.recordFacts(this.engine, this.id, who, facts);
          say(`facts ${Object.keys(facts).join(', ')}`);
          break;
        }
        case 'advance': {
          const ev = await actions.advance(this.engine, this.id, who);
          say(`phase ${(ev[0] as Extract<StoredEvent, { type: 'phase.advanced' }>).payload.to} begins`);
          break;
        }
        case 'finish_phase':
          await this.finishPhase(who, say);
          break;
        case 'obligation':
          await actions.recordObligation(this.engine, this.id, who, { obligation: d.obligation, action: d.action, ...(d.reason ? { reason: d.reason } : {}), ...(d.channel ? { channel: d.channel } : {}), ...(d.ref ? { ref: d.ref } : {}), ...(d.exemption ? { exemption: d.exemption } : {}), ...(d.override ? { override: true } : {}) });
          say(`${d.obligation} ${d.action}${d.exemption ? ` under ${d.exemption}` : d.override ? ' by override' : ''}${d.channel ? ` via ${d.channel}` : ''}`);
          break;
        case 'note':
          await actions.addNote(this.engine, this.id, who, d.text);
          say(`note: ${d.text}`);
          break;
        case 'action_item':
          await actions.recordAction(this.engine, this.id, who, { text: d.text, owner: d.owner, due: d.due });
          say(`action item: ${d.text} (${d.owner}, due ${d.due})`);
          break;
        case 'close':
          await actions.close(this.engine, this.id, who);
          say('closed the incident');
          break;
      }
      return true;
    } catch (err) {
      if (!(err instanceof IrrError) || err instanceof IntegrityFailure) throw err;
      const text = `${action.at} ${d.kind} refused: ${err.message}`;
      // The refusal is part of what the drill found: keep it in the log as evidence.
      await actions.addNote(this.engine, this.id, { actor: FACILITATOR, at }, `${REFUSAL_NOTE}${text}`);
      this.tell({ kind: 'refused', at, offset: this.offset(at), text });
      return false;
    }
  }

  /** Every pending applicable step of the phase, in an order its dependencies allow, then advance. */
  private async finishPhase(who: Actor, say: (text: string) => void): Promise<void> {
    const phase = (await this.engine.load(this.id)).phase;
    for (let progress = true; progress; ) {
      progress = false;
      const view = statusView(await this.engine.load(this.id));
      for (const s of view.steps.filter((x) => x.phase === phase && x.status === 'pending' && x.blocked_by.length === 0)) {
        await actions.completeStep(this.engine, this.id, who, s.id);
        say(`done ${s.id}`);
        progress = true;
      }
    }
    if (phase === 'post-incident') return;
    const ev = await actions.advance(this.engine, this.id, who);
    say(`phase ${(ev[0] as Extract<StoredEvent, { type: 'phase.advanced' }>).payload.to} begins`);
  }

  async end(reason: string): Promise<void> {
    if (await this.ended()) return;
    const at = await this.now();
    await this.engine.execute(this.id, () => [{ type: 'drill.ended', actor: FACILITATOR, at, payload: { reason } }]);
    this.tell({ kind: 'clock', at, offset: this.offset(at), text: `drill ended — ${reason}` });
  }

  /** The score as the log stands: at the end if the drill ended, else now. */
  async score(): Promise<DrillScore> {
    return scoreOf(this.engine, this.id);
  }
}

export async function scoreOf(engine: Engine, id: string): Promise<DrillScore> {
  const pin = await pinOf(engine, id);
  const events = await engine.events(id);
  const endEvent = events.find((e) => e.type === 'drill.ended');
  const end = endEvent?.at ?? (await engine.now(id));
  const l = await engine.load(id);
  const all = await regimes();
  return scoreDrill({ pin, events, catalogue: engine.catalogue(l.runbook), obligations: assessContext(l.ctx, all, end).obligations, steps: statusView(l).steps, end });
}

/** Run a whole scripted drill: actions at their times, injects between, to the scenario's end. */
export async function runScript(run: DrillRun, script: LoadedScript, pace: (fromAt: string, toAt: string) => Promise<void>): Promise<{ refused: number }> {
  let refused = 0;
  const start = Date.parse(run.pin.start);
  for (const action of script.script.actions) {
    const at = new Date(start + action.offset_ms).toISOString();
    const now = await run.now();
    if (at > now) {
      await pace(now, at);
      await run.advanceTo(at);
    }
    if (!(await run.perform(action))) refused++;
  }
  const now = await run.now();
  if (run.pin.end > now) {
    await pace(now, run.pin.end);
    await run.advanceTo(run.pin.end);
  }
  await run.end(`scripted run ${script.id} finished`);
  return { refused };
}
