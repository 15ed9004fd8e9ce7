import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTemplateFiles } from '../../src/render/template-check.js';
import { IrrError, InvalidInput } from '../../src/domain/errors.js';
import { CORE_FACTS } from '../../src/domain/facts.js';
import type { Regime } from '../../src/domain/regime.js';
import { checkFacts, parseFactArgs } from '../../src/engine/decide.js';
import { checkScenario, checkScript, loadScenarioFile } from '../../src/playbook/drill.js';
import { formatProblem, type Problem } from '../../src/playbook/problems.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { checkRegime } from '../../src/playbook/regime.js';
import { checkRunbook } from '../../src/playbook/runbook.js';
import { YamlSource } from '../../src/playbook/yaml-source.js';
import { irr, MINI, ROOT, tempDir, type Run } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 10: a bounded fuzz test of everything irr reads from a user. Mostly in process against the
 * loaders (runbook, regime, drill scenario and script, template front matter and body) and the
 * fact parsers, then a sample through the real binary (runbooks, facts, --facts files, the mail
 * merge's CSV). Every case must be accepted, or refused as invalid input (exit 2) with each
 * problem at a file:line:col or the argument named, in one line without a raw control character,
 * no stack trace, and the database unchanged.
 */

const CASES = { runbook: 80, regime: 60, scenario: 40, script: 30, template: 50, factArgs: 150, factFiles: 80, binary: { runbook: 6, template: 4, fact: 8, facts: 4, csv: 8 } };
const TOTAL = CASES.runbook + CASES.regime + CASES.scenario + CASES.script + CASES.template + CASES.factArgs + CASES.factFiles + Object.values(CASES.binary).reduce((a, b) => a + b, 0);

 
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** Pieces that break YAML, Markdown, Handlebars, CSV, numbers and times. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '\u001b[31m', '\u001b]8;;x\u0007', '\u0000', '\u009b2J', '\r', '\t', '\ufeff', '\u202e', ': ', '- ', '[', ']', '{', '}', '&a ', '*a', '<<: *a', '!!binary ', '!!js/function ',
    '---\n', '...\n', '%YAML 1.2\n', '? ', '|', '>', "'", '"', '#', '@', '`', '1000000000000', '-1', '.inf', '.nan', '1e309', 'null', '~', 'T+99999999d',
    '9999999999999999999h', '2026-02-30T10:00:00Z', '2026-03-01T24:00:00Z', '{{#blockHelperMissing}}', '{{> p}}', '{{', '}}', '{{#if x}', '=HYPERLINK("x")', '""', '\n',
  ),
  fc.integer({ min: 30, max: 3000 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 30, max: 200 }).map((n) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}- `).join('\n')),
);

const mutation = fc.record({ kind: fc.constantFrom('insert', 'replace', 'delete', 'duplicate-line', 'truncate'), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.nat({ max: 60 }), text: nasty });
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, muts: readonly Mutation[]): string {
  let t = text;
  for (const m of muts) {
    const pos = Math.floor(m.at * t.length);
    switch (m.kind) {
      case 'insert':
        t = t.slice(0, pos) + m.text + t.slice(pos);
        break;
      case 'replace':
        t = t.slice(0, pos) + m.text + t.slice(pos + m.len);
        break;
      case 'delete':
        t = t.slice(0, pos) + t.slice(pos + m.len);
        break;
      case 'duplicate-line': {
        const lines = t.split('\n');
        const i = Math.floor(m.at * lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        t = lines.join('\n');
        break;
      }
      case 'truncate':
        t = t.slice(0, pos);
    }
  }
  return t;
}

const mutated = (text: string) => fc.array(mutation, { minLength: 1, maxLength: 4 }).map((m) => mutate(text, m));

/** A located problem reads as one line an editor can jump to. */
function expectLocated(problems: readonly Problem[], file: string): void {
  for (const p of problems) {
    expect(p.file).toBe(file);
    expect(Number.isInteger(p.line) && p.line >= 1, formatProblem(p)).toBe(true);
    expect(Number.isInteger(p.col) && p.col >= 1, formatProblem(p)).toBe(true);
    const line = formatProblem(p);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(/Maximum call stack|Cannot read properties|undefined \(reading/);
  }
}

/** Either a result, or an IrrError of exit 2 with a one-line message; never any other throw. */
function settle<T>(fn: () => T): { value?: T; error?: IrrError } {
  try {
    return { value: fn() };
  } catch (err) {
    expect(err, String((err as Error)?.stack)).toBeInstanceOf(InvalidInput);
    const e = err as IrrError;
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toMatch(/Maximum call stack|Cannot read properties/);
    return { error: e };
  }
}

const read = (f: string) => readFileSync(f, 'utf8');
const RUNBOOK = read(MINI);
const REGIME = read(join(ROOT, 'playbooks/regimes/gdpr-art33.yaml'));
const SCENARIO_FILE = join(ROOT, 'playbooks/drills/ransomware-eu-us.yaml');
const SCENARIO = read(SCENARIO_FILE);
const SCRIPT = read(join(ROOT, 'playbooks/drills/scripts/ransomware-eu-us.misses.yaml'));
const TEMPLATE_FILE = join(ROOT, 'templates/letters/gdpr-art33-authority.md');
const TEMPLATE = read(TEMPLATE_FILE);

let regimes: ReadonlyMap<string, Regime>;
beforeAll(async () => {
  regimes = (await loadShippedRegimes()).byId;
});

describe(`fuzz: hostile input never crashes irr (${TOTAL} cases)`, () => {
  it(`YAML loaders: ${CASES.runbook} runbooks, ${CASES.regime} regimes, ${CASES.scenario} drill scenarios, ${CASES.script} scripts`, () => {
    fc.assert(
      fc.property(mutated(RUNBOOK), (text) => {
        const r = settle(() => checkRunbook(YamlSource.fromText('rb.yaml', text)));
        if (r.value) {
          expectLocated(r.value.problems, 'rb.yaml');
          expect(r.value.runbook !== undefined || r.value.problems.length > 0).toBe(true);
        }
      }),
      { numRuns: CASES.runbook },
    );
    fc.assert(
      fc.property(mutated(REGIME), (text) => {
        const r = settle(() => checkRegime(YamlSource.fromText('regime.yaml', text), () => true));
        if (r.value) {
          expectLocated(r.value.problems, 'regime.yaml');
          expect(r.value.regime !== undefined || r.value.problems.length > 0).toBe(true);
        }
      }),
      { numRuns: CASES.regime },
    );
    const world = { regimeIds: new Set(regimes.keys()) };
    fc.assert(
      fc.property(mutated(SCENARIO), (text) => {
        const r = settle(() => checkScenario(YamlSource.fromText('scenario.yaml', text), world));
        if (r.value) {
          expectLocated(r.value.problems, 'scenario.yaml');
          expect(r.value.scenario !== undefined || r.value.problems.length > 0).toBe(true);
        }
      }),
      { numRuns: CASES.scenario },
    );
    const scenario = loadScenarioFile(SCENARIO_FILE, world);
    fc.assert(
      fc.property(mutated(SCRIPT), (text) => {
        const r = settle(() => checkScript(YamlSource.fromText('script.yaml', text), scenario, world));
        if (r.value) {
          expectLocated(r.value.problems, 'script.yaml');
          expect(r.value.script !== undefined || r.value.problems.length > 0).toBe(true);
        }
      }),
      { numRuns: CASES.script },
    );
  });

  it(`templates: ${CASES.template} front matters and bodies, compiled and trial-rendered`, () => {
    const dir = tempDir();
    const file = join(dir, 'gdpr-art33-authority.md');
    const end = TEMPLATE.indexOf('\n---\n', 4) + 5;
    // Half the cases mutate anywhere, half only the body, so that Handlebars itself is exercised.
    const text = fc.oneof(mutated(TEMPLATE), mutated(TEMPLATE.slice(end)).map((body) => TEMPLATE.slice(0, end) + body));
    fc.assert(
      fc.property(text, (t) => {
        writeFileSync(file, t);
        const r = settle(() => checkTemplateFiles([file], regimes));
        if (r.value) {
          expectLocated(r.value.problems, file);
          expect(r.value.templates.length === 1 || r.value.problems.length > 0).toBe(true);
        }
      }),
      { numRuns: CASES.template },
    );
  });

  it(`fact parser: ${CASES.factArgs} key=value arguments and ${CASES.factFiles} --facts values`, () => {
    const names = Object.keys(CORE_FACTS);
    const key = fc.oneof(fc.constantFrom(...names), fc.string({ unit: 'binary', maxLength: 10 }), nasty);
    const value = fc.oneof(nasty, fc.json({ maxDepth: 4 }), fc.string({ maxLength: 30 }), fc.integer({ min: 50, max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`));
    fc.assert(
      fc.property(key, value, (k, v) => {
        const r = settle(() => parseFactArgs(CORE_FACTS, [`${k}=${v}`]));
        if (r.error) {
          expect(r.error.message.split('\n')).toHaveLength(1);
          expect(r.error.message).toMatch(/^fact: /);
        }
      }),
      { numRuns: CASES.factArgs },
    );
    const deep = fc.integer({ min: 50, max: 5000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown);
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(fc.jsonValue({ maxDepth: 4 }), deep), { maxKeys: 4 }), (facts) => {
        const r = settle(() => checkFacts(CORE_FACTS, facts, 'f.json', { flag: '--facts' }));
        if (r.error) {
          expect(r.error.field?.flag).toBe('--facts');
          expect(r.error.message).toMatch(/^f\.json: /);
        }
      }),
      { numRuns: CASES.factFiles },
    );
  });
});

function expectRefusedCleanly(r: Run, named: RegExp): void {
  expect([0, 2], r.stderr).toContain(r.code);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at .*\.js:\d+|Maximum call stack|Cannot read properties/);
  expect(r.stderr).not.toMatch(RAW_CONTROL);
  if (r.code === 2) expect(r.stderr, r.stderr).toMatch(named);
}

/** Samples of the generators, with a fixed seed so the binary sample is the same every run. */
const sample = <T>(arb: fc.Arbitrary<T>, n: number, seed: number): T[] => fc.sample(arb, { numRuns: n, seed });

const names = ['detected_at', 'data_categories', 'subjects_by_jurisdiction', 'subjects_total', 'breach_description', 'entity_role', 'nope'];

// One pass: template check and assess --facts read no store.
describe('fuzz through the real binary, no store: exit 0 or 2, the file:line:col or argument named', () => {
  it(`${CASES.binary.template} templates checked, ${CASES.binary.facts} --facts files assessed`, () => {
    const dir = tempDir();
    sample(mutated(TEMPLATE), CASES.binary.template, 14).forEach((text) => {
      const file = join(tempDir(), 'gdpr-art33-authority.md');
      writeFileSync(file, text);
      // The body is compiled and trial-rendered here, not only its front matter.
      expectRefusedCleanly(irr(['template', 'check', file]), /gdpr-art33-authority\.md:\d+:\d+: /);
    });
    sample(fc.dictionary(fc.constantFrom(...names), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }), CASES.binary.facts, 12).forEach((facts, i) => {
      const file = join(dir, `facts-${i}.json`);
      writeFileSync(file, JSON.stringify(facts));
      expectRefusedCleanly(irr(['assess', '--facts', file]), /^irr: --facts: /);
    });
  });
});

/**
 * On both backends (issue 15): what is opened, recorded or rendered on a store, with the same
 * samples. One database per backend: each test opens its own incident; "nothing written" is the
 * event count before and after each case (tests of a file run in turn).
 */
function fuzzOnAStore(backend: Backend): void {
  const database = sharedDb(backend);
  const count = (db: string) => backend.eventCount(db);
describe(`fuzz through the real binary (${backend.name}): exit 0 or 2, the argument or file:line:col named, nothing written on refusal`, () => {
  it(`${CASES.binary.runbook} runbooks opened, ${CASES.binary.fact} facts recorded`, () => {
    const dir = tempDir();
    const db = database();
    const opened = irr(['open', '--playbook', MINI, '--title', 'Fuzz'], { db });
    expect(opened.code, opened.stderr).toBe(0);
    const id = opened.stdout.trim();
    sample(mutated(RUNBOOK), CASES.binary.runbook, 10).forEach((text, i) => {
      const file = join(dir, `rb-${i}.yaml`);
      writeFileSync(file, text);
      const before = count(db);
      const r = irr(['open', '--playbook', file, '--title', `fuzz ${i}`], { db });
      expectRefusedCleanly(r, new RegExp(`rb-${i}\\.yaml:\\d+:\\d+: `));
      if (r.code === 2) expect(count(db)).toBe(before);
    });
    sample(fc.tuple(fc.constantFrom(...names), nasty), CASES.binary.fact, 11).forEach(([name, value]) => {
      const before = count(db);
      const r = irr(['fact', id, `${name}=${value}`], { db });
      expectRefusedCleanly(r, /^irr: fact: /);
      if (r.code === 2) expect(count(db)).toBe(before);
    });
  });

  it(`${CASES.binary.csv} mail merges of hostile CSV files`, () => {
    const dir = tempDir();
    const db = database();
    const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Fuzz merge', '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
    const facts = {
      detected_at: '2026-03-02T09:00:00Z', aware_at: '2026-03-02T11:00:00Z', entity_role: 'controller', subjects_by_jurisdiction: 'DE:40,FR:2',
      data_categories: 'financial,employment', subjects_total: '42', records_total: '42', confidentiality: 'known_recipients',
      breach_description: 'Payslips were emailed to the wrong list.', dpo_contact: 'Jane Roe, dpo@example.com', organisation_name: 'Example GmbH',
      likely_consequences: 'Colleagues could learn salaries.', measures_taken: 'Recipients confirmed deletion.',
    };
    expect(irr(['fact', id, ...Object.entries(facts).map(([k, v]) => `${k}=${v}`), '--at', '2026-03-02T11:00:00Z'], { db }).code).toBe(0);
    const header = 'name,email,postal_address,jurisdiction,language';
    const good = ['Ann Lee,ann@example.com,"1 Main St",DE,en', 'Bo Chan,bo@example.com,,FR,fr'];
    const csv = fc.tuple(fc.boolean(), fc.array(fc.oneof(fc.constantFrom(...good), nasty, fc.array(nasty, { maxLength: 6 }).map((c) => c.join(','))), { minLength: 0, maxLength: 8 }), fc.array(mutation, { maxLength: 2 }));
    sample(csv, CASES.binary.csv, 13).forEach(([withHeader, rows, muts], i) => {
      const file = join(dir, `recipients-${i}.csv`);
      writeFileSync(file, mutate([...(withHeader ? [header] : []), ...rows].join('\n'), muts));
      const before = count(db);
      const r = irr(['letters', id, 'gdpr-art33', '--recipients', file, '--out', join(dir, `out-${i}.ndjson`), '--now', '2026-03-03T10:00:00Z'], { db });
      expectRefusedCleanly(r, new RegExp(`--recipients|recipients-${i}\\.csv:\\d+`));
      const after = count(db);
      if (r.code === 2) expect(after).toBe(before);
      else expect(after).toBe(before + 1); // one document.rendered
    });
  });
});
}

fuzzOnAStore(sqliteBackend);
if (pgAvailable(import.meta.filename, 2)) fuzzOnAStore(pgBackend);
