import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { killTmuxServer, Terminal } from './tty.js';

/**
 * Issue 15, SQLite side: four-eyes approval of notices to authorities and individuals, and a named
 * actor (never silently root). Through the real binary.
 */

interface Logged { type: string; actor: string; payload: Record<string, unknown> }
const log = (db: string, id: string) => json<Logged[]>(irr(['log', id, '--json'], { db }));
const count = (db: string, id: string) => log(db, id).length;

function incident(): { db: string; id: string } {
  const db = join(tempDir(), 'irr.db');
  const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips to the wrong team', '--at', '2026-03-02T09:00:00Z'], { db, env: { IRR_ACTOR: 'alice' } }).stdout.trim();
  expect(id).toMatch(/^INC-/);
  return { db, id };
}
const as = (actor: string) => ({ IRR_ACTOR: actor });

describe('four-eyes approval (gdpr-art33, a notice to an authority)', () => {
  it('refuses to record an unapproved notice as sent (exit 3), naming who may approve, and writes nothing', () => {
    const { db, id } = incident();
    expect(irr(['team', 'assign', id, 'dora', '--role', 'dpo'], { db, env: as('alice') }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db, env: as('alice') }).code).toBe(0);
    const n = count(db, id);
    const r = irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal'], { db, env: as('alice') });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('gdpr-art33 is drafted by alice and not approved');
    expect(r.stderr).toContain('who may approve: dora (dpo)');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(count(db, id)).toBe(n);
  });

  it('refuses self-approval, even by a holder of the approver role', () => {
    const { db, id } = incident();
    expect(irr(['team', 'assign', id, 'dora', '--role', 'dpo'], { db, env: as('alice') }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db, env: as('dora') }).code).toBe(0);
    const n = count(db, id);
    const r = irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('dora') });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('dora drafted gdpr-art33; a notice to an authority is approved by someone else (four eyes)');
    expect(count(db, id)).toBe(n);
    expect(irr(['obligation', id, 'gdpr-art33', 'sent'], { db, env: as('dora') }).code).toBe(3);
  });

  it('refuses approval by someone holding no approver role, naming who may (runbook approvers: dpo, legal)', () => {
    const { db, id } = incident();
    expect(irr(['team', 'assign', id, 'carl', '--role', 'communications'], { db, env: as('alice') }).code).toBe(0);
    expect(irr(['team', 'assign', id, 'lena', '--role', 'legal'], { db, env: as('alice') }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db, env: as('alice') }).code).toBe(0);
    const n = count(db, id);
    const r = irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('carl') });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('carl holds no approver role (dpo, legal)');
    expect(r.stderr).toContain('who may approve: lena (legal)');
    expect(count(db, id)).toBe(n);
    // Nobody named yet: the refusal says how to name one.
    const fresh = incident();
    expect(irr(['obligation', fresh.id, 'gdpr-art33', 'drafted'], { db: fresh.db, env: as('alice') }).code).toBe(0);
    const none = irr(['obligation', fresh.id, 'gdpr-art33', 'approved'], { db: fresh.db, env: as('bob') });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain(`nobody holds an approver role (dpo, legal) on ${fresh.id}: irr team assign ${fresh.id} <name> --role dpo|legal`);
  });

  it('records the notice as sent once an approver other than the drafter approved it; a new draft needs a new approval', () => {
    const { db, id } = incident();
    expect(irr(['team', 'assign', id, 'dora', '--role', 'dpo'], { db, env: as('alice') }).stdout).toContain('dora holds dpo');
    expect(irr(['team', 'assign', id, 'dora', '--role', 'dpo'], { db, env: as('alice') }).stdout).toContain('already holds dpo (nothing recorded)');
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db, env: as('alice') }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('dora') }).code).toBe(0);
    // Redrafted after approval: the approval no longer covers the text.
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db, env: as('alice') }).code).toBe(0);
    expect(irr(['obligation', id, 'gdpr-art33', 'sent'], { db, env: as('alice') }).code).toBe(3);
    expect(irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('dora') }).code).toBe(0);
    const sent = irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'BfDI-7'], { db, env: as('alice') });
    expect(sent.code, sent.stderr).toBe(0);
    const team = json<{ approver_roles: string[]; members: { member: string; roles: string[] }[]; approvers: string[] }>(irr(['team', 'show', id, '--json'], { db }));
    expect(team).toEqual({ ok: true, incident: id, approver_roles: ['dpo', 'legal'], members: [{ member: 'dora', roles: ['dpo'] }], approvers: ['dora'] });
    const assigned = log(db, id).filter((e) => e.type === 'team.assigned');
    expect(assigned).toEqual([expect.objectContaining({ actor: 'alice', payload: { member: 'dora', role: 'dpo' } })]);
    // The roster is in the hashed chain.
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('does not hold a notice to other parties (pci-card-brands goes to the card brands)', () => {
    const { db, id } = incident();
    const r = irr(['obligation', id, 'pci-card-brands', 'sent', '--channel', 'acquirer'], { db, env: as('alice') });
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses a role the runbook does not have (exit 2)', () => {
    const { db, id } = incident();
    const r = irr(['team', 'assign', id, 'dora', '--role', 'ceo'], { db, env: as('alice') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--role: runbook misdirected-communication has no role "ceo"');
  });
});

describe('a named actor', () => {
  it("runs the README's set-up as printed: it names the actor, and that name opens the incident", () => {
    const line = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('export IRR_ACTOR='));
    expect(line).toBeDefined();
    const actor = /^export IRR_ACTOR="([^"]+)";/.exec(line!)![1]!;
    const words = (cmd: string) => [...cmd.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const open = words(/id=\$\(npx irr ([^)]+)\)/.exec(line!)![1]!);
    const db = join(tempDir(), 'irr.db');
    const opened = irr(open, { db, env: { IRR_ACTOR: actor } });
    expect(opened.code, opened.stderr).toBe(0);
    const id = opened.stdout.trim();
    expect(line).toContain('&& npx irr status "$id"');
    expect(irr(['status', id], { db, env: { IRR_ACTOR: actor } }).code).toBe(0);
    expect(log(db, id)[0]).toMatchObject({ type: 'incident.opened', actor });
  });

  it('refuses a writing command by the root account without --as or IRR_ACTOR (exit 2), and records nothing', () => {
    const { db, id } = incident();
    const n = count(db, id);
    const r = irr(['note', id, 'hello'], { db, env: { IRR_ACTOR: '', USER: 'root' } });
    if (process.getuid?.() === 0) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('say who is acting: --as <name> or IRR_ACTOR');
      expect(count(db, id)).toBe(n);
      // Reading needs no actor; --as names one.
      expect(irr(['status', id], { db, env: { IRR_ACTOR: '' } }).code).toBe(0);
      expect(irr(['note', id, 'hello', '--as', 'alice'], { db, env: { IRR_ACTOR: '' } }).code).toBe(0);
    } else {
      // Not run as root here: a person's OS account is a fine default actor.
      expect(r.code, r.stderr).toBe(0);
    }
  });
});

const terminals: Terminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});
afterAll(killTmuxServer);

describe('the console asks who is acting', () => {
  it('asks on first use of a database, remembers the answer per database and shows it as the actor', async () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const config = join(dir, 'config');
    const { id } = { id: irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips', '--as', 'alice'], { db }).stdout.trim() };
    const env = { IRR_ACTOR: '', XDG_CONFIG_HOME: config };
    const t = new Terminal(['run', id], { db, env });
    terminals.push(t);
    await t.waitFor('Who is acting?');
    t.type('Dora Diaz');
    t.keys('Enter');
    await t.waitFor('acting as Dora Diaz');
    t.keys('C-c');
    await t.waitFor('[exit');
    const remembered = JSON.parse(readFileSync(join(config, 'irr', 'actors.json'), 'utf8')) as Record<string, string>;
    expect(remembered).toEqual({ [db]: 'Dora Diaz' });
    // Second use: no question, the remembered name is the actor.
    const again = new Terminal(['run', id], { db, env });
    terminals.push(again);
    const screen = await again.waitFor('acting as Dora Diaz');
    expect(screen).not.toContain('Who is acting?');
    again.keys('C-c');
    await again.waitFor('[exit');
    // Another database is another question.
    const other = join(dir, 'other.db');
    expect(existsSync(other)).toBe(false);
    const third = new Terminal(['run'], { db: other, env });
    terminals.push(third);
    await third.waitFor('Who is acting?');
  });
});
