import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { z } from 'zod';
import { canonicalJson } from '../domain/canonical.js';
import { CORE_FACTS, type FactCatalogue, type FactDefinition } from '../domain/facts.js';
import { WORK_PHASES, type WorkPhase } from '../domain/phases.js';
import { snippet } from '../domain/text.js';
import type { Runbook } from '../domain/runbook.js';
import { checkCondition } from './check-condition.js';
import { ValidationFailed, type Problem } from './problems.js';
import { RunbookSchema } from './runbook-schema.js';
import { YamlSource, readTextFile, type Path } from './yaml-source.js';
import { cachedRunbook, shippedRegimeIds as regimeIds } from './runbook-cache.js';

function nearest(id: string, ids: ReadonlySet<string>): string {
  const near = [...ids].filter((x) => x.startsWith(id.split('-')[0]!)).slice(0, 4);
  return near.length ? `; did you mean ${near.join(', ')}?` : '';
}

export interface LoadedRunbook {
  readonly runbook: Runbook;
  /** SHA-256 of the canonical JSON of the normalised runbook: what an incident pins. */
  readonly hash: string;
  readonly source: string;
  readonly file: string;
}

export function hashRunbook(runbook: Runbook): string {
  return createHash('sha256').update(canonicalJson(runbook)).digest('hex');
}

/**
 * Parse and check a runbook; throws ValidationFailed listing every problem found. A text the build
 * checked (a shipped runbook) is served from the build's cache (playbook/runbook-cache.ts).
 */
export function loadRunbookFile(file: string): LoadedRunbook {
  const text = readTextFile(file);
  return cachedRunbook(file, text) ?? loadRunbookSource(YamlSource.fromText(file, text));
}

export function loadRunbookSource(src: YamlSource): LoadedRunbook {
  const { runbook, problems } = checkRunbook(src);
  if (!runbook || problems.length > 0) throw new ValidationFailed(problems);
  return { runbook, hash: hashRunbook(runbook), source: src.text, file: src.file };
}

export function checkRunbook(src: YamlSource): { runbook?: Runbook; problems: Problem[] } {
  const raw = src.ok ? src.toJS() : undefined;
  if (!src.ok) return { problems: [...src.problems] };
  const problems: Problem[] = [];
  const parsed = RunbookSchema.safeParse(raw);
  if (!parsed.success) problems.push(...schemaProblems(src, parsed.error, 'runbook'));
  problems.push(...crossReferenceProblems(src, raw));
  if (!parsed.success || problems.length > 0) return { problems: dedupe(problems) };
  const { $schema: _ignored, ...data } = parsed.data;
  const runbook = data as unknown as Runbook;
  return { runbook, problems };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function pathLabel(path: Path): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || '(top level)';
}

/**
 * Zod's issues as located problems. `kind` names what the file should be ("runbook", "regime"):
 * a file that is not a mapping at all (someone passed /etc/passwd) is said to be "not a YAML
 * runbook", with a short escaped excerpt, never its content.
 */
export function schemaProblems(src: Pick<YamlSource, 'toJS' | 'problem'>, error: z.ZodError, kind = 'irr file'): Problem[] {
  const out: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path as (string | number)[];
    if (path.length === 0 && issue.code === 'invalid_type') {
      const got = src.toJS();
      out.push(src.problem(path, `not a YAML ${kind}: the file holds ${got === undefined || got === null ? 'nothing' : describeValue(got)}, not a mapping of ${kind} fields`));
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(src.problem([...path, key], `${pathLabel([...path, snippet(key, 60)])}: unknown key "${snippet(key, 60)}"`, true));
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      const got = valueAt(src.toJS(), path);
      message = got === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(got)}`;
    } else if (issue.code === 'invalid_value') {
      message = `expected one of ${issue.values.map(String).join(', ')}`;
    }
    out.push(src.problem(path, `${pathLabel(path)}: ${message}`));
  }
  return out;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string "${snippet(v)}"`;
  return `${typeof v} ${snippet(String(v))}`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

interface StepRef {
  readonly id: string;
  readonly phase: WorkPhase;
  readonly path: Path;
  readonly raw: Record<string, unknown>;
}

/** The checks that need the whole document: ids, references between steps, roles and facts. */
function crossReferenceProblems(src: YamlSource, raw: unknown): Problem[] {
  if (!isObj(raw)) return [];
  const out: Problem[] = [];
  const at = (path: Path, msg: string) => out.push(src.problem(path, `${pathLabel(path)}: ${msg}`));

  const roles = new Set<string>();
  (Array.isArray(raw.roles) ? raw.roles : []).forEach((r, i) => {
    if (!isObj(r) || typeof r.id !== 'string') return;
    if (roles.has(r.id)) at(['roles', i, 'id'], `duplicate role id "${r.id}"`);
    roles.add(r.id);
  });
  if (isObj(raw.approvers)) {
    strings(raw.approvers.roles).forEach((r, i) => {
      if (roles.size > 0 && !roles.has(r)) at(['approvers', 'roles', i], `undefined role "${r}" (declared roles: ${[...roles].join(', ')})`);
    });
  }

  const facts: Record<string, FactDefinition> = { ...CORE_FACTS };
  if (isObj(raw.facts)) {
    for (const [name, def] of Object.entries(raw.facts)) {
      if (Object.hasOwn(CORE_FACTS, name)) at(['facts', name], `"${name}" is a core fact and cannot be redefined`);
      else if (isObj(def) && typeof def.kind === 'string') {
        if ((def.kind === 'enum' || def.kind === 'enum_list') && !Array.isArray(def.values)) at(['facts', name], `kind ${def.kind} needs "values"`);
        facts[name] = def as unknown as FactDefinition;
      }
    }
  }

  const steps: StepRef[] = [];
  const byId = new Map<string, StepRef>();
  const phases = isObj(raw.phases) ? raw.phases : {};
  for (const phase of WORK_PHASES) {
    const list = phases[phase];
    if (!Array.isArray(list)) continue;
    list.forEach((s, i) => {
      if (!isObj(s) || typeof s.id !== 'string') return;
      const ref: StepRef = { id: s.id, phase, path: ['phases', phase, i], raw: s };
      const prior = byId.get(s.id);
      if (prior) at([...ref.path, 'id'], `duplicate step id "${s.id}" (first defined at ${pathLabel(prior.path)}, line ${src.positionOf(prior.path).line})`);
      else byId.set(s.id, ref);
      steps.push(ref);
    });
  }

  const phaseOrder = (p: WorkPhase) => WORK_PHASES.indexOf(p);
  for (const step of steps) {
    const { raw: s, path } = step;
    if (typeof s.owner === 'string' && roles.size > 0 && !roles.has(s.owner)) {
      at([...path, 'owner'], `undefined role "${s.owner}" (declared roles: ${[...roles].join(', ')})`);
    }
    strings(s.depends_on).forEach((dep, j) => {
      const target = byId.get(dep);
      if (!target) at([...path, 'depends_on', j], `depends on "${dep}", which is not a step of this runbook`);
      else if (phaseOrder(target.phase) > phaseOrder(step.phase)) {
        at([...path, 'depends_on', j], `depends on "${dep}" in the later phase ${target.phase}; a step may depend only on steps of its own or earlier phases`);
      }
    });
    strings(s.captures).forEach((f, j) => {
      if (!Object.hasOwn(facts, f)) at([...path, 'captures', j], `captures unknown fact "${f}" (not in docs/facts.md nor declared under facts:)`);
    });
    if (s.when !== undefined) {
      for (const p of checkCondition(s.when, facts as FactCatalogue, [...path, 'when'])) at(p.path, p.message);
    }
    strings(s.discharges).forEach((d, j) => {
      const ids = regimeIds();
      if (!ids.has(d)) at([...path, 'discharges', j], `discharges "${d}", which is not a duty in the regime catalogue (irr regime list shows them${nearest(d, ids)})`);
    });
  }

  // A `when` on a fact that no step asks for leaves its step required until someone thinks of it.
  const captured = new Set(steps.flatMap((s) => strings(s.raw.captures)));
  const reported = new Set<string>();
  for (const step of steps) {
    for (const f of conditionFacts(step.raw.when)) {
      if (captured.has(f) || reported.has(f) || !Object.hasOwn(facts, f)) continue;
      reported.add(f);
      at([...step.path, 'when'], `condition on "${f}", which no step captures: add it to the captures of an early step so that responders are asked for it`);
    }
  }

  for (const cycle of findCycles(steps, byId)) {
    const first = byId.get(cycle[0]!)!;
    at([...first.path, 'depends_on'], `cyclic depends_on: ${cycle.join(' → ')}`);
  }

  const marked = (m: string) => steps.filter((s) => strings(s.raw.marks).includes(m));
  const awareness = marked('awareness');
  if (steps.length > 0 && awareness.length !== 1) {
    at(awareness[1]?.path ?? ['phases'], `exactly one step must mark "awareness" (it starts the legal clocks); found ${awareness.length}`);
  }
  const review = marked('review');
  if (steps.length > 0 && review.length !== 1) {
    at(review[1]?.path ?? ['phases', 'post-incident'], `exactly one step must mark "review" (the post-incident review closing depends on); found ${review.length}`);
  }
  for (const r of review) {
    if (r.phase !== 'post-incident') at([...r.path, 'marks'], `the "review" step must be in the post-incident phase, not ${r.phase}`);
    if (r.raw.required === false) at([...r.path, 'required'], 'the "review" step must be required: closing depends on it');
  }
  return out;
}

function conditionFacts(c: unknown): string[] {
  if (!isObj(c)) return [];
  if (typeof c.fact === 'string') return [c.fact];
  return [c.all, c.any, c.not].flatMap((inner) => (Array.isArray(inner) ? inner.flatMap(conditionFacts) : conditionFacts(inner)));
}

/** Each elementary cycle reported once, starting from its first step in document order. */
function findCycles(steps: readonly StepRef[], byId: ReadonlyMap<string, StepRef>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of strings(byId.get(id)?.raw.depends_on)) {
      if (!byId.has(dep)) continue;
      const st = state.get(dep);
      if (st === 'visiting') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (st === undefined) visit(dep);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const s of steps) if (!state.has(s.id)) visit(s.id);
  return cycles;
}

export function runbookIdFromFile(file: string): string {
  return basename(file).replace(/\.ya?ml$/, '');
}
