import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunbook } from '../../src/playbook/runbook.js';
import { YamlSource } from '../../src/playbook/yaml-source.js';
import { shippedRunbookFiles } from '../../src/playbook/catalogue.js';
import { formatProblem } from '../../src/playbook/problems.js';
import { runbookJsonSchema } from '../../src/playbook/runbook-schema.js';
import { irr, MINI, ROOT, tempDir } from '../helpers.js';

const mini = readFileSync(MINI, 'utf8');

/** Validate a variant of the mini runbook; returns the formatted problems. */
function problems(text: string): string[] {
  return checkRunbook(YamlSource.fromText('rb.yaml', text)).problems.map(formatProblem);
}

const lineOf = (text: string, needle: string, nth = 1): number => {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  throw new Error(`"${needle}" not in text`);
};

describe('runbook validator', () => {
  it('accepts the mini fixture', () => {
    expect(problems(mini)).toEqual([]);
  });

  it('reports an unknown key at its line', () => {
    const text = mini.replace('      owner: dpo\n', '      owner: dpo\n      colour: blue\n');
    expect(problems(text)).toEqual([`rb.yaml:${lineOf(text, 'colour')}:7: phases.analysis[0].colour: unknown key "colour"`]);
  });

  it('reports a duplicate step id at the second definition', () => {
    const text = mini.replace('    - id: eradicate\n', '    - id: contain\n');
    const [p] = problems(text);
    expect(p).toMatch(new RegExp(`^rb\\.yaml:${lineOf(text, '- id: contain', 2)}:11: phases\\.eradication\\[0\\]\\.id: duplicate step id "contain" \\(first defined at phases\\.containment\\[0\\], line ${lineOf(text, '- id: contain')}\\)`));
  });

  it('reports a dangling depends_on', () => {
    const text = mini.replace('depends_on: [contain]', 'depends_on: [contian]');
    expect(problems(text)).toEqual([`rb.yaml:${lineOf(text, 'contian')}:20: phases.eradication[0].depends_on[0]: depends on "contian", which is not a step of this runbook`]);
  });

  it('reports a cyclic depends_on', () => {
    const text = mini.replace('      title: Triage the alert\n', '      title: Triage the alert\n      depends_on: [triage]\n');
    const out = problems(text);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(new RegExp(`^rb\\.yaml:${lineOf(text, 'depends_on: [triage]')}:\\d+: .*cyclic depends_on: triage → triage`));
  });

  it('reports a longer cycle once', () => {
    const text = mini.replace('      guidance: Remove the cause.\n', '      guidance: Remove the cause.\n').replace('    - id: contain\n      title: Contain\n', '    - id: contain\n      title: Contain\n      depends_on: [eradicate-2]\n').replace(
      '  recovery:\n',
      '    - id: eradicate-2\n      title: E2\n      owner: lead\n      guidance: x\n      depends_on: [contain]\n  recovery:\n',
    );
    const out = problems(text);
    // contain (containment) depends on a later-phase step, and the two form a cycle: both are reported.
    expect(out.some((p) => p.includes('cyclic depends_on: contain → eradicate-2 → contain'))).toBe(true);
    expect(out.some((p) => p.includes('in the later phase eradication'))).toBe(true);
  });

  it('reports an undefined role', () => {
    const text = mini.replace('      title: Recover\n      owner: lead', '      title: Recover\n      owner: ghost');
    expect(problems(text)).toEqual([`rb.yaml:${lineOf(text, 'owner: ghost')}:14: phases.recovery[0].owner: undefined role "ghost" (declared roles: lead, dpo)`]);
  });

  it('reports a condition on an unknown fact', () => {
    const text = mini.replace('{fact: data_categories, includes: payment_card}', '{fact: card_brand, includes: visa}');
    expect(problems(text)).toEqual([
      `rb.yaml:${lineOf(text, 'card_brand')}:20: phases.analysis[1].when.fact: condition on unknown fact "card_brand" (not in docs/facts.md nor declared under facts:)`,
    ]);
  });

  it('reports an operator that does not suit the fact', () => {
    const text = mini.replace('{fact: data_categories, includes: payment_card}', '{fact: subjects_total, includes: payment_card}');
    expect(problems(text)[0]).toContain('phases.analysis[1].when.includes: "includes" needs a list fact; subjects_total is count');
  });

  it('reports a wrong type with what it got', () => {
    const text = mini.replace('      required: false\n', '      required: "no"\n');
    expect(problems(text)).toEqual([`rb.yaml:${lineOf(text, 'required: "no"')}:17: phases.analysis[2].required: expected boolean, got string "no"`]);
  });

  it('reports a missing required field', () => {
    const text = mini.replace('      guidance: Restore service.\n', '');
    expect(problems(text)[0]).toMatch(/phases\.recovery\[0\]\.guidance: required field is missing/);
  });

  it('reports every problem at once, not the first only', () => {
    const text = mini
      .replace('      owner: dpo\n', '      owner: dpo\n      colour: blue\n')
      .replace('depends_on: [contain]', 'depends_on: [nowhere]')
      .replace('      title: Recover\n      owner: lead', '      title: Recover\n      owner: ghost');
    const out = problems(text);
    expect(out).toHaveLength(3);
    expect(out.map((p) => p.split(': ')[1])).toEqual(expect.arrayContaining([expect.stringContaining('colour'), expect.stringContaining('depends_on'), expect.stringContaining('owner')]));
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const dup = mini.replace('title: Minimal test runbook\n', 'title: Minimal test runbook\ntitle: again\n');
    expect(problems(dup)[0]).toMatch(/^rb\.yaml:4:1: Map keys must be unique/);
    const broken = mini.replace('  - id: lead\n', '  - id: [lead\n');
    expect(problems(broken)[0]).toMatch(/^rb\.yaml:\d+:\d+: /);
  });

  it('requires exactly one awareness marker and a required review', () => {
    const none = mini.replace('marks: [awareness, notification_decision]', 'marks: [notification_decision]');
    expect(problems(none)[0]).toContain('exactly one step must mark "awareness"');
    const optionalReview = mini.replace('      captures: [root_cause]\n', '      captures: [root_cause]\n      required: false\n');
    expect(problems(optionalReview)[0]).toContain('the "review" step must be required');
  });

  it('accepts every shipped runbook, with the file name as its id', () => {
    const files = shippedRunbookFiles();
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      const r = checkRunbook(YamlSource.fromFile(f));
      expect(r.problems.map(formatProblem)).toEqual([]);
      expect(`${r.runbook!.id}.yaml`).toBe(f.split('/').pop());
    }
  });

  it('publishes the JSON Schema that the shipped files point at', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'playbooks', 'schema', 'runbook.schema.json'), 'utf8'));
    expect(committed).toEqual(runbookJsonSchema());
  });
});

describe('irr playbook validate (binary)', () => {
  it('prints every problem as file:line:col and exits 2', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, mini.replace('      title: Recover\n      owner: lead', '      title: Recover\n      owner: ghost').replace('depends_on: [contain]', 'depends_on: [nowhere]'));
    const r = irr(['playbook', 'validate', file, MINI]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:20: phases\\.eradication\\[0\\]\\.depends_on\\[0\\]`));
    expect(lines[1]).toMatch(/:\d+:14: phases\.recovery\[0\]\.owner: undefined role "ghost"/);
    expect(lines[2]).toBe('irr: 2 problems in 1 of 2 files');
    expect(r.stdout).toContain(`ok ${MINI} (mini, 8 steps)`);
  });

  it('says which file cannot be read', () => {
    const r = irr(['playbook', 'validate', '/nonexistent/x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/x.yaml:1:1: cannot read file (no such file)');
  });
});
