import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HtmlValidate } from 'html-validate';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAt } from '../../src/cli/context.js';
import { produceLetter } from '../../src/cli/commands/letter.js';
import { systemClock } from '../../src/clocks/wall.js';
import { CORE_FACTS } from '../../src/domain/facts.js';
import { Engine } from '../../src/engine/engine.js';
import { openStore } from '../../src/store/port.js';
import { irr, ROOT } from '../helpers.js';
import { pgActorUrl, pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Golden files: every shipped template written from one worked incident (test/fixtures/
 * worked-incident.json) must match test/golden/letters/<template>.md exactly. A change to a
 * template or to the renderer shows up as a diff to review; `UPDATE_GOLDEN=1 npm test` rewrites
 * them after review.
 */
const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/worked-incident.json'), 'utf8')) as { title: string; opened_at: string; now: string; facts: Record<string, unknown> };
const LETTERS = join(ROOT, 'templates/letters');
const GOLDEN = join(ROOT, 'test/golden/letters');
const templates = readdirSync(LETTERS)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => {
    const fm = parse(readFileSync(join(LETTERS, f), 'utf8').split('\n---\n')[0]!.replace(/^---\n/, '')) as { id: string; obligations: string[] };
    return { id: fm.id, obligation: fm.obligations[0]! };
  });

const arg = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
const normalise = (s: string) => s.replace(/INC-\d{4}-\d{4}/g, 'INC-YYYY-NNNN');

/**
 * On both backends (issue 15): the worked incident in its own database per backend, built once and
 * only read. Each letter's Markdown must match its golden file on both, which proves the facts come
 * back from either store exactly; the HTML validation, a property of the renderer on the same
 * view, runs on the SQLite pass only (31 more renderings on the server would prove nothing more).
 *
 * The letters are produced in process by the command's own function (`produceLetter`, what `irr
 * letter` runs between parsing its arguments and printing), over an engine on the same database:
 * 62 launches of the binary per backend were most of this file's minute. The binary itself writes
 * the first template's letter (the same bytes) and the California checks below.
 */
function goldenLetters(backend: Backend): void {
  const html = backend.name === 'sqlite';
describe(`shipped letters on a worked incident, ${backend.name}`, () => {
let db = '';
let id = '';
let engine: Engine;
const now = parseAt(fixture.now, '--now')!;

beforeAll(async () => {
  db = backend.newDb();
  id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', fixture.title, '--at', fixture.opened_at], { db }).stdout.trim();
  const r = irr(['fact', id, ...Object.entries(fixture.facts).map(([k, v]) => `${k}=${arg(v)}`), '--at', fixture.opened_at], { db });
  if (r.code !== 0) throw new Error(r.stderr);
  // On the server the engine connects as the tester's own role, as the binary does.
  engine = new Engine(await openStore(backend.name === 'postgres' ? pgActorUrl(db, 'tester') : db, { create: false }), systemClock);
});
afterAll(async () => {
  await engine?.close();
});

const produced = async (t: { id: string; obligation: string }, format: 'md' | 'html') =>
  (await produceLetter(engine, 'tester', id, t.obligation, { format, template: t.id, now })).output;

  it(`the binary writes ${templates[0]!.id}'s letter byte for byte as the command's function does`, async () => {
    const t = templates[0]!;
    const r = irr(['letter', id, t.obligation, '--template', t.id, '--now', fixture.now], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(await produced(t, 'md'));
  });

  for (const t of templates) {
    it(`${t.id} (${t.obligation}) matches its golden file${html ? ' and is valid HTML' : ''}`, async () => {
      const got = normalise(await produced(t, 'md'));
      const file = join(GOLDEN, `${t.id}.md`);
      if (process.env.UPDATE_GOLDEN === '1' && backend.name === 'sqlite') { // written from one pass, checked on both
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, got);
      }
      expect(existsSync(file), `no golden file ${file}: review the output and run UPDATE_GOLDEN=1 npm test`).toBe(true);
      expect(got).toBe(readFileSync(file, 'utf8'));
      if (!html) return;
      const page = await produced(t, 'html');
      // long-title is a search-engine rule; a letter's title is its legal name and is kept whole.
      const report = await new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } }).validateString(page);
      expect(report.results.flatMap((x) => x.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`))).toEqual([]);
    });
  }

  it('the California notice is titled "Notice of Data Breach" with the five statutory headings in order, in at least 10-point type', () => {
    const md = irr(['letter', id, 'ca-1798.82-individuals', '--now', fixture.now], { db });
    expect(md.code, md.stderr).toBe(0);
    const lines = md.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('# '))).toEqual(['# Notice of Data Breach']);
    expect(lines.filter((l) => l.startsWith('## '))).toEqual([
      '## What Happened', '## What Information Was Involved', '## What We Are Doing', '## What You Can Do', '## For More Information',
    ]);
    const html = irr(['letter', id, 'ca-1798.82-individuals', '--format', 'html', '--now', fixture.now], { db });
    expect(html.code, html.stderr).toBe(0);
    const sizes = [...html.stdout.matchAll(/font-size:\s*([\d.]+)pt/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
    expect(html.stdout).not.toMatch(/font-size:\s*[\d.]+(px|em|rem|%)/);
  });
});
}

describe('the worked incident and the shipped templates', () => {
  it('the worked incident gives every fact of the vocabulary a value', () => {
    expect(Object.keys(CORE_FACTS).filter((f) => !Object.hasOwn(fixture.facts, f))).toEqual([]);
  });

  it('a template for each notice the brief names', () => {
    const required = [
      'gdpr-art33', 'gdpr-art34', 'uk-gdpr-art33', 'nis2-early-warning', 'nis2-notification', 'nis2-final',
      'dora-initial', 'dora-intermediate', 'dora-final', 'hipaa-individuals', 'hipaa-hhs', 'hipaa-media',
      'sec-8k-1.05', 'ca-1798.82-individuals', 'ca-1798.82-ag', 'fl-501.171', 'pci-card-brands',
    ];
    const covered = new Set(readdirSync(LETTERS).filter((f) => f.endsWith('.md')).flatMap((f) =>
      (parse(readFileSync(join(LETTERS, f), 'utf8').split('\n---\n')[0]!.replace(/^---\n/, '')) as { obligations: string[] }).obligations));
    expect(required.filter((o) => !covered.has(o))).toEqual([]);
  });
});

goldenLetters(sqliteBackend);
if (pgAvailable(import.meta.filename, templates.length + 2)) goldenLetters(pgBackend);
