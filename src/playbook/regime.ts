import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CORE_FACTS } from '../domain/facts.js';
import { NO_HARM_EXEMPTION, type Exemption, type Regime } from '../domain/regime.js';
import type { Condition } from '../domain/runbook.js';
import { PLAYBOOKS_DIR } from './paths.js';
import { checkCondition } from './check-condition.js';
import type { Problem } from './problems.js';
import { BASE_NAME, RegimeSchema } from './regime-schema.js';
import { pathLabel, schemaProblems } from './runbook.js';
import { YamlSource, type Path } from './yaml-source.js';


const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The shipped family bases; a user's file may also extend a base in a `bases/` folder beside it. */
export const SHIPPED_BASES_DIR = join(PLAYBOOKS_DIR, 'regimes', 'bases');

/** Where the base `name` that `file` extends is read from: beside the file first, then the shipped ones. */
export function baseFile(file: string, name: string): string {
  const local = join(dirname(file), 'bases', `${name}.yaml`);
  return existsSync(local) ? local : join(SHIPPED_BASES_DIR, `${name}.yaml`);
}

/**
 * A law's file merged over its family base: objects merge key by key (the law's file wins), lists and
 * scalars are replaced. A choice of one form is replaced whole, never merged: a clock's `starts` and
 * `deadline` (a base's asap and a law's calendar_days would make two), and every condition.
 */
const REPLACED_WHOLE = new Set(['starts', 'deadline', 'applies_when', 'also_required_when', 'when', 'unless']);
export function mergeOver(base: unknown, own: unknown): unknown {
  if (!isObj(base) || !isObj(own)) return own === undefined ? base : own;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(own)) out[k] = REPLACED_WHOLE.has(k) ? v : mergeOver(base[k], v);
  return out;
}

/** Problems located in the file that wrote the value: the law's file, else its base. */
class MergedSource {
  constructor(
    private readonly own: YamlSource,
    private readonly base: YamlSource,
    private readonly value: unknown,
  ) {}
  toJS(): unknown {
    return this.value;
  }
  problem(path: Path, message: string, preferKey = false): Problem {
    for (let n = path.length; n >= 1; n--) {
      if (this.own.has(path.slice(0, n))) return this.own.problem(path, message, preferKey);
      if (this.base.has(path.slice(0, n))) return this.base.problem(path, message, preferKey);
    }
    return this.own.problem(path, message, preferKey);
  }
}

/** The regime file with its base (if it extends one): the merged value, where problems are located, the files read. */
function resolveExtends(src: YamlSource): { raw: unknown; loc: Pick<YamlSource, 'toJS' | 'problem'>; problems: Problem[]; files: string[] } {
  const raw = src.toJS();
  if (!isObj(raw) || raw.extends === undefined) return { raw, loc: src, problems: [], files: [src.file] };
  const name = raw.extends;
  if (typeof name !== 'string' || !BASE_NAME.test(name)) {
    return { raw, loc: src, problems: [src.problem(['extends'], 'extends: must name a base in kebab case, e.g. us-state-breach')], files: [src.file] };
  }
  const file = baseFile(src.file, name);
  if (!existsSync(file)) return { raw, loc: src, problems: [src.problem(['extends'], `extends: no base "${name}" (looked for ${file})`)], files: [src.file] };
  const base = YamlSource.fromFile(file);
  const baseRaw = base.ok ? base.toJS() : undefined;
  if (!base.ok) return { raw, loc: src, problems: [...base.problems], files: [src.file, file] };
  if (!isObj(baseRaw)) return { raw, loc: src, problems: [base.problem([], '(top level): a base is a map of regime keys')], files: [src.file, file] };
  if ('extends' in baseRaw) return { raw, loc: src, problems: [base.problem(['extends'], 'extends: a base cannot extend another base (one level keeps a law readable)', true)], files: [src.file, file] };
  if ('id' in baseRaw) return { raw, loc: src, problems: [base.problem(['id'], 'id: a base has no id; each law\'s file names its own', true)], files: [src.file, file] };
  const { extends: _e, ...own } = raw;
  const merged = mergeOver(baseRaw, own);
  return { raw: merged, loc: new MergedSource(src, base, merged), problems: [], files: [src.file, file] };
}

/** What a law's definition of personal information adds to applies_when: any of its categories, and not encrypted where it has a safe harbour. */
function definitionCondition(pi: NonNullable<Regime['personal_information']>): Condition[] {
  const any: Condition = { any: pi.categories.map((c): Condition => ({ fact: 'data_categories', includes: c })) };
  return pi.encryption_safe_harbour ? [any, { not: { fact: 'unintelligible', equals: true } }] : [any];
}

/** The risk-of-harm exception as an exemption: it holds only on a documented determination (and the AG told, where required). */
export function noHarmExemption(e: NonNullable<Regime['risk_of_harm_exception']>): Exemption {
  const parts: Condition[] = [
    { fact: 'no_harm_determined', equals: true },
    { fact: 'no_harm_determination_reason', known: true },
    ...(e.ag_notice_required ? [{ fact: 'no_harm_ag_notified', equals: true }] : []),
  ];
  return { id: NO_HARM_EXEMPTION, when: { all: parts }, ref: e.ref, text: e.text };
}

/** Check one regime file; `holidayCalendars` tells which holiday calendars exist (date-holidays). */
export function checkRegime(src: YamlSource, isCalendar: (code: string) => boolean): { regime?: Regime; problems: Problem[]; files?: string[] } {
  if (!src.ok) return { problems: [...src.problems] };
  src.toJS();
  if (!src.ok) return { problems: [...src.problems] };
  const resolved = resolveExtends(src);
  if (resolved.problems.length > 0) return { problems: resolved.problems, files: resolved.files };
  const { raw, loc } = resolved;
  const problems: Problem[] = [];
  const at = (path: Path, msg: string) => problems.push(loc.problem(path, `${pathLabel(path)}: ${msg}`));
  const parsed = RegimeSchema.safeParse(raw);
  if (!parsed.success) problems.push(...schemaProblems(loc, parsed.error, 'regime'));
  if (isObj(raw)) {
    for (const p of checkCondition(raw.applies_when, CORE_FACTS, ['applies_when'])) at(p.path, p.message);
    const threshold = isObj(raw.threshold) ? raw.threshold : {};
    if (threshold.also_required_when !== undefined) for (const p of checkCondition(threshold.also_required_when, CORE_FACTS, ['threshold', 'also_required_when'])) at(p.path, p.message);
    const exemptionIds = new Set<unknown>(isObj(raw.risk_of_harm_exception) ? [NO_HARM_EXEMPTION] : []);
    (Array.isArray(threshold.exemptions) ? threshold.exemptions : []).forEach((e, i) => {
      if (!isObj(e)) return;
      for (const p of checkCondition(e.when, CORE_FACTS, ['threshold', 'exemptions', i, 'when'])) at(p.path, p.message);
      if (exemptionIds.has(e.id)) at(['threshold', 'exemptions', i, 'id'], `duplicate exemption id "${String(e.id)}"`);
      exemptionIds.add(e.id);
    });
    const clock = isObj(raw.clock) ? raw.clock : {};
    const starts = isObj(clock.starts) ? clock.starts : {};
    const startKinds = ['fact', 'obligation'].filter((k) => k in starts);
    if (startKinds.length !== 1) at(['clock', 'starts'], 'give exactly one of "fact" or "obligation"');
    const instantFact = (name: unknown, path: Path) => {
      if (typeof name !== 'string') return;
      const def = Object.hasOwn(CORE_FACTS, name) ? CORE_FACTS[name] : undefined;
      if (!def) at(path, `unknown fact "${name}" (docs/facts.md lists the vocabulary)`);
      else if (def.kind !== 'instant') at(path, `"${name}" is ${def.kind}; a clock starts from a date-time fact`);
    };
    instantFact(starts.fact, ['clock', 'starts', 'fact']);
    if (isObj(clock.no_later_than)) instantFact(clock.no_later_than.fact, ['clock', 'no_later_than', 'fact']);
    const deadline = isObj(clock.deadline) ? clock.deadline : {};
    const kinds = ['hours', 'calendar_days', 'business_days', 'asap', 'none'].filter((k) => k in deadline);
    if (kinds.length !== 1) at(['clock', 'deadline'], `give exactly one of hours, calendar_days, business_days, asap, none; found ${kinds.join(', ') || 'none'}`);
    if ((kinds[0] === 'calendar_days' || kinds[0] === 'business_days') && typeof deadline.zone !== 'string') at(['clock', 'deadline'], `${kinds[0]} needs a "zone" (IANA, e.g. America/New_York)`);
    if (kinds[0] === 'business_days' && typeof deadline.holidays !== 'string') at(['clock', 'deadline'], 'business_days needs a "holidays" calendar (e.g. US, BR)');
    const zones: [unknown, Path][] = [[deadline.zone, ['clock', 'deadline', 'zone']]];
    const calendars: [unknown, Path][] = [[deadline.holidays, ['clock', 'deadline', 'holidays']]];
    if (isObj(clock.weekend_rule)) {
      zones.push([clock.weekend_rule.zone, ['clock', 'weekend_rule', 'zone']]);
      calendars.push([clock.weekend_rule.holidays, ['clock', 'weekend_rule', 'holidays']]);
      if (clock.weekend_rule.unless !== undefined) for (const p of checkCondition(clock.weekend_rule.unless, CORE_FACTS, ['clock', 'weekend_rule', 'unless'])) at(p.path, p.message);
    }
    for (const [z, path] of zones) if (typeof z === 'string' && !validZone(z)) at(path, `"${z}" is not an IANA time zone`);
    for (const [c, path] of calendars) if (typeof c === 'string' && !isCalendar(c)) at(path, `"${c}" is not a holiday calendar known to date-holidays (e.g. US, BR, DE, US-NY)`);
    const seen = new Set<string>();
    (Array.isArray(raw.required_contents) ? raw.required_contents : []).forEach((item, i) => {
      if (!isObj(item)) return;
      if (typeof item.id === 'string') {
        if (seen.has(item.id)) at(['required_contents', i, 'id'], `duplicate item id "${item.id}"`);
        seen.add(item.id);
      }
      (Array.isArray(item.facts) ? item.facts : []).forEach((f, j) => {
        if (typeof f === 'string' && !Object.hasOwn(CORE_FACTS, f)) at(['required_contents', i, 'facts', j], `unknown fact "${f}"`);
      });
    });
  }
  if (!parsed.success || problems.length > 0) return { problems, files: resolved.files };
  const { $schema: _s, extends: _e, ...data } = parsed.data;
  return { regime: compile(data as unknown as Regime), problems, files: resolved.files };
}

/**
 * The compiled form the engine reads (and the build caches): covers defaulted to the jurisdiction, the
 * definition of personal information folded into applies_when, the risk-of-harm exception made an
 * exemption. Done once here so that assessing never re-derives it.
 */
function compile(r: Regime): Regime {
  const pi = r.personal_information;
  const roh = r.risk_of_harm_exception;
  const threshold = roh ? { ...(r.threshold ?? { exemptions: [] }), exemptions: [...(r.threshold?.exemptions ?? []), noHarmExemption(roh)] } : r.threshold;
  return {
    ...r,
    covers: r.covers ?? [r.jurisdiction],
    applies_when: pi ? { all: [r.applies_when, ...definitionCondition(pi)] } : r.applies_when,
    ...(threshold ? { threshold } : {}),
  };
}


/** Every problem across a set of regime files, including references between them. */
export function checkRegimeFiles(files: readonly string[], isCalendar: (code: string) => boolean): { regimes: Regime[]; problems: Problem[]; read: string[] } {
  const read = new Set<string>();
  const regimes: Regime[] = [];
  const problems: Problem[] = [];
  const sources = new Map<string, YamlSource>();
  for (const file of files) {
    const src = YamlSource.fromFile(file);
    const r = checkRegime(src, isCalendar);
    for (const f of r.files ?? [file]) read.add(f);
    problems.push(...r.problems);
    if (r.regime) {
      if (sources.has(r.regime.id)) problems.push(src.problem(['id'], `id: duplicate regime id "${r.regime.id}" (also in ${sources.get(r.regime.id)!.file})`));
      sources.set(r.regime.id, src);
      regimes.push(r.regime);
    }
  }
  for (const r of regimes) {
    const ref = 'obligation' in r.clock.starts ? r.clock.starts.obligation : undefined;
    if (ref !== undefined && !sources.has(ref) && files.length > 1) {
      problems.push(sources.get(r.id)!.problem(['clock', 'starts', 'obligation'], `clock.starts.obligation: no regime "${ref}" in the catalogue`));
    }
  }
  return { regimes, problems, read: [...read] };
}

/** date-holidays is large: imported only when a calendar must be checked or counted. */
export async function calendarChecker(): Promise<(code: string) => boolean> {
  const { default: Holidays } = await import('date-holidays');
  const hd = new Holidays();
  const countries = hd.getCountries() as Record<string, string>;
  return (code: string) => {
    const [country, state] = code.split('-');
    if (!country || !(country in countries)) return false;
    if (!state) return true;
    const states = hd.getStates(country) as Record<string, string> | undefined;
    return !!states && state in states;
  };
}
