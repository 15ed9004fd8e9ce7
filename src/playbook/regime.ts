import { CORE_FACTS } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import { checkCondition } from './check-condition.js';
import type { Problem } from './problems.js';
import { RegimeSchema } from './regime-schema.js';
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

/** Check one regime file; `holidayCalendars` tells which holiday calendars exist (date-holidays). */
export function checkRegime(src: YamlSource, isCalendar: (code: string) => boolean): { regime?: Regime; problems: Problem[] } {
  const raw = src.ok ? src.toJS() : undefined;
  if (!src.ok) return { problems: [...src.problems] };
  const problems: Problem[] = [];
  const at = (path: Path, msg: string) => problems.push(src.problem(path, `${pathLabel(path)}: ${msg}`));
  const parsed = RegimeSchema.safeParse(raw);
  if (!parsed.success) problems.push(...schemaProblems(src, parsed.error, 'regime'));
  if (isObj(raw)) {
    for (const p of checkCondition(raw.applies_when, CORE_FACTS, ['applies_when'])) at(p.path, p.message);
    const threshold = isObj(raw.threshold) ? raw.threshold : {};
    if (threshold.also_required_when !== undefined) for (const p of checkCondition(threshold.also_required_when, CORE_FACTS, ['threshold', 'also_required_when'])) at(p.path, p.message);
    const exemptionIds = new Set<unknown>();
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
  if (!parsed.success || problems.length > 0) return { problems };
  const { $schema: _s, ...regime } = parsed.data;
  return { regime: regime as unknown as Regime, problems };
}


/** Every problem across a set of regime files, including references between them. */
export function checkRegimeFiles(files: readonly string[], isCalendar: (code: string) => boolean): { regimes: Regime[]; problems: Problem[] } {
  const regimes: Regime[] = [];
  const problems: Problem[] = [];
  const sources = new Map<string, YamlSource>();
  for (const file of files) {
    const src = YamlSource.fromFile(file);
    const r = checkRegime(src, isCalendar);
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
  return { regimes, problems };
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
