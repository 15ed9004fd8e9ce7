import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { HtmlValidate } from 'html-validate';
import { beforeAll, describe, expect, it } from 'vitest';
import { approveNotice, irr, json, MINI, succeeded, tempDir } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * `irr report` on a worked incident built through the real binary: every kind in md and html,
 * the audit head, late entries, notices met / late / open with their margins, hostile values that
 * must stay text, a real HTML validator, and a real browser rendering the page.
 */

const HOSTILE = {
  script: '<script>alert(1)</script>',
  link: '[x](javascript:alert(1))',
  heading: '# heading',
  image: '![i](http://x/i.png)',
};
const ALL_HOSTILE = Object.values(HOSTILE).join(' ');
const NOW = '2026-03-07T12:00:00Z';

interface LogEntry { seq: number; type: string; late: boolean; hash: string }

/**
 * On both backends (issue 15): one worked incident per backend, built once in beforeAll and only
 * read by the tests (plus a second, fresh one), so one database per backend serves the whole file.
 */
function reportFlows(backend: Backend): void {
describe(`report on a worked incident (${backend.name})`, () => {
let dir = '';
let db = '';
let id = '';
let fresh = '';

const ok = (args: string[]) => succeeded(args, { db });

function report(kind: string, format: 'md' | 'html', incident = id): string {
  const r = irr(['report', incident, '--kind', kind, '--format', format, '--now', NOW], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

const log = (incident = id) => json<LogEntry[]>(irr(['log', incident, '--json'], { db }));

beforeAll(() => {
  dir = tempDir('irr-report-');
  db = backend.newDb();
  // A hostile title: markup, a link, a heading and an image must all stay text.
  id = irr(['open', '--playbook', MINI, '--title', `Payroll export ${ALL_HOSTILE}`, '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
  expect(id).toMatch(/^INC-\d{4}-\d{4}$/);
  ok(['fact', id, 'detected_at=2026-03-02T09:00:00Z', 'occurred_at=2026-03-01T22:30:00Z', '--at', '2026-03-02T09:05:00Z']);
  ok(['step', id, 'triage', 'done', '--at', '2026-03-02T09:20:00Z', '--note', `${HOSTILE.heading}\n${HOSTILE.link} ${HOSTILE.image}`]);
  ok(['advance', id, '--at', '2026-03-02T09:30:00Z']);
  ok([
    'fact', id, 'entity_role=controller', 'confidentiality=unknown_recipients', 'malicious=true', 'ease_of_identification=maximum',
    'integrity=none', 'availability=none', 'unintelligible=false', 'data_categories=contact,financial',
    'subjects_by_jurisdiction=FR:3200,DE:140,GB:50', 'subjects_total=3390', 'nis2_entity=none', 'dora_financial_entity=false',
    'nydfs_covered=false', 'sec_registrant=false', '--at', '2026-03-02T10:00:00Z',
  ]);
  ok(['step', id, 'confirm-breach', 'done', '--at', '2026-03-02T11:00:00Z']); // awareness: the clocks start at 11:00
  ok(['step', id, 'card-scope', 'skip', '--reason', `No cards ${HOSTILE.script}`, '--at', '2026-03-02T11:10:00Z']);
  ok(['note', id, `${HOSTILE.heading} Police report filed ${HOSTILE.image}`]); // recorded now: not late
  ok(['advance', id, '--at', '2026-03-02T13:00:00Z']);
  ok(['step', id, 'contain', 'done', '--at', '2026-03-02T18:00:00Z']);
  ok(['advance', id, '--at', '2026-03-02T18:30:00Z']);
  // GDPR Art 33 on time (due 2026-03-05 11:00), UK GDPR Art 33 late by 3 h 10 min, Art 34 notices left open.
  approveNotice(db, id, 'gdpr-art33', { at: '2026-03-04T09:00:00Z' });
  ok(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'CNIL-2026-0412', '--at', '2026-03-04T10:00:00Z']);
  approveNotice(db, id, 'uk-gdpr-art33', { at: '2026-03-05T14:00:00Z' });
  ok(['obligation', id, 'uk-gdpr-art33', 'sent', '--channel', 'portal', '--reason', `Portal outage ${HOSTILE.link}`, '--at', '2026-03-05T14:10:00Z']);
  ok(['step', id, 'eradicate', 'done', '--at', '2026-03-03T10:00:00Z']);
  ok(['advance', id, '--at', '2026-03-03T11:00:00Z']);
  ok(['step', id, 'recover', 'done', '--at', '2026-03-05T10:00:00Z']);
  ok(['advance', id, '--at', '2026-03-05T11:00:00Z']);
  ok(['fact', id, `root_cause=${HOSTILE.heading} VPN account without MFA ${HOSTILE.script}`, `went_well=${HOSTILE.image} Backups were offline`, `went_badly=${HOSTILE.link} The alert sat unread`]);
  ok(['action', id, `Enforce MFA on every VPN account ${HOSTILE.link}`, '--owner', `IT ops ${HOSTILE.script}`, '--due', '2026-04-30']);
  ok(['action', id, 'Route alerts to the on-call rota', '--owner', 'SOC', '--due', '2026-03-31']);
  // A second incident, just opened: nothing measured yet.
  fresh = irr(['open', '--playbook', MINI, '--title', 'Fresh incident', '--at', '2026-03-06T12:00:00Z'], { db }).stdout.trim();
}, 120_000);

describe(`irr action (${backend.name})`, () => {
  it('records A1, A2… with owner and due date, and refuses bad input naming the option (nothing recorded)', () => {
    const actions = log().filter((e) => e.type === 'action.recorded');
    expect(actions).toHaveLength(2);
    const before = log().length;
    for (const [args, message] of [
      [['action', id, 'x', '--owner', 'IT', '--due', '2026-02-30'], '--due: "2026-02-30" is not a calendar date'],
      [['action', id, 'x', '--owner', 'IT', '--due', '30/04/2026'], '--due'],
      [['action', id, 'x', '--due', '2026-04-30'], '--owner'],
      [['action', id, 'x', '--owner', ' ', '--due', '2026-04-30'], '--owner'],
      [['action', id, ' ', '--owner', 'IT', '--due', '2026-04-30'], '<text>'],
    ] as const) {
      const r = irr(args as unknown as string[], { db });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(log().length).toBe(before);
    const lines = irr(['log', id], { db }).stdout;
    expect(lines).toContain('action A2: Route alerts to the on-call rota — owner SOC, due 2026-03-31');
  });
});

describe(`irr report (${backend.name})`, () => {
  it('refuses a bad --kind or --format with exit 2, naming the option and the allowed values', () => {
    const k = irr(['report', id, '--kind', 'weekly'], { db });
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('--kind: "weekly" is not one of timeline, post-incident, executive');
    const f = irr(['report', id, '--kind', 'timeline', '--format', 'pdf'], { db });
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('--format: "pdf" is not one of md, html');
    expect(irr(['report', id], { db }).code).toBe(2); // --kind is required
  });

  it('records nothing: the log is unchanged after every kind and format, and --out writes the file', () => {
    const before = log();
    for (const kind of ['timeline', 'post-incident', 'executive']) for (const format of ['md', 'html'] as const) report(kind, format);
    const out = join(dir, 'exec.html');
    const r = irr(['report', id, '--kind', 'executive', '--format', 'html', '--out', out, '--now', NOW], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toContain('<!DOCTYPE html>');
    expect(log()).toEqual(before);
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('prints the audit log head: the same seq and hash as irr status --json', () => {
    const status = json<{ seq: number; head_hash: string }>(irr(['status', id, '--json'], { db }));
    for (const kind of ['timeline', 'post-incident', 'executive']) {
      for (const format of ['md', 'html'] as const) {
        const text = report(kind, format);
        expect(text).toContain(`${status.head_hash}</code> at seq ${status.seq}`.replace('</code>', format === 'md' ? '`' : '</code>'));
        // Worded for what it is (issue 10, defect 9): an anchor read when the report was made, not a proof.
        expect(text).toContain('as read when this report was made');
        expect(text).not.toContain('proves');
        // The board's page names no command (issue 14, problem 8); the others say how to check.
        if (kind === 'executive') expect(text).not.toContain('irr verify');
        else expect(text).toContain(`irr verify ${id} --expect-head ${status.head_hash}`);
      }
    }
    // The command the report prints is the check it says it is.
    expect(irr(['verify', id, '--expect-head', status.head_hash], { db }).code).toBe(0);
  });

  it('timeline: every event with both times, late entries flagged in words, phase durations and key measures', () => {
    const md = report('timeline', 'md');
    for (const h of ['## Key durations', '## Phases', '## Notifications', '## Events']) expect(md).toContain(h);
    const entries = log();
    const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(entries.length);
    rows.forEach((row, i) => {
      expect(row.startsWith(`| ${entries[i]!.seq} |`)).toBe(true);
      // A late entry says so in words, with how long after; the others do not.
      expect(/late: recorded (\d+ d|\d+ h|\d+ min)/.test(row), row).toBe(entries[i]!.late);
    });
    expect(entries.some((e) => e.late)).toBe(true);
    expect(entries.some((e) => !e.late)).toBe(true);
    expect(md).toContain('| 2 | 2026-03-02 09:05:00 UTC |');
    // Measures from the facts and the phase history.
    expect(md).toMatch(/\| Time to detect \|[^\n]*2026-03-01 22:30 UTC[^\n]*\| \*\*10 h 30 min\*\* \|/);
    expect(md).toMatch(/\| Time to contain \|[^\n]*\| \*\*9 h 30 min\*\* \|/);
    expect(md).toMatch(/\| Time to recover \|[^\n]*\| \*\*3 d 2 h\*\* \|/);
    expect(md).toContain('| containment | 2026-03-02 13:00 UTC | advanced by tester | 2026-03-02 18:30 UTC | 5 h 30 min |');
    expect(md).toContain('| post-incident | 2026-03-05 11:00 UTC | advanced by tester | current | 2 d 1 h so far |');
  });

  it('timeline: each required notice with its deadline, met (by how much), late (by how much) or still open', () => {
    const md = report('timeline', 'md');
    const row = (oid: string) => md.split('\n').find((l) => l.startsWith(`| ${oid} (`))!;
    expect(row('gdpr-art33')).toContain('due 2026-03-05 11:00 UTC');
    expect(row('gdpr-art33')).toContain('2026-03-04 10:00 UTC (via portal, ref CNIL-2026-0412)');
    expect(row('gdpr-art33')).toContain('**met, 1 d 1 h before the deadline**');
    expect(row('uk-gdpr-art33')).toContain('**late by 3 h 10 min**');
    expect(row('uk-gdpr-art33')).toContain('delay reason: Portal outage \\[x\\](javascript:alert(1))');
    expect(row('gdpr-art34')).toContain('target 2026-03-05 11:00 UTC');
    expect(row('gdpr-art34')).toContain('**open: overdue by 2 d 1 h**');
  });

  it('says "not yet" and names the missing fact instead of inventing a duration', () => {
    const md = report('timeline', 'md', fresh);
    expect(md).toContain('| Time to detect |  |  | **unknown: set fact occurred_at** |');
    expect(md).toContain('| Time to contain |  |  | **not yet** |');
    expect(md).toContain('| Time to recover |  |  | **not yet** |');
    const pir = report('post-incident', 'md', fresh);
    expect(pir).toContain(`No action items recorded yet. Add each follow-up with an owner and a due date: \`irr action ${fresh} "<what is to be done>" --owner <who> --due YYYY-MM-DD\`.`);
    expect(pir).toContain(`## Root cause\n\nNot recorded yet. Record it with \`irr fact ${fresh} root_cause="…"\`.`);
  });

  it('post-incident review: blameless sections, impact per jurisdiction, root cause, went well / badly, action items', () => {
    const md = report('post-incident', 'md');
    const headings = md.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(['## Summary', '## Impact', '## Timeline (condensed)', '## Root cause', '## What went well', '## What did not go well', '## Action items']);
    expect(md).toContain('blameless');
    expect(md).toContain('| FR | 3,200 |');
    expect(md).toContain('| GB | 50 |');
    expect(md).toContain('- People affected: 3,390');
    expect(md).toContain('- Data categories: contact, financial');
    expect(md).toContain('ENISA severity **VERY HIGH** (SE = 4)');
    expect(md).toContain('\\# heading VPN account without MFA \\<script\\>alert(1)\\</script\\>');
    expect(md).toContain('| A1 | Enforce MFA on every VPN account \\[x\\](javascript:alert(1)) | IT ops \\<script\\>alert(1)\\</script\\> | 2026-04-30 |');
    expect(md).toContain('| A2 | Route alerts to the on-call rota | SOC | 2026-03-31 |');
    expect(md).toContain('**late by 3 h 10 min**');
  });

  it('executive one-pager: status, severity with why, people per jurisdiction, notices, key times, what the board must decide', () => {
    const md = report('executive', 'md');
    expect(md).toContain('**Status:** open, phase post-incident');
    expect(md).toMatch(/\*\*Severity:\*\* ENISA severity \*\*VERY HIGH\*\* \(SE = 4\) — financial data; identification is maximum; [^\n]*malicious intent\./);
    expect(md).toContain('**People affected:** 3,390 — FR 3,200 · DE 140 · GB 50');
    expect(md).toContain('4 required: 1 met, 1 late, 2 open.');
    expect(md).toContain('It began on 1 March 2026, 22:30 UTC, it was detected on 2 March 2026, 09:00 UTC, and we became aware that personal data was affected on 2 March 2026, 11:00 UTC');
    expect(md).toContain('- **Time to detect / contain / recover:** 10 h 30 min / 9 h 30 min / 3 d 2 h');
    expect(md).toContain('## Decisions needed');
    expect(md).toMatch(/- \*\*Overdue:\*\* gdpr-art34 to the individuals \(EU\) was due 5 March 2026, 11:00 UTC, 2 d 1 h ago/);
    expect(md).toContain('- **Know:** 1 notice was sent late (uk-gdpr-art33)');
    expect(md.split('\n').length).toBeLessThan(60);
  });

  // Raw HTML on, so that any unescaped tag would show as an html token; linkify off like irr's renderer (a bare URL
  // stays visible text there; GFM viewers that autolink bare URLs are outside what escaping can promise).
  const md = new MarkdownIt({ html: true, linkify: false });
  const FIGURE = /^<!-- figure:timeline:[0-9a-f]+ -->\n$/;

  for (const kind of ['timeline', 'post-incident', 'executive']) {
    it(`${kind}: hostile values produce no tag, link, image or heading in the Markdown`, () => {
      const text = report(kind, 'md');
      const tokens = md.parse(text, {});
      const all = tokens.flatMap((t) => [t, ...(t.children ?? [])]);
      for (const bad of ['link_open', 'image', 'html_inline', 'code_block', 'blockquote_open']) expect(all.filter((t) => t.type === bad).map((t) => t.content), bad).toEqual([]);
      // The only raw HTML is irr's own figure marker (a comment), in the kinds that carry the figure.
      const blocks = all.filter((t) => t.type === 'html_block').map((t) => t.content);
      expect(blocks.every((b) => FIGURE.test(b)), blocks.join('|')).toBe(true);
      const headings = tokens.filter((t) => t.type === 'heading_open');
      expect(headings.filter((h) => h.tag === 'h1')).toHaveLength(1);
      for (const h of headings) expect(tokens[tokens.indexOf(h) + 1]!.content).not.toMatch(/^heading/);
      // The hostile words are there, as text.
      expect(all.some((t) => t.type === 'text' && t.content.includes('<script>alert(1)</script>'))).toBe(true);
    });

    it(`${kind}: the HTML passes html-validate (recommended) and carries no markup from values`, async () => {
      const html = report(kind, 'html');
      const result = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html);
      const messages = result.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`));
      expect(messages, messages.join('\n')).toEqual([]);
      expect(result.valid).toBe(true);
      expect(html).not.toMatch(/<script|<img|<a[\s>]|href=|javascript:alert\(1\)"|<h[1-6]>heading/i);
      expect(html.match(/<h1>/g)).toHaveLength(1);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      if (kind === 'executive') expect(html).not.toContain('<svg');
      else {
        const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6);
        expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 900 \d+"[^>]* role="img" aria-labelledby="irr-timeline-title irr-timeline-desc"/);
        expect(svg).toContain('<title id="irr-timeline-title">');
        expect(svg).toContain('<desc id="irr-timeline-desc">');
        // Met, late and open in words on the rows, not colour alone.
        for (const words of ['met, 1 d 1 h before', 'late by 3 h 10 min', 'open, overdue by 2 d 1 h']) expect(svg).toContain(`>${words}</text>`);
        expect(svg).toContain('>sent late</text>');
        expect(html).not.toContain('figure:timeline');
      }
    });
  }

  const CHROMIUM = '/usr/bin/chromium';
  // .ci/run installs Chromium; with CI=true a missing Chromium fails these tests instead of skipping them.
  const noChromium = !existsSync(CHROMIUM) && process.env.CI !== 'true';
  const browser = (args: string[]) =>
    spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'chromium')}`, ...args], { encoding: 'utf8', timeout: 60_000 });

  // The browser tests render a file, whichever store the report was read from: once, on SQLite.
  if (backend.name === 'sqlite') {
  it.skipIf(noChromium)('renders in headless Chromium: the timeline HTML becomes a real PNG', () => {
    const html = join(dir, 'timeline.html');
    writeFileSync(html, report('timeline', 'html'));
    const png = join(dir, 'timeline.png');
    const r = browser([`--screenshot=${png}`, '--window-size=1000,1400', `file://${html}`]);
    expect(existsSync(png), r.stderr).toBe(true);
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1000, 1400]);
    // A blank page compresses to a few KB; text, tables and the figure do not.
    expect(statSync(png).size).toBeGreaterThan(50_000);
  });

  it.skipIf(noChromium)('the executive one-pager prints on one page', () => {
    const html = join(dir, 'executive.html');
    writeFileSync(html, report('executive', 'html'));
    const pdf = join(dir, 'executive.pdf');
    const r = browser(['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${html}`]);
    expect(existsSync(pdf), r.stderr).toBe(true);
    const pages = readFileSync(pdf).toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? [];
    expect(pages).toHaveLength(1);
  });
  }
});
});
}

reportFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 15)) reportFlows(pgBackend);
