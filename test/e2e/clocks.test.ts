import ICAL from 'ical.js';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveNotice, BIN, irr, json, MINI, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

const FACTS = {
  // Fixed dates in the past: responders may backdate, never postdate.
  aware_at: '2026-03-02T09:00:00+01:00',
  discovered_at: '2026-03-02T09:00:00+01:00',
  data_categories: ['contact', 'financial'],
  subjects_by_jurisdiction: { DE: 40000, 'US-CA': 12000 },
  subjects_total: 52000,
  entity_role: 'controller',
  confidentiality: 'unknown_recipients',
  integrity: 'none',
  availability: 'temporary',
  malicious: true,
  ease_of_identification: 'maximum',
  unintelligible: false,
};

interface Ob {
  id: string;
  regime: string;
  jurisdiction: string;
  audience: string;
  applies: boolean | 'unknown';
  required: boolean | 'unknown';
  reason: string;
  clock_start: string | null;
  due_at: string | null;
  stages: unknown;
  status: string;
}

describe('irr assess (stateless)', () => {
  it('gives the severity with its explanation and one entry for every regime', () => {
    const file = join(tempDir(), 'facts.json');
    writeFileSync(file, JSON.stringify(FACTS));
    const out = json<{ severity: Record<string, unknown>; obligations: Ob[] }>(irr(['assess', '--facts', file, '--now', '2026-03-03T08:00:00Z', '--json']));
    expect(out.severity).toMatchObject({ method: 'ENISA 2013', level: 'very_high', dpc: 3, ei: 1, cb: 1.25, score: 4.25 });
    expect((out.severity.explanation as string[]).length).toBeGreaterThanOrEqual(4);
    expect(out.obligations.length).toBeGreaterThanOrEqual(40);
    for (const o of out.obligations) for (const k of ['id', 'regime', 'jurisdiction', 'audience', 'applies', 'required', 'reason', 'clock_start', 'due_at', 'stages', 'status']) expect(o).toHaveProperty(k);
    const art33 = out.obligations.find((o) => o.id === 'gdpr-art33')!;
    expect(art33).toMatchObject({ applies: true, required: true, clock_start: '2026-03-02T08:00:00.000Z', due_at: '2026-03-05T08:00:00.000Z', status: 'running' });
    const hipaa = out.obligations.find((o) => o.id === 'hipaa-individuals')!;
    expect(hipaa.applies).not.toBe(true);
    // The reason names the clause that is false, with the fact's value (issue 14.7), not the whole condition.
    expect(hipaa.reason).toBe('does not apply: data_categories = [contact, financial] (needs includes health)');
  });

  it('reads facts from stdin, and rejects a bad file in one line naming it and the fact', () => {
    const r = spawnSync(process.execPath, [BIN, 'assess', '--facts', '-', '--json'], { input: JSON.stringify({ subjects_total: 5 }), encoding: 'utf8', cwd: ROOT });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).obligations.length).toBeGreaterThanOrEqual(40);
    const file = join(tempDir(), 'bad.json');
    writeFileSync(file, JSON.stringify({ subjects_total: -1, favourite: 'x' }));
    const bad = irr(['assess', '--facts', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`irr: --facts: ${file}: subjects_total: expected a whole number of 0 or more; ${file}: unknown fact "favourite"`);
  });
});

/**
 * The same on both backends (issue 15). One database per backend: each test opens its own
 * incident and reads only that one.
 */
function clocksOnAnIncident(backend: Backend): void {
  const database = sharedDb(backend);
describe(`clocks on an incident (${backend.name})`, () => {
  function incident() {
    const db = database();
    const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Clocks', '--json', '--at', '2026-03-01T08:00:00Z'], { db })).id;
    const pairs = Object.entries(FACTS).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    expect(irr(['fact', id, ...pairs, '--at', '2026-03-02T09:30:00+01:00'], { db }).code).toBe(0);
    return { db, id };
  }

  it('records when each notification first became required, and why, in the timeline', () => {
    const { db, id } = incident();
    const log = json<{ type: string; what: string }[]>(irr(['log', id, '--json'], { db }));
    const triggered = log.filter((e) => e.type === 'obligation.triggered').map((e) => e.what);
    expect(triggered.some((w) => w.startsWith('obligation gdpr-art33 now required'))).toBe(true);
    expect(triggered.some((w) => w.startsWith('obligation ca-1798.82-individuals now required'))).toBe(true);
  });

  it('shows the board most urgent first, in local time and UTC, and writes a calendar that parses', () => {
    const { db, id } = incident();
    const board = json<{ clocks: (Ob & { remaining_ms: number | null })[] }>(irr(['clocks', id, '--now', '2026-03-03T08:00:00Z', '--json'], { db }));
    const ids = board.clocks.map((c) => c.id);
    expect(ids.indexOf('gdpr-art33')).toBeLessThan(ids.indexOf('ca-1798.82-individuals'));
    expect(board.clocks.find((c) => c.id === 'gdpr-art33')!.remaining_ms).toBe(48 * 3_600_000);
    const ics = join(tempDir(), 'deadlines.ics');
    const text = irr(['clocks', id, '--now', '2026-03-03T08:00:00Z', '--ics', ics], { db, env: { TZ: 'Europe/Berlin' } });
    expect(text.stdout).toContain('due Thu 5 Mar 09:00 CET (08:00 UTC)'); // local time with the zone named (issue 14.3)
    const cal = new ICAL.Component(ICAL.parse(readFileSync(ics, 'utf8')));
    const events = cal.getAllSubcomponents('vevent');
    const art33 = events.find((e) => String(e.getFirstPropertyValue('uid')).startsWith(`${id}-gdpr-art33@`))!;
    expect(art33).toBeDefined();
    expect((art33.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString()).toBe('2026-03-05T08:00:00.000Z');
    expect(art33.getAllSubcomponents('valarm').map((a) => String(a.getFirstPropertyValue('trigger')))).toEqual(['-P1D', '-PT2H']);
  });

  it('records drafted, approved and sent; asks why when late or waived; refuses a second send', () => {
    const { db, id } = incident();
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db }).code).toBe(0);
    expect(irr(['team', 'assign', id, 'dpo', '--role', 'dpo'], { db }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'approved', '--as', 'dpo'], { db }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'BfDI-2026-117', '--at', '2026-03-04T10:00:00Z'], { db }).code).toBe(0);
    const again = irr(['obligation', id, 'gdpr-art33', 'sent'], { db });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('already recorded as sent');
    const late = irr(['obligation', id, 'ca-1798.82-individuals', 'waived'], { db });
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('--reason');
    expect(irr(['obligation', id, 'no-such-law', 'sent'], { db }).code).toBe(2);
    const board = json<{ clocks: Ob[] }>(irr(['clocks', id, '--json', '--now', '2026-03-04T12:00:00Z'], { db }));
    expect(board.clocks.find((c) => c.id === 'gdpr-art33')!.status).toBe('met');
  });

  it('a notice sent after its deadline needs the reasons for the delay and shows as late', () => {
    const { db, id } = incident();
    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-05T08:00:00Z' });
    const refused = irr(['obligation', id, 'gdpr-art33', 'sent', '--at', '2026-03-05T09:00:00Z'], { db });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a late notice must give the reasons for the delay');
    expect(irr(['obligation', id, 'gdpr-art33', 'sent', '--at', '2026-03-05T09:00:00Z', '--reason', 'forensic scope confirmed only on day 3'], { db }).code).toBe(0);
    const board = json<{ clocks: Ob[] }>(irr(['clocks', id, '--json', '--now', '2026-03-06T12:00:00Z'], { db }));
    expect(board.clocks.find((c) => c.id === 'gdpr-art33')).toMatchObject({ status: 'late' });
  });
});
}

clocksOnAnIncident(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) clocksOnAnIncident(pgBackend);
