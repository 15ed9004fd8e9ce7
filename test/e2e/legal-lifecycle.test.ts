import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveNotice, irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 11, parts 2–5 through the real binary: an incident cannot close on an open legal question,
 * waivers are checked against the facts, steps that discharge duties wait for them, and the clocks
 * are ordered by when they are due.
 */

const DISCHARGE = join(ROOT, 'test', 'fixtures', 'runbooks', 'discharge.yaml');

/** An EU controller's breach of financial data by a criminal: Art 33 and Art 34 required; NIS2 undetermined. */
const FACTS = [
  'detected_at=2026-03-02T08:00:00Z',
  'discovered_at=2026-03-02T08:00:00Z',
  'data_categories=contact,financial',
  'subjects_by_jurisdiction=DE:40000',
  'subjects_total=40000',
  'entity_role=controller',
  'confidentiality=unknown_recipients',
  'integrity=none',
  'availability=temporary',
  'malicious=true',
  'ease_of_identification=maximum',
  'unintelligible=false',
  'nis2_entity=important',
  'dora_financial_entity=false',
];

interface Clock {
  id: string;
  required: boolean | 'unknown';
  status: string;
  due: string | null;
  due_at: string | null;
  speculative: boolean;
  remaining_ms: number | null;
  outcome?: string;
  waiver: { exemption: string | null; override: boolean; valid: boolean; why: string } | null;
}
interface Board {
  closed: boolean;
  establish_first: { fact: string; decides: number }[];
  clocks: Clock[];
}

function ok(db: string, args: string[]): string {
  const r = irr(args, { db });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function incidentIn(db: string, facts: readonly string[] = FACTS) {
  const id = ok(db, ['open', '--playbook', DISCHARGE, '--title', 'Payroll export stolen', '--at', '2026-03-02T08:00:00Z']).trim();
  ok(db, ['step', id, 'triage', 'done', '--at', '2026-03-02T08:30:00Z']);
  ok(db, ['advance', id]);
  ok(db, ['step', id, 'confirm-breach', 'done', '--at', '2026-03-02T09:00:00Z']);
  ok(db, ['fact', id, ...facts, '--at', '2026-03-02T09:30:00Z']);
  return { db, id };
}

/** From analysis to post-incident with the review done; the notify step needs its duties settled first. */
function toReview(db: string, id: string) {
  ok(db, ['advance', id]);
  ok(db, ['step', id, 'contain', 'done']);
  ok(db, ['step', id, 'notify-authority', 'done']);
  for (const s of ['eradicate', 'recover']) {
    ok(db, ['advance', id]);
    ok(db, ['step', id, s, 'done']);
  }
  ok(db, ['advance', id]);
  ok(db, ['step', id, 'review', 'done']);
}

const board = (db: string, id: string, now?: string) => json<Board>(irr(['clocks', id, '--json', ...(now ? ['--now', now] : [])], { db }));

describe('a runbook step that discharges legal duties', () => {
  it('names a duty that is not in the regime catalogue with file, line and column (exit 2)', () => {
    const bad = join(tempDir(), 'bad.yaml');
    writeFileSync(bad, readFileSync(DISCHARGE, 'utf8').replace('discharges: [gdpr-art33, nis2-notification,', 'discharges: [gdpr-art33, nis2-notificaton,'));
    const r = irr(['playbook', 'validate', bad]);
    expect(r.code).toBe(2);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/bad\.yaml:\d+:\d+: phases\.containment\[1\]\.discharges\[1\]: /);
    expect(out).toContain(`${bad}:`);
    expect(out).toContain('discharges "nis2-notificaton", which is not a duty in the regime catalogue (irr regime list shows them; did you mean');
  });
});

/**
 * The flows on an incident, the same on both backends (issue 15). One database per backend: each
 * test opens its own incidents and reads only those; "nothing written" counts every event of the
 * database, which only the running test writes to (the tests of a file run one after the other).
 */
function legalLifecycle(backend: Backend): void {
  const database = sharedDb(backend);
  const incident = (facts: readonly string[] = FACTS) => incidentIn(database(), facts);
  /** Refused or invalid: the exit code, one line on stderr, and nothing written. */
  function refused(db: string, args: string[], code: number): string {
    const before = backend.eventCount(db);
    const r = irr(args, { db });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(backend.eventCount(db)).toBe(before);
    return r.stderr;
  }

describe(`a step that discharges legal duties (${backend.name})`, () => {
  it('is done only when each required duty it names is sent or validly waived; duties not required or undetermined do not hold it', () => {
    const { db, id } = incident();
    ok(db, ['advance', id]);
    ok(db, ['step', id, 'contain', 'done']);
    const why = refused(db, ['step', id, 'notify-authority', 'done'], 3);
    expect(why).toContain('step notify-authority refused: gdpr-art33 is required and not yet sent');
    // NIS2 is undetermined (nis2_significant unknown) and card data is not involved: neither holds the step.
    expect(why).not.toContain('nis2-notification');
    expect(why).not.toContain('pci-card-brands');
    expect(json<{ steps: { id: string; discharges: string[] }[] }>(irr(['status', id, '--json'], { db })).steps.find((s) => s.id === 'notify-authority')!.discharges).toEqual(['gdpr-art33', 'nis2-notification', 'pci-card-brands']);
    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-03T08:00:00Z' });
    ok(db, ['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'BfDI-1', '--at', '2026-03-03T09:00:00Z']);
    expect(ok(db, ['step', id, 'notify-authority', 'done'])).toContain('notify-authority');
  });
});

describe(`closing on an open legal question (${backend.name})`, () => {
  it('is refused while a duty is undetermined, required and unsent; waivers need a ground that holds; not-applicable settles; a closed incident stops its clocks', () => {
    const { db, id } = incident();
    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-03T08:00:00Z' });
    ok(db, ['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'BfDI-1', '--at', '2026-03-03T09:00:00Z']);
    toReview(db, id);

    // irr status says so before anyone tries: closing is held by the legal duties too.
    const holds = json<{ holds: string[] }>(irr(['status', id, '--json'], { db })).holds;
    expect(holds.some((h) => h.startsWith('obligation gdpr-art34 is required and overdue, not yet sent'))).toBe(true);
    expect(holds.some((h) => h.startsWith('obligation nis2-early-warning is undetermined'))).toBe(true);
    expect(ok(db, ['status', id])).toContain('close is held by:');

    let why = refused(db, ['close', id], 3);
    expect(why).toContain('obligation gdpr-art34 is required and overdue, not yet sent');
    expect(why).toContain(`obligation nis2-early-warning is undetermined: establish nis2_significant, or record irr obligation ${id} nis2-early-warning not-applicable --reason <text>`);

    // not-applicable settles an undetermined duty, never one the facts make required.
    expect(refused(db, ['obligation', id, 'gdpr-art34', 'not-applicable', '--reason', 'we think not'], 3)).toContain('the recorded facts make it required');
    expect(refused(db, ['obligation', id, 'gdpr-art34', 'not-applicable'], 2)).toContain('--reason');

    // A waiver names its ground: the law lists exemptions, so neither flag is exit 2 listing them.
    const missing = refused(db, ['obligation', id, 'gdpr-art34', 'waived', '--reason', 'Art 34(3)(a): laptop disk encrypted'], 2);
    expect(missing).toContain('art34-3a (Art 34(3)(a)');
    expect(missing).toContain('art34-3b (Art 34(3)(b)');
    // A fact contradicts the exemption: exit 3 naming the fact and its value.
    expect(refused(db, ['obligation', id, 'gdpr-art34', 'waived', '--exemption', 'art34-3a', '--reason', 'disk encrypted'], 3)).toContain('the recorded facts contradict it: unintelligible=false');
    // Facts not established: refused, naming what to establish.
    const unknown = refused(db, ['obligation', id, 'gdpr-art34', 'waived', '--exemption', 'art34-3b', '--reason', 'recipient deleted it'], 3);
    expect(unknown).toMatch(/establish (recipient_confirmed_deletion, recipient_trusted|recipient_trusted, recipient_confirmed_deletion) first/);
    expect(refused(db, ['obligation', id, 'gdpr-art34', 'waived', '--exemption', 'art99', '--reason', 'x'], 2)).toContain('"art99" is not an exemption of gdpr-art34');
    expect(refused(db, ['obligation', id, 'gdpr-art34', 'waived', '--exemption', 'art34-3a', '--override', '--reason', 'x'], 2)).toContain('not both');
    expect(refused(db, ['obligation', id, 'gdpr-art34', 'sent', '--override'], 2)).toContain('only a waiver');
    // The exemptions and their ids, as irr regime show --json lists them.
    const shown = json<{ threshold: { exemptions: { id: string; ref: string }[] } }>(irr(['regime', 'show', 'gdpr-art34', '--json']));
    expect(shown.threshold.exemptions.map((e) => e.id)).toEqual(['art34-3a', 'art34-3b']);
    // A law with no exemption can only be overridden.
    expect(refused(db, ['obligation', id, 'pci-card-brands', 'waived', '--reason', 'no cards'], 2)).toContain("pci-card-brands's law lists no exemption");

    // The DPO's call against the assessment, recorded as such.
    expect(ok(db, ['obligation', id, 'gdpr-art34', 'waived', '--override', '--reason', 'DPO: the bank data was already public'])).toContain('gdpr-art34 waived by override of the assessment');

    why = refused(db, ['close', id], 3);
    expect(why).not.toContain('gdpr-art34');
    const open = board(db, id).clocks.filter((c) => c.status === 'undetermined');
    expect(open.map((c) => c.id)).toEqual(expect.arrayContaining(['nis2-early-warning', 'nis2-notification']));
    for (const c of open) ok(db, ['obligation', id, c.id, 'not-applicable', '--reason', 'Not an important entity for this service (NIS2 Art 3)']);
    expect(ok(db, ['close', id])).toContain('closed');

    // Closed: the clocks no longer tick, even a year later; outcomes instead.
    const closed = board(db, id, '2027-03-02T00:00:00Z');
    expect(closed.closed).toBe(true);
    expect(closed.clocks.every((c) => c.remaining_ms === null)).toBe(true);
    expect(closed.clocks.find((c) => c.id === 'gdpr-art34')).toMatchObject({ status: 'waived', outcome: 'waived (override)', waiver: { override: true, valid: true } });
    expect(closed.clocks.find((c) => c.id === 'nis2-early-warning')).toMatchObject({ status: 'not_applicable', outcome: 'not applicable (decision)' });
    const text = ok(db, ['clocks', id, '--now', '2027-03-02T00:00:00Z']);
    expect(text).toContain('the clocks no longer run');
    expect(text).not.toMatch(/OVERDUE|LEFT/);
    expect(text).toMatch(/gdpr-art33\s+sent Tue 3 Mar 2026 09:00 UTC/); // local time, zone named; the year as --now is 2027

    // The console header says what became of the duties, not how long ago they were due.
    const answers = join(tempDir(), 'quit.yaml');
    writeFileSync(answers, '- quit\n');
    const header = ok(db, ['run', id, '--answers', answers]);
    expect(header).toContain(`clocks stopped (closed): 1 sent, 1 waived, ${open.length} not applicable`);
    expect(header).not.toContain('OVERDUE');

    // The reports show the override and the decisions.
    const timeline = ok(db, ['report', id, '--kind', 'timeline']);
    expect(timeline).toContain('obligation gdpr-art34 waived by OVERRIDE of the assessment');
    expect(timeline).toContain('obligation nis2-early-warning decided not applicable');
    const post = ok(db, ['report', id, '--kind', 'post-incident']);
    expect(post).toContain('waived by OVERRIDE of the assessment');
    expect(post).toContain('DPO: the bank data was already public');
    expect(post).toContain('not applicable (a recorded decision)');
    expect(post).toContain('(1 by override of the assessment)');
    const exec = ok(db, ['report', id, '--kind', 'executive']);
    expect(exec).toContain('1 waived (1 by override of the assessment)');
    expect(exec).toContain('**waived (override)**');
  });

  it('accepts a waiver under an exemption whose condition holds, and refuses to close once a fact contradicts it', () => {
    const facts = FACTS.map((f) => (f === 'unintelligible=false' ? 'unintelligible=true' : f));
    const { db, id } = incident(facts);
    expect(ok(db, ['obligation', id, 'gdpr-art34', 'waived', '--exemption', 'art34-3a', '--reason', 'Laptop disk encrypted (BitLocker, key in escrow)'])).toContain('gdpr-art34 waived under art34-3a');
    expect(board(db, id).clocks.find((c) => c.id === 'gdpr-art34')).toMatchObject({ status: 'waived', waiver: { exemption: 'art34-3a', override: false, valid: true } });
    // The forensic report finds the key was on a sticky note: the ground is gone.
    ok(db, ['fact', id, 'unintelligible=false']);
    const c = board(db, id).clocks.find((x) => x.id === 'gdpr-art34')!;
    expect(c.waiver).toMatchObject({ valid: false, why: 'exemption art34-3a no longer holds: unintelligible=false' });
    expect(c.status).not.toBe('waived');
    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-03T08:00:00Z' });
    ok(db, ['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--at', '2026-03-03T09:00:00Z']);
    toReview(db, id);
    expect(refused(db, ['close', id], 3)).toContain('obligation gdpr-art34 is waived without a valid ground: exemption art34-3a no longer holds: unintelligible=false');
    expect(ok(db, ['report', id, '--kind', 'post-incident'])).toContain('waiver without a valid ground:');
  });
});

describe(`urgency that is true (${backend.name})`, () => {
  it('orders by due time across required and undetermined duties: a 24-hour NIS2 early warning before a 60-day Texas clock', () => {
    const facts = [...FACTS.filter((f) => !f.startsWith('subjects_by_jurisdiction')), 'subjects_by_jurisdiction=DE:40000,US-TX:300', 'determined_at=2026-03-02T09:00:00Z'];
    const { db, id } = incident(facts);
    const b = board(db, id, '2026-03-02T12:00:00Z');
    const ids = b.clocks.map((c) => c.id);
    expect(b.clocks.find((c) => c.id === 'tx-521.053')).toMatchObject({ required: true, status: 'running' });
    expect(b.clocks.find((c) => c.id === 'nis2-early-warning')).toMatchObject({ required: 'unknown', status: 'undetermined' });
    expect(ids.indexOf('nis2-early-warning')).toBeLessThan(ids.indexOf('gdpr-art33'));
    expect(ids.indexOf('gdpr-art33')).toBeLessThan(ids.indexOf('tx-521.053'));
    // Every duty with a due instant that is still open comes first, soonest first.
    const open = b.clocks.filter((c) => c.due && !c.speculative && !['met', 'late', 'waived', 'not_applicable', 'not_required'].includes(c.status));
    expect(b.clocks.slice(0, open.length).map((c) => c.id)).toEqual(open.map((c) => c.id));
    const dues = open.map((c) => Date.parse(c.due!));
    expect(dues).toEqual([...dues].sort((x, y) => x - y));
    const text = ok(db, ['clocks', id, '--now', '2026-03-02T12:00:00Z']);
    expect(text.indexOf('nis2-early-warning')).toBeLessThan(text.indexOf('tx-521.053'));
    // The console header too: the clock due first comes first (here, at the wall clock, all overdue).
    const answers = join(tempDir(), 'quit.yaml');
    writeFileSync(answers, '- quit\n');
    const run = irr(['run', id, '--answers', answers], { db, env: { IRR_TZ: 'Europe/Paris' } });
    expect(run.code, run.stderr).toBe(0);
    const header = run.stdout.split('\n').filter((l) => l.startsWith('clock '));
    // In the responder's zone, named, with UTC beside it (as irr clocks shows it); the year as it is not this one's.
    expect(header[0]).toMatch(/^clock nis2-early-warning: OVERDUE by .* \(if required, due Tue 3 Mar( 2026)? 10:00 CET \(09:00 UTC\)\)/);
    expect(header[1]).toMatch(/^clock (gdpr-art33|gdpr-art34|nis2-notification): OVERDUE/);
    // The executive report lists the notices in the same order.
    const exec = ok(db, ['report', id, '--kind', 'executive', '--now', '2026-03-02T12:00:00Z']);
    expect(exec.indexOf('gdpr-art33 (authority')).toBeLessThan(exec.indexOf('tx-521.053 (individuals'));
  });

  it('does not headline a law whose deciding facts point away from it on a new incident: the facts to establish instead', () => {
    const db = database();
    const id = ok(db, ['open', '--playbook', 'misdirected-communication', '--title', 'New', '--at', '2026-01-01T08:00:00Z']).trim();
    ok(db, ['fact', id, 'detected_at=2026-01-01T08:00:00Z', 'aware_at=2026-01-01T09:00:00Z', '--at', '2026-01-01T09:00:00Z']);
    // 273 days later, nothing is known about the data: card brands must not be "OVERDUE (if required)".
    const now = '2026-10-01T08:00:00Z';
    const b = board(db, id, now);
    expect(b.clocks.find((c) => c.id === 'pci-card-brands')).toMatchObject({ required: 'unknown', speculative: true });
    expect(b.establish_first[0]).toEqual({ fact: 'subjects_by_jurisdiction', decides: expect.any(Number) });
    expect(b.establish_first.map((f) => f.fact)).toContain('data_categories');
    expect(b.establish_first.length).toBeLessThanOrEqual(3);
    const text = ok(db, ['clocks', id, '--now', now]);
    expect(text).not.toContain('OVERDUE');
    expect(text).toMatch(/establish subjects_by_jurisdiction first: it decides \d+ duties; then data_categories \(\d+\)/);
    // Leads are a count on a new incident, not a line each; --all lists them by jurisdiction.
    expect(text).not.toContain('pci-card-brands');
    expect(text).toMatch(/\d+ possible duties are leads until those facts are known \(irr clocks --all lists them/);
    expect(ok(db, ['clocks', id, '--now', now, '--all'])).toMatch(/^\s+INTL\s+1 \(pci-card-brands\): establish data_categories/m);
    // The console header likewise.
    const answers = join(tempDir(), 'quit.yaml');
    writeFileSync(answers, '- quit\n');
    const header = ok(db, ['run', id, '--answers', answers]);
    expect(header).not.toContain('pci-card-brands');
    expect(header).toMatch(/establish subjects_by_jurisdiction first: it decides \d+ duties/);
    // Once card data is known to be involved, it is a headline again, overdue.
    ok(db, ['fact', id, 'data_categories=payment_card']);
    const after = board(db, id, now).clocks;
    expect(after[0]).toMatchObject({ id: 'pci-card-brands', speculative: false, status: 'overdue' });
  });
});

describe(`the console Notifications screen (${backend.name})`, () => {
  it('offers a waiver only under the exemptions whose condition holds, or as an override', () => {
    const { db, id } = incident();
    const dir = tempDir();
    const run = (answers: string[]) => {
      const file = join(dir, `a-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, answers.map((a) => `- ${JSON.stringify(a)}`).join('\n') + '\n');
      return irr(['run', id, '--answers', file], { db });
    };
    // unintelligible=false: Art 34(3)(a) is shown as not holding, and not offered.
    const refusedChoice = run(['notifications', 'gdpr-art34', 'waived', 'exemption:art34-3a', 'x', 'back', 'quit']);
    expect(refusedChoice.code).toBe(2);
    expect(refusedChoice.stdout).toContain('exemption art34-3a (Art 34(3)(a)): does not hold: unintelligible=false');
    expect(refusedChoice.stderr).toContain('"exemption:art34-3a" is not one of the choices (override, back)');
    // Once the key is known to be safe, it is offered and recorded with its id.
    ok(db, ['fact', id, 'unintelligible=true']);
    const r = run(['notifications', 'gdpr-art34', 'waived', 'exemption:art34-3a', 'Disk encrypted, key in escrow', 'back', 'quit']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('saved: gdpr-art34 waived under art34-3a');
    const log = json<{ type: string; payload: Record<string, unknown> }[]>(irr(['log', id, '--json'], { db }));
    expect(log.filter((e) => e.type === 'obligation.recorded').map((e) => e.payload)).toEqual([{ obligation: 'gdpr-art34', action: 'waived', reason: 'Disk encrypted, key in escrow', exemption: 'art34-3a' }]);
  });
});
}

legalLifecycle(sqliteBackend);
if (pgAvailable(import.meta.filename, 6)) legalLifecycle(pgBackend);
