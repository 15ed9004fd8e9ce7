import { expect, it } from 'vitest';
import { irr, json } from '../helpers.js';
import type { Backend } from '../pg/backend.js';

/**
 * Four-eyes approval through the real binary, the same on both backends: on PostgreSQL each of
 * alice, dora, carl… connects as their own role. Registered by four-eyes.test.ts (SQLite) and
 * team-server.test.ts (PostgreSQL: in the file whose other tests make server approvers, so that
 * they run one after the other and never list an extra approver here).
 */
export interface Logged { type: string; actor: string; payload: Record<string, unknown> }
export const log = (db: string, id: string) => json<Logged[]>(irr(['log', id, '--json'], { db }));
export const count = (db: string, id: string) => log(db, id).length;

export function openIncident(backend: Backend): { db: string; id: string } {
  const db = backend.newDb();
  const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips to the wrong team', '--at', '2026-03-02T09:00:00Z'], { db, env: { IRR_ACTOR: 'alice' } }).stdout.trim();
  expect(id).toMatch(/^INC-/);
  return { db, id };
}
export const as = (actor: string) => ({ IRR_ACTOR: actor });

/** The same on both backends: on PostgreSQL each of alice, dora, carl… connects as their own role. */
export function fourEyes(backend: Backend): void {
  const incident = () => openIncident(backend);
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
}

