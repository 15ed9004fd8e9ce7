import { WORK_PHASES } from '../../domain/phases.js';
import type { Runbook } from '../../domain/runbook.js';
import { describeCondition } from '../../domain/condition.js';
import { listShippedRunbooks, resolveRunbook } from '../../playbook/catalogue.js';
import { formatProblem, type Problem } from '../../playbook/problems.js';
import { checkRunbook } from '../../playbook/runbook.js';
import { runbookJsonSchema } from '../../playbook/runbook-schema.js';
import { YamlSource } from '../../playbook/yaml-source.js';
import { InvalidInput } from '../../domain/errors.js';
import { printJson, printLines, table } from '../output.js';
import type { GlobalOptions } from '../context.js';

const stepCount = (r: Runbook) => WORK_PHASES.reduce((n, p) => n + r.phases[p].length, 0);

export async function list(g: GlobalOptions): Promise<void> {
  const all = await listShippedRunbooks();
  if (g.json) {
    printJson(all.map(({ runbook: r, hash }) => ({ id: r.id, title: r.title, version: r.version, steps: stepCount(r), hash })));
    return;
  }
  printLines(table(all.map(({ runbook: r }) => [r.id, r.version, String(stepCount(r)), r.title]), ['ID', 'VERSION', 'STEPS', 'TITLE']));
}

export async function show(g: GlobalOptions, id: string): Promise<void> {
  const { runbook: r, hash } = await resolveRunbook(id);
  if (g.json) {
    printJson({ ...r, hash });
    return;
  }
  const roles = new Map(r.roles.map((x) => [x.id, x.title]));
  const lines = [`${r.title} (${r.id} ${r.version})`, `sha256 ${hash}`, '', r.description.trim(), ''];
  for (const phase of WORK_PHASES) {
    lines.push(`== ${phase} ==`);
    for (const s of r.phases[phase]) {
      const tags = [s.required ? 'required' : 'optional', ...s.marks.map((m) => `marks ${m}`)];
      lines.push(`- ${s.id}: ${s.title} [${roles.get(s.owner) ?? s.owner}; ${tags.join('; ')}]`);
      if (s.depends_on.length > 0) lines.push(`    after: ${s.depends_on.join(', ')}`);
      if (s.when) lines.push(`    when: ${describeCondition(s.when)}`);
      if (s.captures.length > 0) lines.push(`    records: ${s.captures.join(', ')}`);
      for (const l of s.guidance.trimEnd().split('\n')) lines.push(`    ${l}`);
    }
    lines.push('');
  }
  printLines(lines);
}

export function validate(g: GlobalOptions, files: readonly string[]): void {
  const results: { file: string; ok: boolean; id?: string; steps?: number; problems: Problem[] }[] = [];
  for (const file of files) {
    let src: YamlSource;
    try {
      src = YamlSource.fromFile(file);
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      results.push({ file, ok: false, problems: [{ file, line: 1, col: 1, message: err.message.replace(`${file}: `, '') }] });
      continue;
    }
    const { runbook, problems } = checkRunbook(src);
    results.push({ file, ok: problems.length === 0, problems, ...(runbook ? { id: runbook.id, steps: stepCount(runbook) } : {}) });
  }
  if (g.json) printJson(results.map((r) => ({ ...r, problems: r.problems.map((p) => ({ ...p })) })));
  else {
    for (const r of results) {
      if (r.ok) printLines(`ok ${r.file} (${r.id}, ${r.steps} steps)`);
      else process.stderr.write(r.problems.map(formatProblem).join('\n') + '\n');
    }
  }
  const problems = results.flatMap((r) => r.problems);
  if (problems.length > 0) {
    const bad = results.filter((r) => !r.ok).length;
    // Every problem has been listed above; the error line only summarises.
    throw new InvalidInput(`${problems.length} problem${problems.length > 1 ? 's' : ''} in ${bad} of ${results.length} file${results.length > 1 ? 's' : ''}`);
  }
}

export function schema(): void {
  printJson(runbookJsonSchema());
}
