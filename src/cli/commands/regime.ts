import { InvalidInput } from '../../domain/errors.js';
import { describeCondition } from '../../domain/condition.js';
import type { Regime } from '../../domain/regime.js';
import { formatProblem } from '../../playbook/problems.js';
import { calendarChecker, checkRegimeFiles } from '../../playbook/regime.js';
import { loadShippedRegimes } from '../../playbook/regime-catalogue.js';
import { regimeBaseJsonSchema, regimeJsonSchema } from '../../playbook/regime-schema.js';
import { describeDeadline } from '../../clocks/describe.js';
import type { GlobalOptions } from '../context.js';
import { printJson, printLines, table } from '../output.js';

export async function list(g: GlobalOptions): Promise<void> {
  const { regimes } = await loadShippedRegimes();
  if (g.json) {
    printJson(regimes.map((r) => ({ id: r.id, name: r.name, jurisdiction: r.jurisdiction, audience: r.audience, in_force: r.in_force, deadline: describeDeadline(r), citation: r.citation, source: r.source })));
    return;
  }
  printLines(table(regimes.map((r) => [r.id, r.jurisdiction, r.audience, describeDeadline(r), `${r.name}${r.in_force ? '' : ' [NOT IN FORCE]'}`]), ['ID', 'WHERE', 'TO', 'DEADLINE', 'NAME']));
}

export async function show(g: GlobalOptions, id: string): Promise<void> {
  const { byId, regimes } = await loadShippedRegimes();
  const r = byId.get(id);
  if (!r) throw new InvalidInput(`<id>: no regime "${id}" (irr regime list shows ${regimes.length})`);
  if (g.json) {
    printJson(r);
    return;
  }
  printLines(render(r));
}

export function authorityLines(a: NonNullable<Regime['authority']>): string[] {
  const parts = [a.portal && `portal ${a.portal}`, a.email && `email ${a.email}`, a.phone && `phone ${a.phone}`, a.address && `address ${a.address}`, a.form && `form: ${a.form}`].filter((x): x is string => !!x);
  return [`notify: ${a.name}`, ...parts.map((p) => `  ${p}`), ...(a.notes ? [`  ${a.notes}`] : [])];
}

function render(r: Regime): string[] {
  const lines = [
    `${r.name} (${r.id})${r.in_force ? '' : '  NOT IN FORCE'}${r.voluntary ? '  VOLUNTARY: no legal duty, recommended only' : ''}`,
    `${r.citation} — ${r.source}`,
    `jurisdiction ${r.jurisdiction}; notify: ${r.audience}${r.stage ? `; stage ${r.stage.order}: ${r.stage.name}` : ''}`,
    `covers: ${r.covers.join(' ')}`,
    `applies when: ${describeCondition(r.applies_when)}`,
  ];
  if (r.personal_information) {
    const pi = r.personal_information;
    lines.push(`personal information: ${pi.detail}`, `  irr categories: ${pi.categories.join(', ')}; encryption safe harbour: ${pi.encryption_safe_harbour ? 'yes' : 'no'}; paper records: ${pi.paper_records ? 'yes' : 'no (computerised data only)'}`);
  }
  if (r.authority) lines.push(...authorityLines(r.authority));
  if (r.threshold) {
    const t = r.threshold;
    lines.push(t.model ? `risk model ${t.model}: ${t.at_least === 'risk' ? 'required unless an exemption establishes that no risk is likely' : 'required when the model finds high risk'} (docs/risk.md)` : `required at ENISA severity ${t.enisa_at_least} or above`);
    if (t.also_required_when) lines.push(`  required whatever the risk when ${describeCondition(t.also_required_when)}`);
    for (const e of t.exemptions) lines.push(`  exempt ${e.id} (${e.ref}): ${e.text} — when ${describeCondition(e.when)}`);
  }
  const start = 'fact' in r.clock.starts ? `fact ${r.clock.starts.fact}` : `sending of ${r.clock.starts.obligation}`;
  lines.push(`clock: from ${start}${r.clock.anchor ? ' (end of that calendar year)' : ''}; ${describeDeadline(r)}`);
  if (r.clock.no_later_than) lines.push(`  and no later than ${r.clock.no_later_than.hours} h after ${r.clock.no_later_than.fact}`);
  if (r.clock.weekend_rule) lines.push(`  weekend rule: a deadline on a weekend or holiday (${r.clock.weekend_rule.holidays}) moves to noon of the next working day${r.clock.weekend_rule.unless ? `, unless ${describeCondition(r.clock.weekend_rule.unless)}` : ''}`);
  if (r.required_contents.length) {
    lines.push('required contents:');
    for (const c of r.required_contents) lines.push(`  - ${c.id} (${c.ref}): ${c.text}${c.facts.length ? ` [facts: ${c.facts.join(', ')}]` : ''}`);
  }
  if (r.notes.trim()) lines.push('notes:', ...r.notes.trim().split('\n').map((l) => `  ${l}`));
  if (r.unconfirmed.length) lines.push('UNCONFIRMED (check the source before relying on it):', ...r.unconfirmed.map((u) => `  - ${u}`));
  return lines;
}

export async function validate(g: GlobalOptions, files: readonly string[]): Promise<void> {
  const { regimes, problems } = checkRegimeFiles(files, await calendarChecker());
  if (g.json) printJson({ ok: problems.length === 0, regimes: regimes.map((r) => r.id), problems });
  else {
    for (const r of regimes) if (!problems.some((p) => p.file.endsWith(`${r.id}.yaml`))) printLines(`ok ${r.id}`);
    if (problems.length) process.stderr.write(problems.map(formatProblem).join('\n') + '\n');
  }
  if (problems.length > 0) throw new InvalidInput(`${problems.length} problem${problems.length > 1 ? 's' : ''} in ${files.length} file${files.length > 1 ? 's' : ''}`);
}

export function schema(_g: GlobalOptions, opts: { base?: boolean } = {}): void {
  printJson(opts.base ? regimeBaseJsonSchema() : regimeJsonSchema());
}
