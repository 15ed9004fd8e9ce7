import type { Engine } from '../engine/engine.js';

/** One run of a scenario, summarised for comparison with the others. */
export interface DrillRunSummary {
  readonly scenario: string;
  readonly scenario_hash: string;
  readonly incident: string;
  readonly script: string | null;
  /** Wall-clock time the run began. */
  readonly run_at: string;
  readonly ended: boolean;
  readonly objectives: { readonly total: number; readonly met: number; readonly late: number; readonly missed: number; readonly by_id: Readonly<Record<string, string>> };
  readonly deadlines: { readonly total: number; readonly met: number; readonly late: number; readonly missed: number };
  readonly minutes: { readonly contain: number | null; readonly decide: number | null; readonly notify: number | null };
}

const minutes = (s: { known: boolean; ms?: number }) => (s.known ? Math.round(s.ms! / 60_000) : null);

/** Every drill in the database (of one scenario, if named), oldest run first. */
export async function drillHistory(engine: Engine, scenarioId?: string): Promise<DrillRunSummary[]> {
  const drills = (await engine.incidents()).filter((r) => r.mode === 'drill');
  // The runner (and through it the drill checks, YAML and zod) only when there is a drill to score:
  // the console asks on every start, and most databases have none.
  if (drills.length === 0) return [];
  const { pinOf, scoreOf } = await import('./runner.js');
  const out: DrillRunSummary[] = [];
  for (const row of drills) {
    const pin = await pinOf(engine, row.id);
    if (scenarioId !== undefined && pin.scenario.id !== scenarioId) continue;
    const s = await scoreOf(engine, row.id);
    const count = <T extends { status: string }>(xs: readonly T[], st: string) => xs.filter((x) => x.status === st).length;
    out.push({
      scenario: pin.scenario.id,
      scenario_hash: pin.scenario.hash,
      incident: row.id,
      script: pin.script?.id ?? null,
      run_at: pin.run_at,
      ended: await engine.hasEvent(row.id, 'drill.ended'),
      objectives: {
        total: s.objectives.length,
        met: count(s.objectives, 'met'),
        late: count(s.objectives, 'late'),
        missed: count(s.objectives, 'missed'),
        by_id: Object.fromEntries(s.objectives.map((o) => [o.id, o.status])),
      },
      deadlines: { total: s.deadlines.length, met: count(s.deadlines, 'met'), late: count(s.deadlines, 'late'), missed: count(s.deadlines, 'missed') },
      minutes: { contain: minutes(s.times.contain), decide: minutes(s.times.decide), notify: minutes(s.times.notify) },
    });
  }
  return out.sort((a, b) => a.run_at.localeCompare(b.run_at) || a.incident.localeCompare(b.incident));
}
