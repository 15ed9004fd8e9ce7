import { readFileSync } from 'node:fs';
import pc from '../../render/colors.js';
import { InvalidInput } from '../../domain/errors.js';
import { CORE_FACTS, type FactValue } from '../../domain/facts.js';
import { byUrgency, type Assessment, type Obligation } from '../../assess/obligations.js';
import { checkFacts } from '../../engine/decide.js';
import { loadShippedRegimes } from '../../playbook/regime-catalogue.js';
import { assessIncident } from '../../engine/obligations.js';
import { systemClock } from '../../clocks/wall.js';
import { oneLine, stripBom } from '../../domain/text.js';
import { notCoveredLine } from '../../assess/coverage.js';
import { parseAt, zoneOrExit, type GlobalOptions } from '../context.js';
import { localWithUtc } from '../../clocks/zone.js';
import { withEngine } from '../engine-access.js';
import { readTextFile } from '../../playbook/text-file.js';
import { printJson, printLines } from '../output.js';
import { statusLabel } from '../present/obligations.js';
import { byCodeUnits } from '../../domain/order.js';

function readFacts(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = file === '-' ? stripBom(readFileSync(0, 'utf8')) : readTextFile(file);
  } catch (err) {
    if (err instanceof InvalidInput) throw new InvalidInput(err.message, [], { flag: '--facts', file });
    throw new InvalidInput(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, [], { flag: '--facts', file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidInput(`--facts: ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidInput(`--facts: ${file} must hold one JSON object of facts`);
  return parsed as Record<string, unknown>;
}

export async function assess(g: GlobalOptions, incident: string | undefined, opts: { facts?: string; now?: string }): Promise<void> {
  const nowOption = parseAt(opts.now, '--now');
  let now = nowOption ?? '';
  let result: Assessment;
  if (opts.facts !== undefined) {
    if (incident !== undefined) throw new InvalidInput('assess: give an incident or --facts, not both');
    const facts = checkFacts(CORE_FACTS, readFacts(opts.facts), opts.facts, { flag: '--facts', file: opts.facts });
    const { regimes } = await loadShippedRegimes();
    const { assess: run } = await import('../../assess/obligations.js');
    now ||= systemClock.now();
    result = run({ regimes, fact: (n) => (Object.hasOwn(facts, n) ? (facts[n] as FactValue) : undefined), now });
  } else {
    if (incident === undefined) throw new InvalidInput('assess: give an incident, or --facts <file.json|-> for a stateless assessment');
    result = await withEngine(g, { create: false, readonly: true }, async (engine) => (await assessIncident(engine, incident, (now ||= await engine.now(incident)))).assessment);
  }
  if (g.json) {
    printJson({ ok: true, now, uncovered: result.uncovered, severity: result.severity, risk: result.risk, obligations: result.obligations });
    return;
  }
  printLines(renderAssessment(result, (iso) => localWithUtc(iso, zoneOrExit(), now)));
}


const word = (c: 'notify' | 'not_required') => (c === 'notify' ? 'NOTIFY' : 'not required');

/** The EDPB-method decision, in factors: what drove it, what was or was not established, what could change it. */
export function renderRisk(r: Assessment['risk']): string[] {
  const lines = [pc.bold(`Risk (${r.method})`)];
  lines.push(`  Authority (Art 33): ${word(r.art33.conclusion)}${r.art33.exemption ? ` — exemption ${r.art33.exemption}` : ''}`);
  for (const x of r.art33.reasons) lines.push(`    - ${x}`);
  if (r.art33.could_change.length) lines.push(`    could change: ${r.art33.could_change.join(', ')}`);
  lines.push(`  Individuals (Art 34): ${word(r.art34.conclusion)}${r.high_risk === 'unknown' ? ' (high risk until the facts named are established)' : ''}`);
  for (const x of r.art34.reasons) lines.push(`    - ${x}`);
  if (r.art34.could_change.length) lines.push(`    could change: ${r.art34.could_change.join(', ')}`);
  const mark = (t: true | false | 'unknown') => (t === true ? 'established' : t === false ? 'not established' : 'unknown');
  lines.push('  Mitigations:');
  for (const m of r.mitigations) lines.push(`    - ${m.exemption}: ${mark(m.established)}${m.missing.length ? ` (establish ${m.missing.join(', ')})` : ''}`);
  if (r.precedents.length) lines.push(`  Resembles: ${r.precedents.map((p) => `${p.title} (authority ${p.art33 === 'notify' ? 'notified' : 'not notified'}, individuals ${p.art34 === 'notify' ? 'told' : 'not told'})`).join('; ')}`);
  return lines;
}

/** "us-state-breach: 96 do not apply (US-AK, US-AL, …)" — one line per family (or jurisdiction, for a law without one). */
export function outOfReachLines(list: readonly Obligation[]): string[] {
  const groups = new Map<string, Obligation[]>();
  for (const o of list) {
    const key = o.family ?? o.jurisdiction;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups].sort(([a], [b]) => byCodeUnits(a, b)).map(([key, g]) => {
    const where = [...new Set(g.map((o) => o.jurisdiction))].sort();
    const notInForce = g.filter((o) => !o.in_force).length;
    const what = g.length <= 3 ? g.map((o) => o.id).join(', ') : `${g.length} duties`;
    return `  ${key}: ${what} — do not apply${notInForce ? ` (${notInForce} not in force)` : ''}${where.length > 1 || where[0] !== key ? ` [${where.join(' ')}]` : ''}`;
  });
}

/** `when` writes a deadline for people (local, zone named); the default keeps the ISO text. */
export function renderAssessment(a: Assessment, when: (iso: string) => string = (iso) => iso): string[] {
  const s = a.severity;
  const gap = notCoveredLine(a.uncovered);
  const lines = [...(gap ? [pc.bold(pc.red(gap)), ''] : []), ...renderRisk(a.risk), '', pc.bold(`Severity, one input (${s.method}): ${s.level.replace('_', ' ').toUpperCase()}  SE = ${s.score}  (DPC ${s.dpc} × EI ${s.ei} + CB ${s.cb})`)];
  for (const e of s.explanation) lines.push(`  - ${e}`);
  const groups: [string, (o: Obligation) => boolean][] = [
    ['Required', (o) => o.required === true],
    ['Undetermined: establish the facts named', (o) => o.required === 'unknown'],
    ['Recommended, no legal duty (voluntary)', (o) => o.recommended],
    ['Not required', (o) => o.required === false && !o.recommended],
  ];
  for (const [title, pick] of groups) {
    const all = a.obligations.filter(pick).sort(byUrgency);
    if (all.length === 0) continue;
    lines.push('', pc.bold(`${title} (${all.length})`));
    // Laws that do not reach the incident at all are one line per family: with 130 regimes they
    // would bury the few decisions (exempt, below the threshold) worth reading one by one.
    const outOfReach = (o: Obligation) => o.required === false && o.applies === false && o.record === null;
    const list = all.filter((o) => !outOfReach(o));
    lines.push(...outOfReachLines(all.filter(outOfReach)));
    for (const o of list) {
      const deadline = o.due_at ? `due ${when(o.due_at)}` : o.target_at ? `target ${when(o.target_at)}` : '';
      lines.push(`  ${o.id} [${statusLabel(o)}] ${o.audience}, ${o.jurisdiction}${deadline ? ` — ${deadline}` : ''}`);
      lines.push(`      ${oneLine(o.reason)}`);
      if (o.factors.length) lines.push(`      factors: ${o.factors.map((f) => `${f.id}${f.present === 'unknown' ? ' (until established)' : ''}`).join(', ')}`);
    }
  }
  return lines;
}
