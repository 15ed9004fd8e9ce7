import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, MINI, ROOT, tempDir, type Run } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 10, defects 11, 14, 15 and 16: hostile or malformed input through the real binary. Each
 * case must end with exit 2, one clear line naming the file, line and column (or the argument),
 * no stack trace, no raw control character on the terminal, and nothing written.
 */

const ESC = '\u001b';
const TEMPLATE = join(ROOT, 'templates/letters/ca-notice-of-data-breach.md');
const SCENARIO = join(ROOT, 'playbooks/drills/ransomware-eu-us.yaml');
const MISSES = join(ROOT, 'playbooks/drills/scripts/ransomware-eu-us.misses.yaml');

/** Every event stored, in all incidents: none when the SQLite file was not made yet (the shared one is made by the first test that writes). */
function eventCount(backend: Backend, db: string): number {
  return backend.name === 'sqlite' && !existsSync(db) ? 0 : backend.eventCount(db);
}

/** Exit 2, one `irr:` line first, no trace, nothing a terminal would act on. */
function expectRefused(r: Run): void {
  expect(r.code, r.stderr).toBe(2);
  // Validators list every problem first, then one `irr:` summary line.
  expect(r.stderr).toMatch(/^irr: /m);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at .*\.js:\d+|Maximum call stack|Cannot read properties/);
  expect(r.stderr).not.toContain(ESC);
  expect(r.stdout).not.toContain(ESC);
}

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function withIncident(db: string): { db: string; id: string; dir: string } {
  const dir = tempDir();
  const r = irr(['open', '--playbook', MINI, '--title', 'Input hardening'], { db });
  expect(r.code, r.stderr).toBe(0);
  return { db, id: r.stdout.trim(), dir };
}

// The cases below read no store (validators and stateless commands): one pass. Those that write
// or refuse to write an incident run on both backends, in hardeningOnAStore.
describe('defect 11: control characters in runbooks, regimes and templates, and in error messages', () => {
  it('a regime with an OSC sequence in its name is refused at its position', () => {
    const dir = tempDir();
    const text = readFileSync(join(ROOT, 'playbooks/regimes/gdpr-art33.yaml'), 'utf8').replace(/^name: .*$/m, 'name: "GDPR \\e]8;;https://evil.example\\a link"');
    const r = irr(['regime', 'validate', write(dir, 'gdpr-art33.yaml', text)]);
    expectRefused(r);
    expect(r.stderr).toMatch(/gdpr-art33\.yaml:\d+:\d+: name: contains control characters; write plain text \(found \\x1b\)/);
  });

  it('a template with an escape sequence in its body is refused at the line and column of the character', () => {
    const dir = tempDir();
    const text = `${readFileSync(TEMPLATE, 'utf8')}\nPlain line ${ESC}[2J cleared\n`;
    const r = irr(['template', 'check', write(dir, 'ca-notice-of-data-breach.md', text)]);
    expectRefused(r);
    const line = text.split('\n').findIndex((l) => l.includes(ESC)) + 1;
    expect(r.stderr).toContain(`ca-notice-of-data-breach.md:${line}:12: body: contains control characters; write plain text (found \\x1b)`);
  });
});

describe('defect 14: numbers and nesting bounded at validation', () => {
  it('assess --facts with a list nested 5,000 deep is exit 2 naming --facts and the fact', () => {
    const dir = tempDir();
    const file = write(dir, 'deep.json', `{"data_categories":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    const r = irr(['assess', '--facts', file]);
    expectRefused(r);
    expect(r.stderr).toMatch(/^irr: --facts: .*deep\.json: data_categories: unknown value a list/);
  });


  it('a regime with hours: 1000000000000 is refused at its position with the documented maximum', () => {
    const dir = tempDir();
    const text = readFileSync(join(ROOT, 'playbooks/regimes/gdpr-art33.yaml'), 'utf8').replace('deadline: {hours: 72}', 'deadline: {hours: 1000000000000}');
    const file = write(dir, 'gdpr-art33.yaml', text);
    const r = irr(['regime', 'validate', file]);
    expectRefused(r);
    const line = text.split('\n').findIndex((l) => l.includes('1000000000000')) + 1;
    expect(r.stderr).toMatch(new RegExp(`gdpr-art33\\.yaml:${line}:\\d+: clock\\.deadline\\.hours: must be at most 87600 hours \\(10 years\\)`));
  });
});

describe('defect 16: messages that help', () => {
  it('YAML nested 5,000 deep is "nested too deeply" at its position, not a stack overflow', () => {
    const dir = tempDir();
    const r = irr(['playbook', 'validate', write(dir, 'deep.yaml', `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)]);
    expectRefused(r);
    // Where the parser's own recursion gives out depends on how warm its code is (optimised frames
    // are smaller): then the error is at the file's position; else irr's depth check names the node.
    expect(r.stderr).toMatch(/deep\.yaml:1:\d+: (…(\[0\])+: )?nested too deeply \(irr reads at most 64 levels\)/);
    const mid = irr(['playbook', 'validate', write(dir, 'mid.yaml', `a: ${'['.repeat(100)}${']'.repeat(100)}\n`)]);
    expectRefused(mid);
    expect(mid.stderr).toMatch(/mid\.yaml:1:\d+: .*nested too deeply/);
  });

  it('{{#blockHelperMissing}} and other helpers are refused at their line, not "Cannot read properties of undefined"', () => {
    const dir = tempDir();
    const base = readFileSync(TEMPLATE, 'utf8');
    const line = base.split('\n').length + 1;
    const cases: [string, RegExp][] = [
      ['{{#blockHelperMissing}}x{{/blockHelperMissing}}', /\{\{#blockHelperMissing\}\} is not a block irr templates know/],
      ['{{helperMissing}}', /\{\{helperMissing\}\} names a Handlebars helper/],
      ['{{lookup . "organisation_name"}}', /\{\{lookup …\}\} calls a helper/],
      ['{{> footer}}', /partials \(\{\{> name\}\}\) are not supported/],
    ];
    for (const [body, message] of cases) {
      const r = irr(['template', 'check', write(dir, 'ca-notice-of-data-breach.md', `${base}\n${body}\n`)]);
      expectRefused(r);
      expect(r.stderr).toMatch(new RegExp(`ca-notice-of-data-breach\\.md:${line}:1: ${message.source}`));
    }
  });

  it('a Handlebars parse error is one whole line with its file:line:col', () => {
    const dir = tempDir();
    const base = readFileSync(TEMPLATE, 'utf8');
    const line = base.split('\n').length + 1;
    const r = irr(['template', 'check', write(dir, 'ca-notice-of-data-breach.md', `${base}\nDear {{#if organisation_name}\n`)]);
    expectRefused(r);
    expect(r.stderr.split('\n')[0]).toBe(`irr: ${dir}/ca-notice-of-data-breach.md:${line}:29: Handlebars parse error: unexpected INVALID "}"; expected CLOSE_RAW_BLOCK, CLOSE, CLOSE_UNESCAPED, OPEN_SEXPR, CLOSE_SEXPR, … (15 in all)`);
  });

  it('a template saved with a UTF-8 byte order mark is read like any other', () => {
    const dir = tempDir();
    const r = irr(['template', 'check', write(dir, 'ca-notice-of-data-breach.md', `\ufeff${readFileSync(TEMPLATE, 'utf8')}`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ok  ca-notice-of-data-breach');
    const rb = irr(['playbook', 'validate', write(dir, 'bom.yaml', `\ufeff${readFileSync(MINI, 'utf8')}`)]);
    expect(rb.code, rb.stderr).toBe(0);
  });

  it('a device or a directory is refused by name, never read (reading /dev/zero would not end)', () => {
    for (const [args, want] of [
      [['playbook', 'validate', '/dev/zero'], '/dev/zero:1:1: cannot read file (not a regular file)'],
      [['assess', '--facts', '/dev/zero'], 'irr: --facts: /dev/zero: cannot read file (not a regular file)'],
      [['template', 'check', ROOT], `${ROOT}: cannot read file (is a directory, not a file)`],
    ] as const) {
      const r = irr(args);
      expectRefused(r);
      expect(r.stderr).toContain(want);
    }
  });
});

/**
 * On both backends (issue 15). One database per backend: each test opens its own incident or
 * refuses to open one, and the "nothing written" count is taken before and after within one test
 * (tests of a file run in turn).
 */
function hardeningOnAStore(backend: Backend): void {
  const database = sharedDb(backend);
  const count = (db: string) => eventCount(backend, db);
describe(`defect 11 on a store (${backend.name}): control characters in runbooks and answers`, () => {
  it('a runbook whose step title carries an ANSI sequence is refused at its line and column, and cannot be opened', () => {
    const dir = tempDir();
    const db = database();
    const before = count(db);
    const file = write(dir, 'esc.yaml', readFileSync(MINI, 'utf8').replace('title: Triage the alert', 'title: "Triage \\e[31mthe alert"'));
    const v = irr(['playbook', 'validate', file]);
    expectRefused(v);
    expect(v.stderr).toMatch(/esc\.yaml:14:14: phases\.detection\[0\]\.title: contains control characters; write plain text \(found \\x1b\)/);
    const o = irr(['open', '--playbook', file, '--title', 'x'], { db });
    expectRefused(o);
    expect(o.stderr).toContain('esc.yaml:14:14:');
    expect(count(db)).toBe(before);
  });

  it('an unknown fact name with an ESC is quoted visibly, never raw', () => {
    const { db, id } = withIncident(database());
    const before = count(db);
    const r = irr(['fact', id, `${ESC}[31mkey=1`], { db });
    expectRefused(r);
    expect(r.stderr).toContain('unknown fact "\\x1b[31mkey"');
    expect(count(db)).toBe(before);
  });

  it('the answers-file transcript echoes an answer with control characters visibly, and names the question', () => {
    const { db, id, dir } = withIncident(database());
    const answers = write(dir, 'answers.yaml', ['- note', `- "note with \\e[2J a clear-screen"`, '- quit', ''].join('\n'));
    const before = count(db);
    const r = irr(['run', id, '--answers', answers], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(r.stdout).toContain('note with \\x1b[2J a clear-screen');
    expect(r.stdout).toMatch(/not saved: contains control characters; write plain text \(your answer to "Note for the timeline"\)/);
    expect(count(db)).toBe(before);
  });
});

describe(`defect 14 on a store (${backend.name}): numbers and nesting bounded at validation`, () => {
  it('irr fact with a list nested 5,000 deep names the fact', () => {
    const { db, id } = withIncident(database());
    const before = count(db);
    const r = irr(['fact', id, `data_categories=${'['.repeat(5000)}${']'.repeat(5000)}`], { db });
    expectRefused(r);
    expect(r.stderr).toContain('data_categories: expected a flat list of values, not a list of lists');
    expect(count(db)).toBe(before);
  });

  it('a drill lasting T+99999999d is refused before anything is recorded', () => {
    const dir = tempDir();
    const db = database();
    const before = count(db);
    const file = write(dir, 'long.yaml', readFileSync(SCENARIO, 'utf8').replace('duration: T+5d', 'duration: T+99999999d'));
    const v = irr(['drill', 'validate', file]);
    expectRefused(v);
    expect(v.stderr).toMatch(/long\.yaml:14:11: duration: must be at most 365d \(one year\) from the start/);
    const r = irr(['drill', 'run', file, '--script', MISSES], { db });
    expectRefused(r);
    expect(r.stderr).toContain('long.yaml:14:11:');
    expect(count(db)).toBe(before);
  });

  it('an objective within 9999999999999999999h is refused at its position', () => {
    const dir = tempDir();
    const db = database();
    const before = count(db);
    const file = write(dir, 'within.yaml', readFileSync(SCENARIO, 'utf8').replace('within: 4h', 'within: 9999999999999999999h'));
    const r = irr(['drill', 'run', file, '--script', MISSES], { db });
    expectRefused(r);
    expect(r.stderr).toMatch(/within\.yaml:29:13: objectives\[0\]\.within: must be at most 365d \(one year\)/);
    expect(count(db)).toBe(before);
  });
});

describe(`defect 15 (${backend.name}): impossible and ambiguous times`, () => {
  it('a drill starting 2026-02-30T10:00:00Z is refused, not run from 2026-03-02', () => {
    const dir = tempDir();
    const db = database();
    const before = count(db);
    const file = write(dir, 'feb30.yaml', readFileSync(SCENARIO, 'utf8').replace('start: 2026-03-02T08:00:00+01:00', 'start: 2026-02-30T10:00:00Z'));
    const r = irr(['drill', 'run', file, '--script', MISSES], { db });
    expectRefused(r);
    expect(r.stderr).toMatch(/feb30\.yaml:12:8: start: "2026-02-30T10:00:00Z": 2026-02-30 is not a date in the calendar/);
    expect(count(db)).toBe(before);
  });

  it('--at 24:00 and an offset beyond ±14:00 are refused, not rolled over', () => {
    const { db, id } = withIncident(database());
    const before = count(db);
    const at = irr(['step', id, 'triage', 'done', '--at', '2026-03-01T24:00:00Z'], { db });
    expectRefused(at);
    expect(at.stderr).toContain('--at: "2026-03-01T24:00:00Z": 24:00:00 is not a time of day');
    const fact = irr(['fact', id, 'detected_at=2026-03-01T10:00:00+15:00'], { db });
    expectRefused(fact);
    expect(fact.stderr).toContain('detected_at: "2026-03-01T10:00:00+15:00": +15:00 is not a UTC offset');
    expect(count(db)).toBe(before);
  });

  it('in an answers file, a local time in the DST gap is refused, and a repeated one asks for the offset', () => {
    const dir = tempDir();
    const db = database();
    const before = count(db);
    const env = { TZ: 'Europe/Paris' };
    const gap = irr(['run', '--answers', write(dir, 'gap.yaml', '- new\n- misdirected-communication\n- Payslips\n- 2026-03-29 02:30\n')], { db, env });
    expectRefused(gap);
    expect(gap.stderr).toMatch(/gap\.yaml:4: answer 4 to "When was it detected\?.*": 2026-03-29 02:30 does not exist in Europe\/Paris/);
    const twice = irr(['run', '--answers', write(dir, 'twice.yaml', '- new\n- misdirected-communication\n- Payslips\n- 2026-10-25 02:30\n')], { db, env });
    expectRefused(twice);
    expect(twice.stderr).toContain('2026-10-25 02:30 happens twice in Europe/Paris (the clocks go back): write 2026-10-25T02:30+02:00 (= 00:30 UTC) or 2026-10-25T02:30+01:00 (= 01:30 UTC)');
    expect(count(db)).toBe(before);
    // With the offset written, it is one instant and the incident opens.
    const ok = irr(['run', '--answers', write(dir, 'ok.yaml', '- new\n- misdirected-communication\n- Payslips\n- 2026-10-25T02:30+01:00\n- quit\n')], { db, env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/detected_at = Sun 25 Oct( 2026)? 02:30 CET \(01:30 UTC\)/);
  });
});

describe(`defect 16 on a store (${backend.name}): messages that help`, () => {
  it('a file that is not YAML is "not a YAML runbook" with a short escaped excerpt, never its content', () => {
    const dir = tempDir();
    const db = database();
    const before = count(db);
    const lines = ['root:x:0:0:root:/root:/bin/bash', ...Array.from({ length: 30 }, (_, i) => `user${i}:x:${1000 + i}:${1000 + i}:Secret Name ${i}:/home/user${i}:/bin/sh`)];
    const file = write(dir, 'passwd', `${lines.join('\n')}\n`);
    for (const args of [['playbook', 'validate', file], ['open', '--playbook', file, '--title', 'x']]) {
      const r = irr(args, { db });
      expectRefused(r);
      expect(r.stderr).toMatch(/passwd:1:1: not a YAML runbook: the file holds string "root:x:0:0:root:\/root:\/bin\/bash user0:x:…", not a mapping of runbook fields/);
      expect(r.stderr).not.toContain('Secret Name');
    }
    expect(count(db)).toBe(before);
    expect(backend.storedText(db)).not.toContain('Secret Name');
  });
});
}

hardeningOnAStore(sqliteBackend);
if (pgAvailable(import.meta.filename, 10)) hardeningOnAStore(pgBackend);
