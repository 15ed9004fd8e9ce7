import pc from '../../render/colors.js';
import { systemClock } from '../../clocks/wall.js';
import { offsetLabel, spanLabel } from '../../domain/drill.js';
import { InvalidInput } from '../../domain/errors.js';
import { oneLine } from '../../domain/text.js';
import type { DrillLine } from '../../drill/runner.js';
import type { DrillScore } from '../../drill/score.js';
import { type Problem } from '../../playbook/problems.js';
import type { GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines, table, writeStdout } from '../output.js';
import { reflow } from '../../render/terminal-text.js';
import { fitTerminal, practiceLines, scoreLines, when } from '../present/drill.js';

/** Regime ids for checking drill files (the compiled catalogue: cheap). */
async function world() {
  const { loadShippedRegimes } = await import('../../playbook/regime-catalogue.js');
  const { regimes } = await loadShippedRegimes();
  return { regimeIds: new Set(regimes.map((r) => r.id)) };
}

export async function list(g: GlobalOptions): Promise<void> {
  const d = await import('../../playbook/drill.js');
  const w = await world();
  const scripts = d.shippedScriptsByScenario();
  const rows = d.shippedScenarioFiles().map((f) => {
    const s = d.loadScenarioFile(f, w);
    return { id: s.scenario.id, title: s.scenario.title, runbook: s.scenario.runbook, duration: s.scenario.duration, objectives: s.scenario.objectives.length, injects: s.scenario.injects.length, scripts: (scripts.get(s.scenario.id) ?? []).map(d.displayPath) };
  });
  if (g.json) {
    printJson(rows);
    return;
  }
  const lines = table(rows.map((r) => [r.id, r.runbook, r.duration, `${r.objectives} obj · ${r.injects} injects`, oneLine(r.title)]), ['ID', 'RUNBOOK', 'ENDS', 'MEASURES', 'TITLE']);
  for (const r of rows) lines.push(`  ${r.id}: ${r.scripts.length ? r.scripts.join(', ') : 'no script'}`);
  lines.push('', 'run one: irr drill run <id> [--script <file>]');
  printLines(lines);
}

export async function validate(g: GlobalOptions, files: string[]): Promise<void> {
  const d = await import('../../playbook/drill.js');
  const { YamlSource } = await import('../../playbook/yaml-source.js');
  const w = await world();
  const problems: Problem[] = [];
  const ok: string[] = [];
  const scenarios = new Map<string, ReturnType<typeof d.loadScenarioFile>>();
  const scenarioNamed = (id: string) => {
    let s = scenarios.get(id);
    if (!s) scenarios.set(id, (s = d.loadScenarioFile(d.resolveScenarioFile(id), w)));
    return s;
  };
  for (const file of files) {
    const src = YamlSource.fromFile(file);
    const raw = src.ok ? src.toJS() : undefined;
    // A script names its scenario; a scenario names its runbook.
    if (raw && typeof raw === 'object' && 'actions' in raw) {
      const scenarioId = (raw as { scenario?: unknown }).scenario;
      let scenario;
      try {
        scenario = typeof scenarioId === 'string' ? scenarioNamed(scenarioId) : undefined;
      } catch (err) {
        problems.push(src.problem(['scenario'], `scenario: ${(err as Error).message}`));
      }
      const r = d.checkScript(src, scenario, w);
      problems.push(...r.problems);
      if (r.problems.length === 0 && scenario) ok.push(`ok  ${file}: script for ${scenario.scenario.id}, ${r.script!.script.actions.length} actions`);
    } else {
      const r = d.checkScenario(src, w);
      problems.push(...r.problems);
      if (r.problems.length === 0 && r.scenario) ok.push(`ok  ${file}: scenario ${r.scenario.scenario.id}, ${r.scenario.scenario.objectives.length} objectives, ${r.scenario.scenario.injects.length} injects`);
    }
  }
  if (problems.length > 0) {
    const { ValidationFailed } = await import('../../playbook/problems.js');
    throw new ValidationFailed(problems);
  }
  if (g.json) printJson({ ok: true, files });
  else printLines(ok);
}

export async function schema(_g: GlobalOptions, opts: { script?: boolean }): Promise<void> {
  const s = await import('../../playbook/drill-schema.js');
  printJson(opts.script ? s.scriptJsonSchema() : s.scenarioJsonSchema());
}

/** A line for the room: the drill time in an 11-column margin, then what happened. */
const lineText = (l: DrillLine): [string, string] => {
  const lead = l.kind === 'clock' || l.kind === 'inject' ? pc.bold(l.offset.padEnd(11)) : ' '.repeat(11);
  switch (l.kind) {
    case 'clock':
      return [lead, l.text];
    case 'inject':
      return [lead, l.fired ? `${pc.cyan(`INJECT ${l.id}`)}: ${oneLine(l.message)}` : pc.dim(`inject ${l.id} not fired — ${l.reason ?? ''}`)];
    case 'action':
      return [lead, l.text];
    case 'refused':
      return [lead, pc.yellow(`REFUSED ${l.text}`)];
  }
};


function parseSpeed(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidInput(`--speed: "${raw}" is not a positive number (e.g. 3600: one drill hour per second)`);
  return n;
}

export async function run(g: GlobalOptions, target: string, opts: { script?: string; speed?: string; answers?: string; report?: string; force?: boolean }): Promise<void> {
  const speed = parseSpeed(opts.speed);
  const d = await import('../../playbook/drill.js');
  const runner = await import('../../drill/runner.js');
  const w = await world();
  const resuming = /^DRL-\d{4}-\d{4}$/.test(target);
  if (resuming && opts.script) throw new InvalidInput('--script: a scripted drill starts from its scenario (irr drill run <scenario-id> --script <file>), not from a running drill');
  if (opts.script && opts.answers !== undefined) throw new InvalidInput('--answers: a scripted drill asks no questions; give --script or --answers, not both');
  if (!opts.script && opts.report) throw new InvalidInput('--report: only a scripted run writes the report as it ends; after an interactive drill use irr drill report <DRL-id>');
  // The report's path is checked before the drill is opened: a drill that cannot write its report
  // records nothing.
  const { checkOutput, dbGuard } = await import('../output-file.js');
  const reportTarget = opts.report !== undefined ? checkOutput({ flag: '--report', path: opts.report, force: opts.force, guard: [dbGuard(g.db), ...(opts.script ? [{ flag: '--script', path: opts.script }] : [])] }) : null;
  const loaded = resuming ? undefined : d.loadScenarioFile(d.resolveScenarioFile(target), w);
  const script = loaded && opts.script ? d.loadScriptFile(opts.script, loaded, w) : null;
  if (!script) {
    if (g.json) throw new InvalidInput('--json: give --script for an unattended run; an interactive drill talks to the facilitator');
    if (opts.answers === undefined && (!process.stdin.isTTY || !process.stdout.isTTY)) {
      throw new InvalidInput('drill run: an interactive drill needs a terminal; give --script <file> for an unattended run (irr drill list shows the shipped scripts), or --answers <file>');
    }
  }
  // Resuming never creates a database: a mistyped --db must not leave an empty file behind.
  await withEngine(g, { create: !resuming }, async (engine) => {
    const id = loaded ? await runner.openDrill(engine, loaded, script, g.actor, systemClock.now()) : target;
    const pin = await runner.pinOf(engine, id);
    const tell = (l: DrillLine) => {
      if (!g.json) printLines(fitTerminal(...lineText(l)));
    };
    const drill = new runner.DrillRun(engine, id, pin, tell, { clocks: !g.json });
    if (!g.json && loaded) {
      printLines([pc.bold(`${id}  Drill: ${loaded.scenario.title}`), `scenario ${loaded.scenario.id} · runbook ${loaded.scenario.runbook} · drill time starts ${when(pin.start, pin.zone)} (${pin.zone}) · ends ${offsetLabel(loaded.scenario.duration_ms)}${script ? ` · script ${script.id}` : ''}`, '']);
      // Reflowed to the terminal: the scenario file's own line breaks (~98 columns) would break words at 80.
      printLines(reflow(loaded.scenario.narrative.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ''), process.stdout.isTTY ? (process.stdout.columns || 80) - 1 : undefined));
      printLines('');
    }
    // The injects due at T+0 are told before anyone acts.
    const drillNow = await drill.now();
    await drill.advanceTo(drillNow < pin.start ? pin.start : drillNow);
    if (script) {
      const pace = async (from: string, to: string) => {
        if (speed === undefined) return;
        const ms = (Date.parse(to) - Date.parse(from)) / speed;
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      };
      const { refused } = await runner.runScript(drill, script, pace);
      const score = await drill.score();
      const out = opts.report;
      if (reportTarget) {
        try {
          await writeReport(engine, id, reportTarget);
        } catch (err) {
          // The drill itself is recorded by now; say so, and how to get the report.
          const { OutputFailed } = await import('../output-file.js');
          if (!(err instanceof OutputFailed)) throw err;
          throw new InvalidInput(`${err.flag}: cannot write ${err.path} (${err.reason}); the drill ${id} is recorded: write its report with irr drill report ${id} --out <file>`);
        }
      }
      if (g.json) {
        printJson({ ok: true, ...scoreJson(id, score, refused) });
        return;
      }
      printLines(['', ...scoreLines(id, score, pin.zone)]);
      if (refused) printLines(pc.yellow(`${refused} scripted action${refused === 1 ? ' was' : 's were'} refused (kept as notes in the log)`));
      printLines(out ? `after-action report written to ${out}` : `after-action report: irr drill report ${id} [--format html --out aar.html]`);
      return;
    }
    const { facilitate } = await import('../console/facilitator.js');
    await facilitate(g, drill, opts.answers, speed);
  });
}

async function writeReport(engine: import('../../engine/engine.js').Engine, id: string, target: import('../output-file.js').OutputTarget): Promise<void> {
  const { afterActionReport } = await import('../../drill/aar.js');
  const format = target.path.endsWith('.html') ? 'html' : 'md';
  const { writeOutput } = await import('../output-file.js');
  await writeOutput(target, await afterActionReport(engine, id, format));
}

export function scoreJson(id: string, s: DrillScore, refused?: number) {
  return {
    incident: id,
    ended_at: s.ended_at,
    objectives: s.objectives.map((o) => ({ id: o.id, title: o.title, capability: o.capability, status: o.status, due_at: o.due_at, done_at: o.done_at, late_by_minutes: o.late_by_ms === null ? null : Math.round(o.late_by_ms / 60_000), why: o.why })),
    deadlines: s.deadlines.map((x) => ({ id: x.id, jurisdiction: x.jurisdiction, audience: x.audience, status: x.status, kind: x.kind, due_at: x.due_at, done_at: x.done_at, late_by_minutes: x.late_by_ms === null ? null : Math.round(x.late_by_ms / 60_000) })),
    times: Object.fromEntries(Object.entries(s.times).map(([k, v]) => [k, v.known ? { minutes: Math.round(v.ms / 60_000), from: v.from, to: v.to } : { minutes: null, why: v.why }])),
    skipped_steps: s.skipped,
    injects: s.injects.map((i) => ({ id: i.id, at: i.at, fired: i.fired, ...(i.reason ? { reason: i.reason } : {}) })),
    ...(refused !== undefined ? { refused_actions: refused } : {}),
  };
}


export async function report(g: GlobalOptions, id: string, opts: { format?: string; out?: string; force?: boolean }): Promise<void> {
  const format = opts.format ?? 'md';
  if (format !== 'md' && format !== 'html') throw new InvalidInput(`--format: "${format}" is not md or html`);
  const { checkOutput, dbGuard, writeOutput } = await import('../output-file.js');
  const target = opts.out !== undefined ? checkOutput({ flag: '--out', path: opts.out, force: opts.force, guard: [dbGuard(g.db)] }) : null;
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const { pinOf } = await import('../../drill/runner.js');
    pinOf(engine, id);
    const { afterActionReport } = await import('../../drill/aar.js');
    const text = await afterActionReport(engine, id, format);
    if (target) {
      await writeOutput(target, text);
      printLines(`${id}: after-action report written to ${target.path}`);
    } else await writeStdout(text);
  });
}

/**
 * No drill can have run: a SQLite file that does not exist yet (not created by asking). A team
 * server always exists, so its drills are read (a missing server is the connection's error).
 */
async function noDatabaseYet(g: GlobalOptions): Promise<boolean> {
  const { isPostgresUrl } = await import('../../store/port.js');
  if (isPostgresUrl(g.db)) return false;
  const { existsSync } = await import('node:fs');
  return !existsSync(g.db);
}

/** Every known scenario's practice status, from this database's drills (none when it does not exist). */
export async function practice(g: GlobalOptions, now: string): Promise<import('../../drill/practice.js').PracticeEntry[]> {
  const { practiceOf } = await import('../../drill/practice.js');
  if (await noDatabaseYet(g)) return practiceOf(undefined, now);
  return withEngine(g, { create: false, readonly: true }, (engine) => practiceOf(engine, now));
}

/** `irr drill due`: when each scenario was last run, and which are overdue (> 12 months) or never run. */
export async function due(g: GlobalOptions): Promise<void> {
  const { practiceWarning, MAX_AGE_MONTHS } = await import('../../drill/practice.js');
  const { systemClock } = await import('../../clocks/wall.js');
  const entries = await practice(g, systemClock.now());
  const warning = practiceWarning(entries);
  if (g.json) {
    printJson({ ok: true, max_age_months: MAX_AGE_MONTHS, scenarios: entries, warning });
    return;
  }
  printLines(practiceLines(entries, warning));
}

/** Practice on schedule, under the history: the last run of every known scenario, and a warning for stale ones. */
async function practiceSection(runs: readonly import('../../drill/history.js').DrillRunSummary[]): Promise<string[]> {
  const { practiceSummary, practiceWarning, shippedScenarios } = await import('../../drill/practice.js');
  const { systemClock } = await import('../../clocks/wall.js');
  const entries = practiceSummary(await shippedScenarios(), runs, systemClock.now());
  return ['', pc.bold('practice'), ...practiceLines(entries, practiceWarning(entries))];
}


export async function history(g: GlobalOptions, scenarioId: string | undefined): Promise<void> {
  if (await noDatabaseYet(g)) {
    if (scenarioId !== undefined) (await import('../../playbook/drill.js')).resolveScenarioFile(scenarioId);
    if (g.json) printJson([]);
    else printLines(['no drills run yet (irr drill run <scenario> --script <file>)', ...(scenarioId === undefined ? await practiceSection([]) : [])]);
    return;
  }
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const { drillHistory } = await import('../../drill/history.js');
    const runs = await drillHistory(engine, scenarioId);
    if (runs.length === 0 && scenarioId !== undefined) {
      // A typo must not look like "never rehearsed": name what exists (exit 2).
      const d = await import('../../playbook/drill.js');
      d.resolveScenarioFile(scenarioId);
    }
    if (g.json) {
      printJson(runs);
      return;
    }
    if (runs.length === 0) {
      printLines(scenarioId ? `no runs of ${scenarioId} yet` : ['no drills run yet (irr drill run <scenario> --script <file>)', ...(await practiceSection([]))]);
      return;
    }
    const lines: string[] = [];
    for (const sc of [...new Set(runs.map((r) => r.scenario))]) {
      const mine = runs.filter((r) => r.scenario === sc);
      lines.push(pc.bold(`${sc} — ${mine.length} run${mine.length === 1 ? '' : 's'}`));
      lines.push(
        ...table(
          mine.map((r) => [when(r.run_at), r.incident, r.script ?? 'interactive', `${r.objectives.met}/${r.objectives.total}`, String(r.objectives.late), String(r.objectives.missed), `${r.deadlines.met}/${r.deadlines.total}`, r.minutes.contain === null ? '—' : spanLabel(r.minutes.contain * 60_000), r.minutes.notify === null ? '—' : spanLabel(r.minutes.notify * 60_000), r.ended ? '' : 'running']),
          ['RUN', 'DRILL', 'SCRIPT', 'MET', 'LATE', 'MISSED', 'DEADLINES MET', 'CONTAIN', 'NOTIFY', ''],
        ),
      );
      if (mine.length > 1) {
        const [first, last] = [mine[0]!, mine[mine.length - 1]!];
        const mins = (m: number | null) => (m === null ? '—' : spanLabel(m * 60_000));
        lines.push(`first → latest run: objectives met ${first.objectives.met} → ${last.objectives.met} of ${last.objectives.total}; time to contain ${mins(first.minutes.contain)} → ${mins(last.minutes.contain)}; to notify ${mins(first.minutes.notify)} → ${mins(last.minutes.notify)}`);
        const changed = Object.keys(last.objectives.by_id).filter((k) => first.objectives.by_id[k] !== last.objectives.by_id[k]);
        if (changed.length) lines.push(`changed: ${changed.map((k) => `${k} ${first.objectives.by_id[k] ?? 'new'} → ${last.objectives.by_id[k]}`).join('; ')}`);
        if (first.scenario_hash !== last.scenario_hash) lines.push('note: the scenario file changed between these runs (different hash)');
      }
      lines.push('');
    }
    if (scenarioId === undefined) lines.push(...(await practiceSection(runs)));
    printLines(lines);
  });
}
