import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { choose, killTmuxServer, Terminal } from './tty.js';

/**
 * Issue 14, the console side, in a real terminal (tmux): Esc goes back, screens re-check what
 * changed, screens fit the terminal.
 */

const terminals: Terminal[] = [];
const term = (...args: ConstructorParameters<typeof Terminal>) => {
  const t = new Terminal(...args);
  terminals.push(t);
  return t;
};
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});
afterAll(killTmuxServer);

interface Status {
  phase: string;
  facts: Record<string, unknown>;
  steps: { id: string; status: string; by: string | null }[];
}
const status = (db: string, id: string) => json<Status>(irr(['status', id, '--json'], { db }));
const events = (db: string, id: string) => json<{ type: string }[]>(irr(['log', id, '--json'], { db }));

function openMini(dir: string, db: string): string {
  const file = join(dir, 'runbook.yaml');
  writeFileSync(file, readFileSync(join(ROOT, 'test/fixtures/runbooks/mini.yaml'), 'utf8'));
  const r = irr(['open', '--playbook', file, '--title', 'Console test'], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('Esc in the console', () => {
  it('goes back one screen from a question and from a menu, and stores nothing', async () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const id = openMini(dir, db);
    const before = events(db, id).length;
    const t = term(['run', id], { db });
    let screen = await t.waitFor('What next?');
    expect(screen).toContain('esc back');
    await choose(t, 'Triage the alert');
    await t.waitFor('triage: what now?');
    await choose(t, 'Skip, with a reason');
    await t.waitFor('Why skip triage?');
    t.type('half a reas');
    t.keys('Escape');
    screen = await t.waitFor('back: nothing from that question was saved');
    expect(screen).toContain('triage: what now?');
    t.keys('Escape');
    screen = await t.waitFor(/What next\? \(\d+ open steps? in detection\)/);
    expect(screen).not.toContain('triage: what now?');
    expect(status(db, id).steps.find((s) => s.id === 'triage')!.status).toBe('pending');
    expect(events(db, id).length).toBe(before);
  });
});
