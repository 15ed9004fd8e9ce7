import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { HtmlValidate } from 'html-validate';
import { describe, expect, it } from 'vitest';
import { approveNotice, irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const md = new MarkdownIt({ html: false });

interface LogEntry { seq: number; type: string; payload: Record<string, unknown> }

const HOSTILE = {
  title: '<script>alert(1)</script> [x](javascript:alert(1))',
  breach: '# heading\n\n![i](http://x/i.png) <img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold** `code`\n    indented\n1. list\n- bullet\n> quote\n| a | b |',
  org: '<b>Example</b> & Co',
};

/** An incident that owes a GDPR Art 33 notice, with every fact the letter needs except those a test leaves out. */
function incident(db: string, opts: { title?: string; omit?: string[]; breach?: string } = {}): string {
  const id = irr(['open', '--playbook', 'misdirected-communication', '--title', opts.title ?? 'Payslips emailed to the wrong team', '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
  const facts: Record<string, string> = {
    detected_at: '2026-03-02T09:00:00Z',
    aware_at: '2026-03-02T11:00:00Z',
    entity_role: 'controller',
    subjects_by_jurisdiction: 'DE:40,FR:2',
    data_categories: 'financial,employment',
    subjects_total: '42',
    records_total: '42',
    confidentiality: 'known_recipients',
    breach_description: opts.breach ?? 'Payslips of 42 employees were emailed to the wrong internal list.',
    dpo_contact: 'Jane Roe, DPO, dpo@example.com',
    organisation_name: 'Example GmbH',
    likely_consequences: 'Colleagues could learn salaries.',
    measures_taken: 'Recipients confirmed deletion in writing.',
  };
  for (const k of opts.omit ?? []) delete facts[k];
  const r = irr(['fact', id, ...Object.entries(facts).map(([k, v]) => `${k}=${v}`), '--at', '2026-03-02T11:00:00Z'], { db });
  expect(r.code, r.stderr).toBe(0);
  return id;
}

const log = (db: string, id: string) => json<LogEntry[]>(irr(['log', id, '--json'], { db }));

/**
 * The letters' flows on both backends (issue 15). One database per backend for all of them: each
 * test opens its own incident and reads only that one's log; files are written to a temp folder
 * of the test's own.
 */
function letterFlows(backend: Backend): void {
  const database = sharedDb(backend);
describe(`irr letter (${backend.name})`, () => {
  it('refuses a letter that misses a legally required item, naming each item and the fact that supplies it, and records nothing', () => {
    const db = database();
    const id = incident(db, { omit: ['dpo_contact', 'measures_taken'] });
    const before = log(db, id).length;
    const r = irr(['letter', id, 'gdpr-art33', '--now', '2026-03-03T10:00:00Z'], { db });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gdpr-art33 Art 33(3)(b) contact missing: set fact dpo_contact');
    expect(r.stderr).toContain('gdpr-art33 Art 33(3)(d) measures missing: set fact measures_taken');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(log(db, id).length).toBe(before);
  });

  it('writes the notice, marked DRAFT until approved, and records each rendering with its SHA-256', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const out = join(dir, 'notice.md');
    const r = irr(['letter', id, 'gdpr-art33', '--out', out, '--now', '2026-03-03T10:00:00Z'], { db });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('**DRAFT — not approved for sending')).toBe(true);
    for (const h of ['Nature of the breach', 'Contact point', 'Likely consequences', 'Measures taken or proposed']) expect(text).toContain(`## ${h}`);
    expect(text).toContain('Jane Roe, DPO, dpo@example.com');
    expect(text).toContain('2 March 2026, 11:00 UTC'); // awareness, the clock start
    expect(text).not.toContain('Reasons for the delay'); // on time
    const rendered = log(db, id).filter((e) => e.type === 'document.rendered');
    expect(rendered).toHaveLength(1);
    expect(rendered[0]!.payload).toMatchObject({ kind: 'letter', template: 'gdpr-art33-authority', obligation: 'gdpr-art33', format: 'md', draft: true, sha256: sha256(text) });

    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-03T09:00:00Z' });
    const approved = irr(['letter', id, 'gdpr-art33', '--now', '2026-03-03T10:00:00Z'], { db });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).not.toContain('DRAFT');
    expect(approved.stdout.startsWith('# Notification of a personal data breach')).toBe(true);
    const last = log(db, id).filter((e) => e.type === 'document.rendered').at(-1)!;
    expect(last.payload).toMatchObject({ draft: false, sha256: sha256(approved.stdout) });
  });

  it('after the deadline, needs the reasons for the delay and then writes them', () => {
    const db = database();
    const id = incident(db);
    const late = irr(['letter', id, 'gdpr-art33', '--now', '2026-03-06T10:00:00Z'], { db });
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('gdpr-art33 Art 33(1) delay-reasons missing: set fact delay_reasons');
    expect(irr(['fact', id, 'delay_reasons=The recipients list had to be reconstructed from mail logs.'], { db }).code).toBe(0);
    const ok = irr(['letter', id, 'gdpr-art33', '--now', '2026-03-06T10:00:00Z'], { db });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('## Reasons for the delay');
    expect(ok.stdout).toContain('5 March 2026, 11:00 UTC'); // the deadline that passed: awareness + 72 h
    expect(ok.stdout).toContain('The recipients list had to be reconstructed from mail logs.');
  });

  it('no fact can inject HTML or Markdown: hostile values come out as the same visible text, in md, html and txt', () => {
    const db = database();
    const id = incident(db, { title: HOSTILE.title, breach: HOSTILE.breach });
    expect(irr(['fact', id, `organisation_name=${HOSTILE.org}`], { db }).code).toBe(0);
    const now = ['--now', '2026-03-03T10:00:00Z'];
    const mdOut = irr(['letter', id, 'gdpr-art33', ...now], { db });
    expect(mdOut.code, mdOut.stderr).toBe(0);
    const tokens = md.parse(mdOut.stdout, {});
    const all = tokens.flatMap((t) => [t, ...(t.children ?? [])]);
    // Only the template's own structure: its headings, its list, its bold labels.
    expect(all.filter((t) => t.type === 'heading_open').map((t) => tokens[tokens.indexOf(t) + 1]!.content)).toEqual([
      'Notification of a personal data breach', 'Nature of the breach', 'Contact point', 'Likely consequences', 'Measures taken or proposed',
    ]);
    for (const bad of ['link_open', 'image', 'html_inline', 'html_block', 'code_inline', 'code_block', 'blockquote_open', 'ordered_list_open', 'table_open']) {
      expect(all.filter((t) => t.type === bad), bad).toHaveLength(0);
    }
    const html = irr(['letter', id, 'gdpr-art33', '--format', 'html', ...now], { db });
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).not.toMatch(/<script|<img|<a |<b>|<blockquote|<code|<ol/i);
    expect(html.stdout).toContain('&lt;b&gt;Example&lt;/b&gt; &amp; Co');
    expect(html.stdout).toContain('# heading');
    expect(html.stdout).toContain('![i](http://x/i.png)');
    expect(html.stdout).toContain('[x](javascript:alert(1))');
    const txt = irr(['letter', id, 'gdpr-art33', '--format', 'txt', ...now], { db });
    expect(txt.code, txt.stderr).toBe(0);
    const flat = txt.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('<b>Example</b> & Co');
    expect(flat).toContain('![i](http://x/i.png) <img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold** `code`');
  });

  it('writes HTML that a real validator accepts, with print styles of at least 10 points and the DRAFT banner', async () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db, { title: HOSTILE.title, breach: HOSTILE.breach });
    const out = join(dir, 'notice.html');
    expect(irr(['letter', id, 'gdpr-art33', '--format', 'html', '--out', out, '--now', '2026-03-03T10:00:00Z'], { db }).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    // long-title is a search-engine rule (result snippets cut at 70 characters); a letter's title is
    // its legal name and is kept whole.
    const report = await new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } }).validateString(html);
    const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`));
    expect(messages, html).toEqual([]);
    expect(report.valid).toBe(true);
    expect(html).toContain('<p class="draft" role="note">DRAFT — not approved for sending');
    const sizes = [...html.matchAll(/font-size:\s*(\d+(?:\.\d+)?)pt/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
  });

  it('says which option is wrong: unknown obligation, unknown format, unknown template', () => {
    const db = database();
    const id = incident(db);
    const a = irr(['letter', id, 'gdpr-art99'], { db });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^irr: <obligation-id>: no obligation "gdpr-art99"/);
    const b = irr(['letter', id, 'gdpr-art33', '--format', 'pdf'], { db });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--format: "pdf" is not one of md, html, txt');
    const c = irr(['letter', id, 'gdpr-art33', '--template', 'nope'], { db });
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--template: no template "nope"');
  });
});

describe(`irr letters (mail merge) (${backend.name})`, () => {
  const CSV = [
    'name,email,postal_address,jurisdiction,language,customer_id',
    'Ann Lee,ann@example.com,"1 Main St\nSpringfield",DE,en,C1',
    'Bob Stone,,,DE,en,C2',
    'Cy Young,cy@example.com,,Germany,en,C3',
    '"<script>alert(1)</script> [x](javascript:alert(1))",mal@example.com,,FR,en,C4',
    'Dee Park,dee@example.com,,FR,en,C5,extra',
    '',
    'Eve Adams,eve@example.com,,US-CA,,C6',
    'Fay "Broken,fay@example.com,,FR,en,C7',
  ].join('\n') + '\n';

  it('writes one JSON object per letter, rejects bad rows by line into a rejects file, and stores counts only', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const csv = join(dir, 'recipients.csv');
    writeFileSync(csv, CSV);
    const out = join(dir, 'letters.ndjson');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out, '--now', '2026-03-03T10:00:00Z'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 letters for gdpr-art33 (DRAFT)');
    expect(r.stdout).toContain('by jurisdiction: DE 1, FR 1, US-CA 1');
    expect(r.stdout).toMatch(/4 rows rejected \(lines 4, 5, 7, 10\)/);
    const letters = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(letters.map((l) => l.line)).toEqual([2, 6, 9]);
    expect(letters[0]).toMatchObject({ name: 'Ann Lee', email: 'ann@example.com', postal_address: '1 Main St\nSpringfield', jurisdiction: 'DE', language: 'en', fields: { customer_id: 'C1' }, template: 'gdpr-art33-authority' });
    expect(letters[2]).toMatchObject({ language: 'en', jurisdiction: 'US-CA' }); // empty language: the template's own
    // A hostile name stays text in the letter.
    const tokens = md.parse(String(letters[1]!.content), {}).flatMap((t) => [t, ...(t.children ?? [])]);
    expect(tokens.filter((t) => t.type === 'link_open' || t.type.startsWith('html'))).toHaveLength(0);

    const rejects = readFileSync(join(dir, 'letters.rejects.csv'), 'utf8').trim().split('\n');
    expect(rejects[0]).toBe('line,reason,name,email,postal_address,jurisdiction,language,customer_id');
    expect(rejects[1]).toMatch(/^4,"columns email and postal_address: both empty/);
    expect(rejects[2]).toMatch(/^5,"column jurisdiction: ""Germany"" is not an ISO 3166 code/);
    expect(rejects[3]).toMatch(/^7,"has 7 fields, the header has 6"/);
    expect(rejects[4]).toMatch(/^10,"malformed CSV: Invalid Opening Quote/);

    const event = log(db, id).filter((e) => e.type === 'document.rendered').at(-1)!;
    expect(event.payload).toMatchObject({ kind: 'mail_merge', letters: 3, rejected: 4, by_jurisdiction: { DE: 1, FR: 1, 'US-CA': 1 } });
    // The recipients' personal data never enters the database (nor its write-ahead log).
    const stored = backend.storedText(db);
    expect(stored).toContain('mail_merge'); // the reading reaches the rows themselves
    for (const s of ['Ann Lee', 'ann@example.com', 'Springfield', 'Bob Stone', 'C1']) expect(stored.includes(s), `${s} in ${db}`).toBe(false);
  });

  it('writes one file per letter into a directory, in the format asked', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const csv = join(dir, 'r.csv');
    writeFileSync(csv, 'name,email,postal_address,jurisdiction,language\nAnn Lee,ann@example.com,,DE,en\nBo Li,,"2 High St, Leeds",GB,en\n');
    const out = join(dir, 'out');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out, '--format', 'html', '--now', '2026-03-03T10:00:00Z'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['letter-0000002.html', 'letter-0000003.html']);
    expect(readFileSync(join(out, 'letter-0000002.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(existsSync(join(dir, 'out.rejects.csv'))).toBe(false);
    // A second merge never overwrites the first.
    const again = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out, '--now', '2026-03-03T10:00:00Z'], { db });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`irr: --out: ${out} already exists; give a new name (a mail merge never writes into an existing folder or over a file)`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a recipients file without the required columns, naming the file and line, and records nothing', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const csv = join(dir, 'r.csv');
    writeFileSync(csv, 'name,email,jurisdiction\nAnn,ann@example.com,DE\n');
    const before = log(db, id).length;
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'o.ndjson'), '--now', '2026-03-03T10:00:00Z'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`irr: ${csv}:1: header lacks columns postal_address, language (needs name, email, postal_address, jurisdiction, language)`);
    expect(log(db, id).length).toBe(before);
  });
});

}

letterFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 9)) letterFlows(pgBackend);

describe('irr template', () => {
  it('check proves every shipped template covers its regimes\u2019 required items', () => {
    const r = irr(['template', 'check']);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(join(ROOT, 'templates', 'letters')).filter((f) => f.endsWith('.md'));
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok  '))).toHaveLength(files.length);
  });

  it('check reports every problem of a broken template as file:line:col', () => {
    const dir = tempDir();
    const file = join(dir, 'gdpr-art33-authority.md');
    copyFileSync(join(ROOT, 'templates', 'letters', 'gdpr-art33-authority.md'), file);
    const text = readFileSync(file, 'utf8')
      .replace('  contact:\n    section: Contact point\n    facts: [organisation_name, dpo_contact]\n', '')
      .replace('facts: [likely_consequences]', 'facts: [likely_consequence]')
      .replace('section: Measures taken or proposed', 'section: Measures')
      .replace('{{facts.measures_taken}}', '{{facts.measures_taken}} {{incident.titel}}');
    writeFileSync(file, text);
    const r = irr(['template', 'check', file]);
    expect(r.code).toBe(2);
    const all = `${r.stderr}`;
    expect(all).toMatch(new RegExp(`${file}:\\d+:\\d+: covers: does not cover gdpr-art33 item "contact" \\(Art 33\\(3\\)\\(b\\)\\)`));
    expect(all).toMatch(/:\d+:\d+: covers\.consequences\.facts\[0\]: unknown fact "likely_consequence"/);
    expect(all).toMatch(/:\d+:\d+: covers\.measures\.section: no heading "Measures" in the body/);
  });
});
