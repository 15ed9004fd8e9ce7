import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { canonicalJson } from '../domain/canonical.js';
import {
  parseDuration,
  parseOffset,
  type DrillScript,
  type DrillTarget,
  type Inject,
  type Objective,
  type Scenario,
  type ScriptAction,
  type ScriptDo,
} from '../domain/drill.js';
import { InvalidInput } from '../domain/errors.js';
import { checkFactValue, CORE_FACTS, instantProblem, parseInstant, type FactCatalogue } from '../domain/facts.js';
import { WORK_PHASES } from '../domain/phases.js';
import type { Runbook } from '../domain/runbook.js';
import { runbookFileFor } from './catalogue.js';
import { checkCondition } from './check-condition.js';
import { ScenarioSchema, SCRIPT_KINDS, ScriptSchema } from './drill-schema.js';
import { ValidationFailed, type Problem } from './problems.js';
import { loadRunbookFile, pathLabel, schemaProblems, type LoadedRunbook } from './runbook.js';
import { YamlSource, type Path } from './yaml-source.js';

import { shippedScenarioFiles, shippedScriptFiles } from './drill-files.js';
export { DRILLS_DIR, SCRIPTS_DIR, shippedScenarioFiles, shippedScriptFiles } from './drill-files.js';

export interface LoadedScenario {
  readonly scenario: Scenario;
  readonly hash: string;
  readonly file: string;
  readonly runbook: LoadedRunbook;
}

export interface LoadedScript {
  readonly script: DrillScript;
  /** The file name without extension: what `irr drill history` shows. */
  readonly id: string;
  readonly hash: string;
  readonly file: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hashOf = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');

/** What references in a drill are checked against. */
export interface DrillWorld {
  readonly regimeIds: ReadonlySet<string>;
}

function factsOf(runbook: Runbook | undefined): FactCatalogue {
  return { ...CORE_FACTS, ...(runbook?.facts ?? {}) };
}

function stepIds(runbook: Runbook): Set<string> {
  return new Set(WORK_PHASES.flatMap((p) => runbook.phases[p].map((s) => s.id)));
}

/** Check one target ({step}, {phase}, {fact}, {obligation, action}, {inject}) against the world. */
function targetProblems(raw: unknown, path: Path, runbook: Runbook | undefined, facts: FactCatalogue, world: DrillWorld, injects: ReadonlySet<string>): { path: Path; message: string }[] {
  if (!isObj(raw)) return [];
  const keys = ['step', 'phase', 'fact', 'obligation', 'inject'].filter((k) => k in raw);
  if (keys.length !== 1) return [{ path, message: `a target names exactly one of step, phase, fact, obligation or inject; found ${keys.length === 0 ? 'none' : keys.join(', ')}` }];
  const k = keys[0]!;
  const v = String(raw[k]);
  if ('action' in raw && k !== 'obligation') return [{ path: [...path, 'action'], message: '"action" goes with "obligation" only' }];
  switch (k) {
    case 'step':
      return runbook && !stepIds(runbook).has(v) ? [{ path: [...path, 'step'], message: `runbook ${runbook.id} has no step "${v}"` }] : [];
    case 'fact':
      return Object.hasOwn(facts, v) ? [] : [{ path: [...path, 'fact'], message: `unknown fact "${v}" (docs/facts.md lists the vocabulary)` }];
    case 'obligation':
      if (!('action' in raw)) return [{ path, message: 'an obligation target needs "action" (decided, drafted, approved or sent)' }];
      return world.regimeIds.has(v) ? [] : [{ path: [...path, 'obligation'], message: `unknown obligation "${v}" (irr regime list shows the ids)` }];
    case 'inject':
      return injects.has(v) ? [] : [{ path: [...path, 'inject'], message: `no inject "${v}" in this scenario` }];
    default:
      return [];
  }
}

/**
 * A fact value as written in a drill file: instants may be drill times ("T+5h"). Returns the
 * checked value with drill times resolved against `start`, or an error message.
 */
export function drillFactValue(facts: FactCatalogue, name: string, raw: unknown, start: string): { ok: true; value: import('../domain/facts.js').FactValue } | { ok: false; error: string } {
  const def = Object.hasOwn(facts, name) ? facts[name]! : undefined;
  if (!def) return { ok: false, error: `unknown fact "${name}" (docs/facts.md lists the vocabulary)` };
  let value = raw;
  if (def.kind === 'instant' && typeof raw === 'string' && raw.startsWith('T')) {
    const off = parseOffset(raw);
    if (off === null) return { ok: false, error: `"${raw}" is not a drill time (T+4h) nor an ISO 8601 date-time` };
    value = new Date(Date.parse(start) + off).toISOString();
  }
  const r = checkFactValue(def, value);
  return r.ok ? r : { ok: false, error: r.error };
}

function checkFactsBlock(raw: unknown, path: Path, facts: FactCatalogue, start: string, at: (p: Path, m: string) => void): void {
  if (!isObj(raw)) return;
  for (const [name, value] of Object.entries(raw)) {
    const r = drillFactValue(facts, name, value, start);
    if (!r.ok) at([...path, name], r.error);
  }
}

/** The drill's T+0: the same instant rules as every time irr reads (2026-02-30 is refused, not rolled over). */
function startOf(raw: Record<string, unknown>): string | undefined {
  return typeof raw.start === 'string' ? (parseInstant(raw.start) ?? undefined) : undefined;
}

export function checkScenario(src: YamlSource, world: DrillWorld): { scenario?: LoadedScenario; problems: Problem[] } {
  if (!src.ok) return { problems: [...src.problems] };
  const raw = src.toJS();
  if (!src.ok) return { problems: [...src.problems] };
  const problems: Problem[] = [];
  const at = (path: Path, msg: string) => problems.push(src.problem(path, `${pathLabel(path)}: ${msg}`));
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) problems.push(...schemaProblems(src, parsed.error, 'drill scenario'));
  if (!isObj(raw)) return { problems };

  let runbook: LoadedRunbook | undefined;
  if (typeof raw.runbook === 'string') {
    try {
      runbook = loadRunbookFile(runbookFileFor(raw.runbook));
    } catch (err) {
      at(['runbook'], (err as Error).message);
    }
  }
  const facts = factsOf(runbook?.runbook);
  const start = startOf(raw);
  if (typeof raw.start === 'string' && !start) at(['start'], instantProblem(raw.start) ?? 'not an ISO 8601 date-time with offset (e.g. 2026-03-02T08:00:00+01:00)');
  if (typeof raw.zone === 'string') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: raw.zone });
    } catch {
      at(['zone'], `"${raw.zone}" is not an IANA time zone (e.g. Europe/Berlin)`);
    }
  }
  const durationMs = typeof raw.duration === 'string' ? parseOffset(raw.duration) : null;
  if (durationMs !== null && durationMs <= 0) at(['duration'], 'the drill must end after it starts (e.g. T+5d)');

  const roles = new Set(runbook?.runbook.roles.map((r) => r.id) ?? []);
  (Array.isArray(raw.participants) ? raw.participants : []).forEach((p, i) => {
    if (runbook && isObj(p) && typeof p.role === 'string' && !roles.has(p.role)) at(['participants', i, 'role'], `runbook ${runbook.runbook.id} has no role "${p.role}" (${[...roles].join(', ')})`);
  });

  const injectIds = new Set<string>();
  (Array.isArray(raw.injects) ? raw.injects : []).forEach((inj, i) => {
    if (!isObj(inj) || typeof inj.id !== 'string') return;
    if (injectIds.has(inj.id)) at(['injects', i, 'id'], `duplicate inject id "${inj.id}"`);
    injectIds.add(inj.id);
  });
  (Array.isArray(raw.injects) ? raw.injects : []).forEach((inj, i) => {
    if (!isObj(inj)) return;
    const off = typeof inj.at === 'string' ? parseOffset(inj.at) : null;
    if (off !== null && off < 0) at(['injects', i, 'at'], 'an inject happens at or after the start (T+0 or later)');
    if (off !== null && durationMs !== null && off > durationMs) at(['injects', i, 'at'], `after the end of the drill (${String(raw.duration)})`);
    if (start) checkFactsBlock(inj.facts, ['injects', i, 'facts'], facts, start, at);
    const when = inj.when;
    if (isObj(when)) {
      const kinds = ['done', 'not_done', 'facts'].filter((k) => k in when);
      if (kinds.length !== 1) at(['injects', i, 'when'], 'give exactly one of done, not_done or facts');
      for (const k of ['done', 'not_done'] as const) {
        if (k in when) for (const p of targetProblems(when[k], ['injects', i, 'when', k], runbook?.runbook, facts, world, injectIds)) at(p.path, p.message);
      }
      if ('facts' in when) for (const p of checkCondition(when.facts, facts, ['injects', i, 'when', 'facts'])) at(p.path, p.message);
    }
  });

  const objectiveIds = new Set<string>();
  (Array.isArray(raw.objectives) ? raw.objectives : []).forEach((o, i) => {
    if (!isObj(o)) return;
    if (typeof o.id === 'string') {
      if (objectiveIds.has(o.id)) at(['objectives', i, 'id'], `duplicate objective id "${o.id}"`);
      objectiveIds.add(o.id);
    }
    if (o.from !== undefined && o.from !== 'start') for (const p of targetProblems(o.from, ['objectives', i, 'from'], runbook?.runbook, facts, world, injectIds)) at(p.path, p.message);
    for (const p of targetProblems(o.to, ['objectives', i, 'to'], runbook?.runbook, facts, world, injectIds)) at(p.path, p.message);
    if (runbook && typeof o.owner === 'string' && !roles.has(o.owner)) at(['objectives', i, 'owner'], `runbook ${runbook.runbook.id} has no role "${o.owner}"`);
  });

  if (!parsed.success || problems.length > 0 || !runbook || !start || durationMs === null) return { problems };
  const d = parsed.data;
  const scenario: Scenario = {
    id: d.id,
    title: d.title,
    narrative: d.narrative,
    runbook: d.runbook,
    start,
    zone: d.zone,
    duration: d.duration,
    duration_ms: durationMs,
    participants: d.participants,
    objectives: d.objectives.map(
      (o): Objective => ({
        id: o.id,
        title: o.title,
        capability: o.capability,
        from: o.from as Objective['from'],
        to: o.to as DrillTarget,
        within: o.within,
        within_ms: parseDuration(o.within)!,
        ...(o.owner ? { owner: o.owner } : {}),
        ...(o.corrective_action ? { corrective_action: o.corrective_action } : {}),
      }),
    ),
    injects: d.injects
      .map((inj): Inject => ({ id: inj.id, at: inj.at, offset_ms: parseOffset(inj.at)!, message: inj.message, facts: inj.facts, ...(inj.when ? { when: inj.when as Inject['when'] } : {}) }))
      // Stable: injects at the same time fire in the order written.
      .sort((a, b) => a.offset_ms - b.offset_ms),
  };
  return { scenario: { scenario, hash: hashOf(scenario), file: src.file, runbook }, problems };
}

export function checkScript(src: YamlSource, scenario: LoadedScenario | undefined, world: DrillWorld): { script?: LoadedScript; problems: Problem[] } {
  if (!src.ok) return { problems: [...src.problems] };
  const raw = src.toJS();
  if (!src.ok) return { problems: [...src.problems] };
  const problems: Problem[] = [];
  const at = (path: Path, msg: string) => problems.push(src.problem(path, `${pathLabel(path)}: ${msg}`));
  const parsed = ScriptSchema.safeParse(raw);
  if (!parsed.success) problems.push(...schemaProblems(src, parsed.error, 'drill script'));
  if (!isObj(raw)) return { problems };
  if (scenario && typeof raw.scenario === 'string' && raw.scenario !== scenario.scenario.id) at(['scenario'], `this script is for scenario "${raw.scenario}", not "${scenario.scenario.id}"`);
  const runbook = scenario?.runbook.runbook;
  const facts = factsOf(runbook);
  const steps = runbook ? stepIds(runbook) : undefined;
  (Array.isArray(raw.actions) ? raw.actions : []).forEach((a, i) => {
    if (!isObj(a)) return;
    const kinds = SCRIPT_KINDS.filter((k) => k in a);
    if (kinds.length !== 1) {
      at(['actions', i], `an action does exactly one of ${SCRIPT_KINDS.join(', ')}; found ${kinds.length === 0 ? 'none' : kinds.join(', ')}`);
      return;
    }
    const off = typeof a.at === 'string' ? parseOffset(a.at) : null;
    if (off !== null && off < 0) at(['actions', i, 'at'], 'an action happens at or after the start (T+0 or later)');
    if (off !== null && scenario && off > scenario.scenario.duration_ms) at(['actions', i, 'at'], `after the end of the drill (${scenario.scenario.duration})`);
    if (steps && Array.isArray(a.complete)) a.complete.forEach((s, j) => !steps.has(String(s)) && at(['actions', i, 'complete', j], `runbook ${runbook!.id} has no step "${String(s)}"`));
    if (steps && isObj(a.skip) && typeof a.skip.step === 'string' && !steps.has(a.skip.step)) at(['actions', i, 'skip', 'step'], `runbook ${runbook!.id} has no step "${a.skip.step}"`);
    if (isObj(a.obligation) && typeof a.obligation.id === 'string' && !world.regimeIds.has(a.obligation.id)) at(['actions', i, 'obligation', 'id'], `unknown obligation "${a.obligation.id}" (irr regime list shows the ids)`);
    if (scenario) checkFactsBlock(a.facts, ['actions', i, 'facts'], facts, scenario.scenario.start, at);
  });
  if (!parsed.success || problems.length > 0) return { problems };
  const actions = parsed.data.actions.map((a): ScriptAction => {
    const kind = SCRIPT_KINDS.find((k) => k in a && a[k] !== undefined)!;
    let d: ScriptDo;
    switch (kind) {
      case 'complete':
        d = { kind, steps: a.complete! };
        break;
      case 'skip':
        d = { kind, step: a.skip!.step, reason: a.skip!.reason };
        break;
      case 'facts':
        d = { kind, facts: a.facts! };
        break;
      case 'obligation': {
        const o = a.obligation!;
        d = { kind, obligation: o.id, action: o.action, ...(o.reason ? { reason: o.reason } : {}), ...(o.channel ? { channel: o.channel } : {}), ...(o.ref ? { ref: o.ref } : {}), ...(o.exemption ? { exemption: o.exemption } : {}), ...(o.override ? { override: true } : {}) };
        break;
      }
      case 'note':
        d = { kind, text: a.note! };
        break;
      case 'action_item':
        d = { kind, ...a.action_item! };
        break;
      default:
        d = { kind } as ScriptDo;
    }
    return { at: a.at, offset_ms: parseOffset(a.at)!, ...(a.as ? { as: a.as } : {}), do: d };
  });
  // Stable: actions at the same time run in the order written.
  const sorted = actions.map((a, i) => ({ a, i })).sort((x, y) => x.a.offset_ms - y.a.offset_ms || x.i - y.i).map((x) => x.a);
  const script: DrillScript = { scenario: parsed.data.scenario, title: parsed.data.title, description: parsed.data.description, actions: sorted };
  const id = src.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
  return { script: { script, id, hash: hashOf(script), file: src.file }, problems };
}

export function loadScenarioFile(file: string, world: DrillWorld): LoadedScenario {
  const { scenario, problems } = checkScenario(YamlSource.fromFile(file), world);
  if (!scenario || problems.length > 0) throw new ValidationFailed(problems);
  return scenario;
}

export function loadScriptFile(file: string, scenario: LoadedScenario, world: DrillWorld): LoadedScript {
  const { script, problems } = checkScript(YamlSource.fromFile(file), scenario, world);
  if (!script || problems.length > 0) throw new ValidationFailed(problems);
  return script;
}


/** The scenario id a script file names, read without checking the rest (for listings). */
function scriptScenarioId(file: string): string | undefined {
  const src = YamlSource.fromFile(file);
  const raw = src.ok ? src.toJS() : undefined;
  return isObj(raw) && typeof raw.scenario === 'string' ? raw.scenario : undefined;
}

/** Shipped scripts grouped by the scenario they name (each script file read once). */
export function shippedScriptsByScenario(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of shippedScriptFiles()) {
    const id = scriptScenarioId(f);
    if (id !== undefined) out.set(id, [...(out.get(id) ?? []), f]);
  }
  return out;
}

/** Paths relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.length < file.length && !rel.startsWith('..') ? rel : file;
}

/** `<scenario-id|file>`: a shipped id or a path to a YAML file. */
export function resolveScenarioFile(idOrFile: string): string {
  if (/[\\/]/.test(idOrFile) || /\.ya?ml$/.test(idOrFile)) return idOrFile;
  const file = shippedScenarioFiles().find((f) => f.endsWith(`/${idOrFile}.yaml`) || f.endsWith(`/${idOrFile}.yml`));
  if (!file) {
    const ids = shippedScenarioFiles().map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, ''));
    throw new InvalidInput(`no shipped drill scenario "${idOrFile}" (available: ${ids.join(', ')}; or give a path to a .yaml file)`, [], { flag: '<scenario>' });
  }
  return file;
}
