import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HtmlValidate } from 'html-validate';
import { afterAll, describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { choose, killTmuxServer, Terminal } from './tty.js';

/**
 * Tabletop drills through the real binary and a real database: each shipped scenario runs
 * scripted and its score is asserted (the meets-all script meets all, the misses script misses
 * exactly what it says), the after-action report is checked, and a facilitator drives one in a
 * terminal.
 */

interface Score {
  incident: string;
  objectives: { id: string; status: string; due_at: string | null; done_at: string | null; late_by_minutes: number | null }[];
  deadlines: { id: string; status: string; due_at: string | null; done_at: string | null }[];
  times: Record<string, { minutes: number | null }>;
  injects: { id: string; fired: boolean }[];
  refused_actions: number;
}
interface Listed {
  id: string;
  title: string;
  scripts: string[];
}

const script = (scenario: string, kind: string) => join(ROOT, 'playbooks/drills/scripts', `${scenario}.${kind}.yaml`);
function runScripted(db: string, scenario: string, kind: string): Score {
  const r = irr(['drill', 'run', scenario, '--script', script(scenario, kind), '--json'], { db });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Score;
}
const statuses = (s: Score) => Object.fromEntries(s.objectives.map((o) => [o.id, o.status]));
const deadline = (s: Score, id: string) => s.deadlines.find((d) => d.id === id)?.status;

const EXPECTED_MISSES: Record<string, Record<string, string>> = {
  'ransomware-eu-us': { 'contain-4h': 'late', 'law-enforcement-24h': 'met', 'holding-statement': 'missed', 'decide-individuals-24h': 'late', 'notify-sa-72h': 'late' },
  'misdirected-health-email': { 'privacy-officer-1h': 'late', 'recall-30m': 'missed', 'contain-4h': 'late', 'deletion-24h': 'missed', 'decide-48h': 'met' },
  'exposed-bucket-cards': { 'block-1h': 'late', 'preserve-logs-2h': 'late', 'contain-4h': 'late', 'card-brands-24h': 'late', 'acknowledge-reporter-24h': 'met' },
};

afterAll(killTmuxServer);

describe('irr drill list and validate', () => {
  it('lists the three shipped scenarios with their scripts (JSON: id, title, scripts)', () => {
    const r = irr(['drill', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as Listed[];
    expect(listed.map((s) => s.id).sort()).toEqual(['exposed-bucket-cards', 'misdirected-health-email', 'ransomware-eu-us']);
    for (const s of listed) {
      expect(s.title.length).toBeGreaterThan(10);
      expect(s.scripts.map((p) => p.replace(/^.*\//, '')).sort()).toEqual([`${s.id}.meets-all.yaml`, `${s.id}.misses.yaml`]);
      for (const p of s.scripts) expect(existsSync(join(ROOT, p)) || existsSync(p)).toBe(true);
    }
  });

  it('validates every shipped scenario and script, and publishes the JSON Schemas', () => {
    const r = irr(['drill', 'validate', ...['ransomware-eu-us', 'misdirected-health-email', 'exposed-bucket-cards'].flatMap((s) => [join(ROOT, 'playbooks/drills', `${s}.yaml`), script(s, 'meets-all'), script(s, 'misses')])]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok  '))).toHaveLength(9);
    expect(JSON.parse(irr(['drill', 'schema']).stdout)).toEqual(JSON.parse(readFileSync(join(ROOT, 'playbooks/schema/drill.schema.json'), 'utf8')));
    expect(JSON.parse(irr(['drill', 'schema', '--script']).stdout)).toEqual(JSON.parse(readFileSync(join(ROOT, 'playbooks/schema/drill-script.schema.json'), 'utf8')));
  });

  it('reports every problem of a broken scenario as file:line:col, exit 2', () => {
    const dir = tempDir();
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'id: broken',
        'title: Broken',
        'narrative: x',
        'runbook: ransomware-exfiltration',
        'start: 2026-03-02T08:00:00+01:00',
        'zone: Europe/Berlin',
        'duration: T+2d',
        'participants: [{role: incident_lead}, {role: astronaut}]',
        'objectives:',
        '  - {id: a, title: A, capability: C, from: {fact: detected_at}, to: {step: no-such-step}, within: 4h}',
        '  - {id: b, title: B, capability: C, to: {obligation: gdpr-art99, action: sent}, within: soon}',
        'injects:',
        '  - {id: one, at: T+0, message: m, facts: {exfiltration: maybe}}',
        '  - {id: one, at: T+3d, message: m}',
        '',
      ].join('\n'),
    );
    const r = irr(['drill', 'validate', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^irr: .*broken\.yaml:\d+:\d+: /);
    const all = r.stderr;
    expect(all).toMatch(/broken\.yaml:8:\d+: participants\[1\]\.role: runbook ransomware-exfiltration has no role "astronaut"/);
    expect(all).toMatch(/broken\.yaml:10:\d+: objectives\[0\]\.to\.step: runbook ransomware-exfiltration has no step "no-such-step"/);
    expect(all).toMatch(/broken\.yaml:11:\d+: objectives\[1\]\.to\.obligation: unknown obligation "gdpr-art99"/);
    expect(all).toMatch(/broken\.yaml:11:\d+: objectives\[1\]\.within: must be a duration/);
    expect(all).toMatch(/broken\.yaml:13:\d+: injects\[0\]\.facts\.exfiltration: expected one of/);
    expect(all).toMatch(/broken\.yaml:14:\d+: injects\[1\]\.id: duplicate inject id "one"/);
    expect(all).toMatch(/broken\.yaml:14:\d+: injects\[1\]\.at: after the end of the drill/);
    expect(all).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses control characters in text a facilitator\'s terminal would show', () => {
    const file = join(tempDir(), 'esc.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'playbooks/drills/ransomware-eu-us.yaml'), 'utf8').replace(/message: (EDR raises.*)$/m, 'message: "\\e[2J$1"'));
    const r = irr(['drill', 'validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/esc\.yaml:\d+:\d+: injects\[0\]\.message: contains control characters; write plain text/);
  });
});

/**
 * The drills on both backends (issue 15). One database per backend for the tests that only read
 * the drills they ran (they open drills only, so `irr list` of real incidents stays empty); the
 * history, which compares every run of a scenario, gets its own.
 */
function drills(backend: Backend): void {
  const database = sharedDb(backend);
describe(`scripted drills on the real engine (${backend.name})`, () => {
  for (const scenario of Object.keys(EXPECTED_MISSES)) {
    it(`${scenario}: the meets-all script meets every objective; the misses script misses exactly what it should`, () => {
      const db = database();
      const good = runScripted(db, scenario, 'meets-all');
      expect(good.objectives.length).toBeGreaterThanOrEqual(3);
      expect(good.objectives.filter((o) => o.status !== 'met')).toEqual([]);
      expect(good.refused_actions).toBe(0);
      expect(good.deadlines.filter((d) => d.status === 'missed' || d.status === 'late')).toEqual([]);
      for (const o of good.objectives) expect(Date.parse(o.done_at!)).toBeLessThanOrEqual(Date.parse(o.due_at!));

      const bad = runScripted(db, scenario, 'misses');
      expect(statuses(bad)).toEqual(EXPECTED_MISSES[scenario]);
      for (const o of bad.objectives.filter((x) => x.status === 'late')) {
        expect(o.late_by_minutes).toBe(Math.round((Date.parse(o.done_at!) - Date.parse(o.due_at!)) / 60_000));
        expect(o.late_by_minutes).toBeGreaterThan(0);
      }
      // Both are drills: never listed with real incidents unless asked.
      expect(irr(['list', '--json'], { db }).stdout.trim()).toBe('[]');
      expect(json<{ id: string; mode: string }[]>(irr(['list', '--all', '--json'], { db })).filter((x) => x.id === good.incident || x.id === bad.incident).map((x) => x.mode)).toEqual(['drill', 'drill']);
      expect(irr(['verify'], { db }).code).toBe(0);
    });
  }

  it('is deterministic, runs in drill time, and logs the clock and the injects as events', () => {
    const db = database();
    const a = runScripted(db, 'ransomware-eu-us', 'misses');
    const b = runScripted(db, 'ransomware-eu-us', 'misses');
    expect(b.incident).not.toBe(a.incident);
    expect({ ...b, incident: '' }).toEqual({ ...a, incident: '' });
    expect(deadline(a, 'gdpr-art33')).toBe('late');
    // The conditional inject fires only when containment was not done by T+6h.
    expect(a.injects.find((i) => i.id === 'second-host')?.fired).toBe(true);
    const good = runScripted(db, 'ransomware-eu-us', 'meets-all');
    expect(good.injects.find((i) => i.id === 'second-host')?.fired).toBe(false);
    expect(deadline(good, 'gdpr-art33')).toBe('met');

    const log = json<{ type: string; at: string; recorded_at: string }[]>(irr(['log', a.incident, '--json'], { db }));
    expect(log.filter((e) => e.type === 'drill.inject')).toHaveLength(6);
    expect(log.some((e) => e.type === 'drill.advanced')).toBe(true);
    expect(log.at(-1)!.type).toBe('drill.ended');
    // Everything is in drill time (March 2026), written no earlier than it happened.
    for (const e of log) {
      expect(e.at.startsWith('2026-03-')).toBe(true);
      expect(e.recorded_at >= e.at).toBe(true);
    }
    expect(log.at(-1)!.at).toBe('2026-03-07T07:00:00.000Z');
  });

  it('a responder in another terminal acts at the drill’s time, not the wall clock', () => {
    const db = database();
    const answers = join(tempDir(), 'a.yaml');
    writeFileSync(answers, ['- next', '- quit', ''].join('\n'));
    const r = irr(['drill', 'run', 'ransomware-eu-us', '--answers', answers], { db });
    expect(r.code, r.stderr).toBe(0);
    const id = /DRL-\d{4}-\d{4}/.exec(r.stdout)![0];
    expect(r.stdout).toContain('INJECT ransom-note');
    expect(r.stdout).toContain(`resume with: irr drill run ${id}`);
    const step = irr(['step', id, 'record-detection', 'done', '--json'], { db });
    expect(step.code, step.stderr).toBe(0);
    expect(json<{ appended: { at: string }[] }>(step).appended[0]!.at).toBe('2026-03-02T08:00:00.000Z');
    // And `--at` after the drill clock is refused like any future time.
    expect(irr(['note', id, 'later', '--at', '2026-03-02T12:00:00Z'], { db }).code).toBe(2);
    // The drill resumes from its log in a new process.
    writeFileSync(answers, ['- end', ''].join('\n'));
    const resumed = irr(['drill', 'run', id, '--answers', answers], { db });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/objectives: 0 of 5 met/);
  });

  it('--speed paces a scripted drill in real time (a drill hour per half second at 7200) with the same score', () => {
    const dir = tempDir();
    const scenario = join(dir, 'short.yaml');
    writeFileSync(
      scenario,
      [
        'id: short',
        'title: Short drill',
        'narrative: Two hours.',
        'runbook: lost-stolen-device',
        'start: 2026-06-01T09:00:00+02:00',
        'zone: Europe/Paris',
        'duration: T+2h',
        'participants: [{role: incident_lead}]',
        'objectives:',
        '  - {id: note, title: Something noted, capability: Planning, to: {inject: later}, within: 90m}',
        'injects:',
        '  - {id: later, at: T+1h, message: An hour on.}',
        '',
      ].join('\n'),
    );
    const scriptFile = join(dir, 'short.s.yaml');
    writeFileSync(scriptFile, ['scenario: short', 'title: S', 'description: D', 'actions:', '  - {at: T+30m, note: half an hour in}', ''].join('\n'));
    const db = database();
    const t0 = Date.now();
    const paced = irr(['drill', 'run', scenario, '--script', scriptFile, '--speed', '7200', '--json'], { db });
    const elapsed = Date.now() - t0;
    expect(paced.code, paced.stderr).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    const fast = irr(['drill', 'run', scenario, '--script', scriptFile, '--json'], { db });
    const strip = (r: { stdout: string }) => ({ ...(JSON.parse(r.stdout) as Score), incident: '' });
    expect(strip(paced)).toEqual(strip(fast));
    expect(strip(fast).objectives[0]!.status).toBe('met');
    expect(irr(['drill', 'run', scenario, '--script', scriptFile, '--speed', 'fast'], { db }).stderr).toMatch(/--speed: "fast" is not a positive number/);
  });
});

describe(`irr drill report and history (${backend.name})`, () => {
  it('writes the HSEEP after-action report: overview, objectives, analysis with evidence, improvement plan; valid HTML with the SVG timeline', async () => {
    const db = database();
    const s = runScripted(db, 'ransomware-eu-us', 'misses');
    const md = irr(['drill', 'report', s.incident], { db });
    expect(md.code, md.stderr).toBe(0);
    const headings = md.stdout.split('\n').filter((l) => /^##? /.test(l));
    expect(headings).toEqual([
      '# After-action report: Ransomware with data theft — EU and California customers',
      '## 1. Exercise overview',
      '## 2. Objectives and capabilities',
      '## 3. Analysis',
      '## 4. Improvement plan',
      '## Appendix: the drill log',
    ]);
    expect(md.stdout).toMatch(/Contain the attack within 4 hours of detection.*\*\*Late by 5 h\*\*/);
    expect(md.stdout).toMatch(/\*\*Missed\*\*/);
    // Each area for improvement cites its evidence in the log.
    const improve = md.stdout.split('### Areas for improvement')[1]!.split('###')[0]!;
    expect(improve).toMatch(/Contain the attack.*late by 5 h.*\(evidence: seq \d+, seq \d+\)/);
    // One finding, one item: the holding statement's objective was missed because its step was skipped;
    // the skip and its reason are said in that objective's item, not again as an item of their own.
    const holding = improve.split('\n').filter((l) => /holding statement/i.test(l));
    expect(holding, holding.join('\n')).toEqual([
      expect.stringMatching(/^- Have an approved holding statement .*: missed — the step "Prepare holding statements for staff, customers and media" was skipped at T\+04:00 \(2 March 2026, 11:00 UTC\): The head of communications could not be reached/),
    ]);
    // Times with full dates beside the drill clock.
    expect(improve).toMatch(/late by 5 h \(due T\+04:00 \(2 March 2026, 11:00 UTC\), done T\+09:00 \(2 March 2026, 16:00 UTC\)\)/);
    // The improvement plan: issue, corrective action, owner, due date.
    expect(md.stdout).toMatch(/\| # \| Issue \| Corrective action \| Capability \| Owner \| Due \|/);
    // Owners by the runbook's role titles, not role ids (issue 14, problem 8).
    expect(md.stdout).toMatch(/Pre-authorise the infrastructure lead.*\| IT operations \| 6 April 2026 \(proposed\)/);
    expect(md.stdout).not.toMatch(/`(it_operations|dpo|incident_lead)`/);
    // The log's actors play the runbook's roles: named by the role's title, not its id.
    const log = md.stdout.split('## Appendix: the drill log')[1]!;
    expect(log).toMatch(/\| T\+00:10 \| 5 \| Incident lead \| done record-detection/);
    expect(log).not.toMatch(/\| (incident\\_lead|security\\_analyst|it\\_operations) \|/);
    // One lateness, one improvement item: the Art 33 objective and the Art 33 deadline are the same finding.
    const plan = md.stdout.split('## 4. Improvement plan')[1]!.split('## Appendix')[0]!;
    const art33 = plan.split('\n').filter((l) => /^\| \d+ \|/.test(l) && /gdpr-art33|GDPR Art 33\)/.test(l));
    expect(art33, art33.join('\n')).toHaveLength(1);
    expect(improve.split('\n').filter((l) => /gdpr-art33|GDPR Art 33\)/.test(l))).toHaveLength(1);
    expect(md.stdout).toContain(json<{ head_hash: string }>(irr(['status', s.incident, '--json'], { db })).head_hash);

    const out = join(tempDir(), 'aar.html');
    const html = irr(['drill', 'report', s.incident, '--format', 'html', '--out', out], { db });
    expect(html.code, html.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('<svg');
    const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(text);
    expect(report.results.flatMap((x) => x.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`))).toEqual([]);
  });

  it('history compares the runs of a scenario; irr drill due counts them', () => {
    const db = backend.newDb();
    runScripted(db, 'exposed-bucket-cards', 'misses');
    runScripted(db, 'exposed-bucket-cards', 'meets-all');
    runScripted(db, 'misdirected-health-email', 'meets-all');
    const r = irr(['drill', 'history', 'exposed-bucket-cards', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const runs = JSON.parse(r.stdout) as { scenario: string; script: string; objectives: { met: number; late: number; missed: number; total: number } }[];
    expect(runs.map((x) => [x.script, x.objectives.met, x.objectives.late, x.objectives.missed])).toEqual([
      ['exposed-bucket-cards.misses', 1, 4, 0],
      ['exposed-bucket-cards.meets-all', 5, 0, 0],
    ]);
    const text = irr(['drill', 'history'], { db });
    expect(text.stdout).toMatch(/exposed-bucket-cards — 2 runs/);
    expect(text.stdout).toMatch(/first → latest run: objectives met 1 → 5 of 5; time to contain 7 h → 45 min/);
    expect(text.stdout).toMatch(/changed: block-1h late → met; preserve-logs-2h late → met; contain-4h late → met; card-brands-24h late → met/);
    expect(text.stdout).toMatch(/misdirected-health-email — 1 run/);
    const due = json<{ scenarios: { scenario: string; runs: number; status: string }[] }>(irr(['drill', 'due', '--json'], { db })).scenarios;
    expect(due.map((e) => [e.scenario, e.runs, e.status])).toEqual([
      ['exposed-bucket-cards', 2, 'ok'],
      ['misdirected-health-email', 1, 'ok'],
      ['ransomware-eu-us', 0, 'never'],
    ]);
  });
});
}

drills(sqliteBackend);
if (pgAvailable(import.meta.filename, 8)) drills(pgBackend);

describe('irr drill run refusals (no database is created)', () => {
  it('refuses options that would be silently ignored, and a mistyped drill or scenario, with one line and no database', () => {
    const db = join(tempDir(), 'irr.db');
    const cases: [string[], RegExp][] = [
      [['drill', 'run', 'ransomware-eu-us', '--report', 'aar.html'], /--report: only a scripted run/],
      [['drill', 'run', 'ransomware-eu-us', '--script', script('ransomware-eu-us', 'misses'), '--answers', 'a.yaml'], /--answers: a scripted drill asks no questions/],
      [['drill', 'run', 'DRL-2026-0042', '--answers', 'a.yaml'], /--db: no irr database/],
      [['drill', 'history', 'ransomware-eu'], /no shipped drill scenario "ransomware-eu"/],
    ];
    for (const [args, message] of cases) {
      const r = irr(args, { db });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(db)).toBe(false);
    }
  });

  it('an interactive drill without a terminal says what to do instead (exit 2)', () => {
    const db = join(tempDir(), 'irr.db');
    const r = irr(['drill', 'run', 'ransomware-eu-us'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--script/);
    expect(existsSync(db)).toBe(false);
  });
});

describe('the README\'s one-line drill', () => {
  it('runs as printed: clocks as drill time passes, then the after-action report', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('npx irr drill run '))!;
    expect(line).toBeDefined();
    const args = line.replace(/^npx irr /, '').split(/\s+/);
    const out = join(tempDir(), 'aar.html');
    args[args.indexOf('--report') + 1] = out;
    const r = irr(args, { db: join(tempDir(), 'irr.db'), cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^T\+12:00 +Mon 2 Mar, 20:00 CET +analysis +gdpr-art33 2 d 22 h left/m);
    expect(r.stdout).toMatch(/INJECT second-host/);
    expect(r.stdout).toMatch(/objectives: 1 of 5 met/);
    expect(readFileSync(out, 'utf8')).toMatch(/<h1>After-action report: /);
  });
});

describe('a facilitator in a real terminal', () => {
  it('advances to the next inject, hands over to the responder console in drill time, and ends the drill with its score', async () => {
    const db = join(tempDir(), 'irr.db');
    const t = new Terminal(['drill', 'run', 'ransomware-eu-us'], { db, columns: 100, rows: 40 });
    try {
      await t.waitFor('Facilitator');
      t.keys('Enter'); // default: to the next inject
      await t.waitFor('INJECT ransom-note');
      await t.waitFor(/DRILL T\+01:00/);
      await choose(t, 'Responders act');
      await t.waitFor('What next?');
      await choose(t, 'Record how and when the incident was detected');
      await t.waitFor('record-detection: what now?');
      await choose(t, 'Mark done');
      await t.waitFor('saved: done record-detection');
      await choose(t, 'Quit');
      await t.waitFor('Facilitator');
      await choose(t, 'End the drill');
      const screen = await t.waitFor('[exit 0]');
      expect(screen).toMatch(/objectives: 0 of 5 met/);
      const id = /DRL-\d{4}-\d{4}/.exec(screen)![0];
      const log = json<{ type: string; at: string; actor: string; payload: { step?: string } }[]>(irr(['log', id, '--json'], { db }));
      const done = log.find((e) => e.type === 'step.completed')!;
      expect(done).toMatchObject({ at: '2026-03-02T08:00:00.000Z', actor: 'tester', payload: { step: 'record-detection' } });
      expect(log.at(-1)!.type).toBe('drill.ended');
    } finally {
      t.close();
    }
  }, 60_000);
});
