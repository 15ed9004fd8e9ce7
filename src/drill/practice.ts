import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Engine } from '../engine/engine.js';
import { shippedScenarioFiles } from '../playbook/drill-files.js';
import { drillHistory, type DrillRunSummary } from './history.js';
import { catalogueFile } from '../playbook/catalogue-file.js';

/**
 * Practice on schedule: a response plan must be exercised at least yearly. For each scenario
 * known here (the shipped ones and any run in this database), when it was last run and whether
 * that is more than twelve months ago or never.
 */
export const MAX_AGE_MONTHS = 12;

export interface PracticeEntry {
  readonly scenario: string;
  readonly title: string | null;
  readonly shipped: boolean;
  readonly runs: number;
  /** Wall-clock time the latest run began (not drill time), or null when never run. */
  readonly last_run_at: string | null;
  readonly status: 'ok' | 'overdue' | 'never';
}

/** The instant `months` calendar months before `now` (UTC calendar). */
export function monthsBefore(now: string, months: number): string {
  const d = new Date(now);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  // The same day of the month, or the month's last day when it has fewer (29 Feb → 28 Feb).
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.toISOString();
}

export function practiceSummary(known: readonly { readonly id: string; readonly title: string }[], runs: readonly DrillRunSummary[], now: string, maxMonths = MAX_AGE_MONTHS): PracticeEntry[] {
  const cutoff = Date.parse(monthsBefore(now, maxMonths));
  const ids = [...new Set([...known.map((k) => k.id), ...runs.map((r) => r.scenario)])];
  return ids.map((id) => {
    const mine = runs.filter((r) => r.scenario === id);
    const last = mine.map((r) => r.run_at).sort().at(-1) ?? null;
    const status = last === null ? 'never' : Date.parse(last) < cutoff ? 'overdue' : 'ok';
    return { scenario: id, title: known.find((k) => k.id === id)?.title ?? null, shipped: known.some((k) => k.id === id), runs: mine.length, last_run_at: last, status };
  });
}

/** One line for a start screen or the end of `irr drill history`, or null when all are current. */
export function practiceWarning(entries: readonly PracticeEntry[], maxMonths = MAX_AGE_MONTHS): string | null {
  const never = entries.filter((e) => e.status === 'never');
  const overdue = entries.filter((e) => e.status === 'overdue');
  if (never.length === 0 && overdue.length === 0) return null;
  const parts = [
    ...(overdue.length ? [`${overdue.map((e) => e.scenario).join(', ')} last run more than ${maxMonths} months ago`] : []),
    ...(never.length ? [`${never.map((e) => e.scenario).join(', ')} never run`] : []),
  ];
  return `practice: response plans should be exercised at least every ${maxMonths} months; ${parts.join('; ')} (irr drill due)`;
}

/**
 * The shipped scenarios' ids and titles: what "practice on schedule" expects to see run. Read
 * without validating (that is `irr drill validate`'s job and the test suite's), because the
 * console asks on every start and a full check of each scenario costs a second or more.
 */
export async function shippedScenarios(): Promise<{ id: string; title: string }[]> {
  const names = builtNames();
  const out: { id: string; title: string }[] = [];
  let parse: ((text: string) => unknown) | undefined;
  for (const f of shippedScenarioFiles()) {
    const text = readFileSync(f, 'utf8');
    // As the build read this very text (dist/catalogue/scenarios.json), else read now with YAML.
    const known = names.get(sha256(text));
    if (known !== undefined) {
      if (known) out.push(known);
      continue;
    }
    parse ??= (await import('yaml')).parse;
    const named = nameOf(parse(text));
    if (named) out.push(named);
  }
  return out;
}

type Named = { id: string; title: string } | null;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const NAMES = catalogueFile(import.meta.url, 'scenarios.json');

function nameOf(doc: unknown): Named {
  if (typeof doc !== 'object' || doc === null) return null;
  const { id, title } = doc as { id?: unknown; title?: unknown };
  return typeof id === 'string' ? { id, title: typeof title === 'string' ? title : id } : null;
}

function builtNames(): Map<string, Named> {
  try {
    return new Map(Object.entries((JSON.parse(readFileSync(NAMES, 'utf8')) as { names: Record<string, Named> }).names));
  } catch {
    return new Map(); // no build (a source checkout): every scenario is read
  }
}

/** Build time: the shipped scenarios' names, keyed by the SHA-256 of each file's text. Returns the path. */
export async function writeScenarioNames(): Promise<string> {
  const { parse } = await import('yaml');
  const names: Record<string, Named> = {};
  for (const f of shippedScenarioFiles()) {
    const text = readFileSync(f, 'utf8');
    names[sha256(text)] = nameOf(parse(text));
  }
  mkdirSync(dirname(NAMES), { recursive: true });
  writeFileSync(NAMES, JSON.stringify({ names }));
  return NAMES;
}

/** Every known scenario's practice status from the drills in this engine's database (or none). */
export async function practiceOf(engine: Engine | undefined, now: string): Promise<PracticeEntry[]> {
  return practiceSummary(await shippedScenarios(), engine ? await drillHistory(engine) : [], now);
}
