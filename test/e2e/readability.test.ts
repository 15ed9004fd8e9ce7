import { resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { irr, json, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 14, problems 3 (times people read) and 7 (readability), through the real binary. Times
 * are relative to now, so nothing here goes stale.
 */

const DAY = 86_400_000;
const LOCAL = /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)( \d{4})? \d{2}:\d{2} (CET|CEST)/;

/**
 * On both backends (issue 15). One database per backend: each test opens its own incidents and
 * reads only those (`irr list` rows are found by id).
 */
function readableViews(backend: Backend): void {
  const database = sharedDb(backend);
function opened(playbook: string): { db: string; id: string } {
  const db = database();
  expect(irr(['init'], { db }).code).toBe(0);
  const r = irr(['open', '--playbook', playbook, '--title', 'readable'], { db });
  expect(r.code, r.stderr).toBe(0);
  return { db, id: r.stdout.trim() };
}

describe(`irr status reads well (${backend.name})`, () => {
  it('shows n/a with the fact’s value (device_encrypted = false), not the condition', () => {
    const { db, id } = opened('lost-stolen-device');
    expect(irr(['fact', id, 'device_encrypted=false'], { db }).code).toBe(0);
    const text = irr(['status', id, '--all'], { db }).stdout;
    expect(text).toMatch(/assess-key-exposure: .*n\/a: device_encrypted = false\)/);
    expect(text).not.toContain('n/a: device_encrypted = true');
  });

  it('after open, shows what to do first and how many more, not every step; --all shows every step', () => {
    const { db, id } = opened('lost-stolen-device');
    const total = json<{ steps: unknown[] }>(irr(['--json', 'status', id], { db })).steps.length;
    expect(total).toBeGreaterThan(20);
    const text = irr(['status', id], { db }).stdout;
    expect(text).toContain('do first:');
    const stepLines = text.split('\n').filter((l) => /^ {2}\[.\]/.test(l));
    expect(stepLines).toHaveLength(5);
    expect(stepLines[0]).toContain('record-loss-report');
    expect(text).toContain(`…and ${total - 5} more: irr status ${id} --all`);
    const all = irr(['status', id, '--all'], { db }).stdout.split('\n').filter((l) => /^ {2}\[.\]/.test(l));
    expect(all).toHaveLength(total);
  });

  it('times a person reads are local with the zone named (status, log, list); --json stays UTC', () => {
    const { db, id } = opened('lost-stolen-device');
    const env = { IRR_TZ: 'Europe/Paris' };
    expect(irr(['status', id], { db, env }).stdout).toMatch(new RegExp(`opened ${LOCAL.source} by tester`));
    expect(irr(['log', id], { db, env }).stdout.split('\n')[1]).toMatch(new RegExp(`^1\\s+${LOCAL.source}\\s+${LOCAL.source}\\s+tester`));
    expect(irr(['list'], { db, env }).stdout).toMatch(LOCAL);
    expect(json<{ opened_at: string }>(irr(['--json', 'status', id], { db, env })).opened_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe(`irr clocks and irr list (${backend.name})`, () => {
  it('clocks never show a negative duration for an undetermined duty whose deadline passed', () => {
    const { db, id } = opened('misdirected-communication');
    const aware = new Date(Date.now() - 10 * DAY).toISOString();
    expect(irr(['fact', id, `aware_at=${aware}`, 'data_categories=contact', 'subjects_by_jurisdiction=DE:40'], { db }).code).toBe(0);
    const text = irr(['clocks', id], { db }).stdout;
    const art33 = text.split('\n').find((l) => l.startsWith('gdpr-art33 '))!;
    expect(art33).toMatch(/undetermined\s+passed, if owed/);
    expect(text).not.toMatch(/\s-\d+ (d|h|min)\b/);
  });

  it('list shows each open incident’s phase, severity and next deadline (--json: next_deadline {obligation, due_at} or null)', () => {
    const { db, id } = opened('misdirected-communication');
    const second = irr(['open', '--playbook', 'misdirected-communication', '--title', 'nothing known'], { db }).stdout.trim();
    const aware = new Date(Date.now() - 3600_000).toISOString();
    expect(irr(['fact', id, `aware_at=${aware}`, 'data_categories=contact', 'subjects_by_jurisdiction=DE:40', 'entity_role=controller'], { db }).code).toBe(0);
    const rows = json<{ id: string; phase: string; severity: string | null; next_deadline: { obligation: string; due_at: string } | null }[]>(irr(['--json', 'list'], { db }));
    const first = rows.find((r) => r.id === id)!;
    expect(first.phase).toBe('detection');
    expect(first.severity).toMatch(/^(low|medium|high|very_high)$/);
    expect(first.next_deadline?.obligation).toMatch(/^gdpr-art3[34]/);
    expect(first.next_deadline!.due_at).toBe(new Date(Date.parse(aware) + 72 * 3600_000).toISOString());
    expect(rows.find((r) => r.id === second)!.next_deadline).toBeNull();
    const text = irr(['list'], { db }).stdout;
    expect(text).toMatch(/^ID\s+PHASE\s+SEVERITY\s+NEXT DEADLINE\s+OPENED\s+TITLE/);
    expect(text.split('\n').find((l) => l.startsWith(id))).toMatch(/detection\s+\S+\s+gdpr-art3[34]/);
  });
});

}

readableViews(sqliteBackend);
if (pgAvailable(import.meta.filename, 5)) readableViews(pgBackend);

/** Stateless: `irr assess --facts` reads no store. */
describe('irr assess names the false part of a long condition', () => {
  it('HIPAA’s 57-State condition is a few short parts, not 2,400 characters ending "is false"', () => {
    const file = resolve(tempDir(), 'facts.json');
    writeFileSync(file, JSON.stringify({ hipaa_covered: true, data_categories: ['health'], subjects_by_jurisdiction: { 'US-CA': 40 } }));
    const a = json<{ obligations: { id: string; reasons: string[] }[] }>(irr(['--json', 'assess', '--facts', file]));
    const media = a.obligations.find((o) => o.id === 'hipaa-media')!;
    const why = media.reasons.find((r) => r.startsWith('does not apply'))!;
    expect(why).toMatch(/^does not apply: subjects_by_jurisdiction\[US-\w+\] = \d+ \(needs > 500\)/);
    expect(why).toContain('more alternatives, none holds');
    expect(why.length).toBeLessThan(400);
    expect(why).not.toMatch(/is false$/);
  });
});
