import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { irr, json, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { ok, openIncident } from './signing-helpers.js';

/** Issue 13 part 3: evidence with chain of custody, through the real binary. */

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * On both backends (issue 15). One database per backend: each test opens its own incident; the
 * "nothing written" counts are taken before and after within one test (tests of a file run in turn).
 */
function evidenceFlows(backend: Backend): void {
  const database = sharedDb(backend);
describe(`evidence (${backend.name})`, () => {
  it('added, transferred, then altered on disk: evidence verify reports it (exit 5); a missing file too', () => {
    const root = tempDir();
    const db = database();
    const id = openIncident(db);
    const file = join(root, 'firewall.log');
    writeFileSync(file, 'deny 10.0.0.7 -> 203.0.113.9\n');
    const added = json<{ evidence: { id: string; sha256: string; size: number; path: string; name: string } }>(
      irr(['evidence', 'add', id, file, '--description', 'firewall log exported at 09:10', '--json'], { db }),
    );
    expect(added.evidence).toMatchObject({ name: 'firewall.log', path: file, size: 29, sha256: sha(readFileSync(file)) });
    const evId = added.evidence.id;
    expect(evId).toMatch(/^EV-\d+$/);
    ok(irr(['evidence', 'transfer', id, evId, '--to', 'outside counsel', '--reason', 'privileged review'], { db }));
    const listed = json<{ id: string; custodian: string; custody: { from: string; to: string; reason: string }[] }[]>(irr(['evidence', 'list', id, '--json'], { db }));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: evId, custodian: 'outside counsel', custody: [{ from: 'tester', to: 'outside counsel', reason: 'privileged review' }] });
    expect(ok(irr(['evidence', 'verify', id], { db })).stdout).toMatch(new RegExp(`^ok ${evId} firewall.log: sha256 ${added.evidence.sha256}`));
    appendFileSync(file, 'deny 10.0.0.8 -> 203.0.113.9\n');
    const changed = irr(['evidence', 'verify', id], { db });
    expect(changed.code).toBe(5);
    expect(changed.stdout).toMatch(new RegExp(`^CHANGED ${evId} firewall.log: .* now has sha256 ${sha(readFileSync(file))} \\(58 bytes\\); recorded ${added.evidence.sha256}`));
    expect(changed.stderr).toMatch(new RegExp(`^irr: evidence of ${id}: ${evId} changed`));
    rmSync(file);
    const missing = irr(['evidence', 'verify', id], { db });
    expect(missing.code).toBe(5);
    expect(missing.stdout).toMatch(new RegExp(`^MISSING ${evId} firewall.log: .* \\(ENOENT\\)`));
    // The log itself is intact: evidence is checked against it, not the other way round.
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('--copy copies into the evidence folder (mode 0600), records the copy, and never clobbers without --force', () => {
    const root = tempDir();
    const db = database();
    const id = openIncident(db);
    const file = join(root, 'mail.eml');
    writeFileSync(file, 'From: attacker@example.org\n\nclick here\n');
    const folder = join(root, 'evidence');
    const r = json<{ evidence: { path: string; copied_from: string; sha256: string } }>(irr(['evidence', 'add', id, file, '--description', 'phishing mail', '--copy', folder, '--json'], { db }));
    expect(r.evidence.path).toBe(join(folder, 'mail.eml'));
    expect(r.evidence.copied_from).toBe(file);
    expect(statSync(r.evidence.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(r.evidence.path, 'utf8')).toBe(readFileSync(file, 'utf8'));
    const events = backend.eventCount(db);
    const again = irr(['evidence', 'add', id, file, '--description', 'again', '--copy', folder], { db });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^irr: --copy: .*mail\.eml already exists; give --force/);
    expect(backend.eventCount(db)).toBe(events);
    ok(irr(['evidence', 'add', id, file, '--description', 'again', '--copy', folder, '--force'], { db }));
    expect(backend.eventCount(db)).toBe(events + 1);
    // The copy is checked, not the original: changing the original changes nothing.
    appendFileSync(file, 'more\n');
    expect(irr(['evidence', 'verify', id], { db }).code).toBe(0);
  });

  it('a large file is hashed streaming; its size and hash are exact', () => {
    const root = tempDir();
    const db = database();
    const id = openIncident(db);
    const file = join(root, 'disk.img');
    const chunk = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 24; i++) appendFileSync(file, chunk);
    const r = json<{ evidence: { size: number; sha256: string } }>(irr(['evidence', 'add', id, file, '--description', 'disk image', '--json'], { db }));
    expect(r.evidence.size).toBe(24 << 20);
    expect(r.evidence.sha256).toBe(sha(readFileSync(file)));
  });

  it('bad input: no description, no such file, unknown evidence id — one line, exit 2, nothing written', () => {
    const root = tempDir();
    const db = database();
    const id = openIncident(db);
    const file = join(root, 'a.txt');
    writeFileSync(file, 'a');
    const events = backend.eventCount(db);
    const cases: [string[], RegExp][] = [
      [['evidence', 'add', id, file], /^irr: --description: say what the file is/],
      [['evidence', 'add', id, join(root, 'nope'), '--description', 'x'], /^irr: <file>: cannot read .*nope \(ENOENT\)/],
      [['evidence', 'add', id, root, '--description', 'x'], /^irr: <file>: .* is not a regular file/],
      [['evidence', 'transfer', id, 'EV-99', '--to', 'x', '--reason', 'y'], /^irr: <evidence-id>: no evidence EV-99/],
      [['evidence', 'transfer', id, 'EV-99', '--reason', 'y'], /^irr: --to: name who takes the evidence/],
    ];
    for (const [args, msg] of cases) {
      const r = irr(args, { db });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(backend.eventCount(db)).toBe(events);
  });

  it('evidence appears in the timeline and the timeline report by id and hash', () => {
    const root = tempDir();
    const db = database();
    const id = openIncident(db);
    const file = join(root, 'proxy.log');
    writeFileSync(file, 'GET /exfil\n');
    const digest = sha(readFileSync(file));
    const evId = json<{ evidence: { id: string } }>(irr(['evidence', 'add', id, file, '--description', 'proxy log', '--json'], { db })).evidence.id;
    ok(irr(['evidence', 'transfer', id, evId, '--to', 'forensics lab', '--reason', 'imaging'], { db }));
    const log = ok(irr(['log', id], { db })).stdout;
    expect(log).toContain(`evidence ${evId} added: proxy.log (11 bytes, sha256 ${digest}) — proxy log`);
    expect(log).toContain(`evidence ${evId} handed from tester to forensics lab — reason: imaging`);
    const report = ok(irr(['report', id, '--kind', 'timeline'], { db })).stdout;
    expect(report).toContain('## Evidence');
    expect(report).toMatch(new RegExp(`\\| \`${evId}\` \\| proxy\\.log \\| 11 \\| \`${digest}\` \\| proxy log \\| tester, .* \\| forensics lab \\|`));
  });
});
}

evidenceFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 5)) evidenceFlows(pgBackend);
