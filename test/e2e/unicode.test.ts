import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/** Issue 10, defect 7, through the real binary: a drill script whose `as:` holds a lone surrogate. */
/** On both backends (issue 15), one database per backend (the refused run writes nothing to it). */
function unicodeText(backend: Backend): void {
  const database = sharedDb(backend);
describe(`text that is not well-formed Unicode (${backend.name})`, () => {
  it('a drill script with as: "lead \\ud800" is refused (exit 2, file, line and field named) before anything is written', () => {
    const dir = tempDir();
    const original = readFileSync(join(ROOT, 'playbooks/drills/scripts/exposed-bucket-cards.meets-all.yaml'), 'utf8');
    const file = join(dir, 'bad.script.yaml');
    writeFileSync(file, original.replace('as: incident_lead', 'as: "lead \\ud800"'));
    const db = database();
    const before = backend.name === 'sqlite' ? 0 : backend.eventCount(db);
    const r = irr(['drill', 'run', 'exposed-bucket-cards', '--script', file], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/:\d+:\d+: .*as: is not well-formed Unicode \(a lone surrogate\)/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    // Nothing written: on SQLite not even the file is made; on a server no event is added.
    if (backend.name === 'sqlite') expect(existsSync(db)).toBe(false);
    else expect(backend.eventCount(db)).toBe(before);
  });

  it('the same script with a well-formed name (an astral character included) runs and verifies', () => {
    const dir = tempDir();
    const original = readFileSync(join(ROOT, 'playbooks/drills/scripts/exposed-bucket-cards.meets-all.yaml'), 'utf8');
    const file = join(dir, 'good.script.yaml');
    writeFileSync(file, original.replace('as: incident_lead', 'as: "lead \\ud83d\\ude80 Zoë"'));
    const db = database();
    const r = irr(['drill', 'run', 'exposed-bucket-cards', '--script', file, '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const v = irr(['verify'], { db });
    expect(v.code, v.stderr).toBe(0);
    expect(irr(['log', JSON.parse(r.stdout).incident ?? 'DRL-2026-0001'], { db }).stdout).toContain('lead 🚀 Zoë');
  });
});
}

unicodeText(sqliteBackend);
if (pgAvailable(import.meta.filename, 2)) unicodeText(pgBackend);
