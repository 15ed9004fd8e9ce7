import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, irr, launchTheBinary, ROOT, tempDir } from '../helpers.js';

// The README's commands as a reader types them: each a launch of the installed command.
launchTheBinary();

/**
 * The README's five-minute walkthrough, run as printed (issue 14, problem 10): every `$ ` line of
 * its shell blocks, from the walkthrough's marker to "## Tabletop drills", in one fresh folder
 * where the set-up's incident was opened first (the walkthrough keeps a database of its own),
 * through bash, with `npx irr` running this build's binary. What the README prints under a command is compared with what the command printed: each shown line in
 * order, `…` standing for text left out (inside a line: any text; a line of its own: any lines).
 * A block that leaves nothing out must be the whole output. A shown line starting `irr:` is an
 * error the command must fail with; any other command must succeed. The README sets `IRR_NOW`
 * itself, so it prints the same on any day it is read.
 */

interface Command {
  readonly line: number;
  readonly text: string;
  readonly shown: string[];
}

const README = join(ROOT, 'README.md');
const FROM = '<!-- walkthrough:';
const TO = '## Tabletop drills';

/** The `$ ` commands of every ```sh block between the marker and the next section, with what is shown under each. */
export function walkthroughCommands(readme: string): Command[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith(FROM));
  const end = lines.findIndex((l, i) => i > start && l.startsWith(TO));
  if (start < 0 || end < 0) throw new Error(`README.md: no walkthrough between "${FROM}" and "${TO}"`);
  const commands: Command[] = [];
  let inBlock = false;
  let current: Command | undefined;
  for (let i = start; i < end; i++) {
    const l = lines[i]!;
    if (!inBlock) {
      inBlock = l.trim() === '```sh';
      current = undefined;
      continue;
    }
    if (l.trim() === '```') {
      inBlock = false;
      continue;
    }
    if (l.startsWith('$ ')) {
      const line = i + 1;
      let text = l.slice(2);
      while (text.endsWith('\\')) text = `${text}\n${lines[++i]!}`;
      const here = /<<'?(\w+)'?/.exec(text);
      if (here) {
        const body: string[] = [];
        while (lines[++i]!.trim() !== here[1]) body.push(lines[i]!);
        text = `${text}\n${body.join('\n')}\n${here[1]}`;
      }
      current = { line, text, shown: [] };
      commands.push(current);
    } else if (current) {
      current.shown.push(l);
    }
    // A block without `$ ` lines shows commands that are not part of the walkthrough's run.
  }
  return commands;
}

const ELLIPSIS = '…';
const pattern = (shown: string) => new RegExp(`^${shown.split(ELLIPSIS).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** The first lines of what was printed, for a failure message (the transcript file has it all). */
const head = (printed: readonly string[]) => [...printed.slice(0, 12), ...(printed.length > 12 ? [`(${printed.length - 12} more lines)`] : [])].join('\n');

/** Where the shown lines fail to match the printed ones, or null when they match. */
export function mismatch(shown: readonly string[], printed: readonly string[]): string | null {
  const wanted = shown.filter((l) => l.trim() !== ELLIPSIS);
  const partial = wanted.length !== shown.length || shown.some((l) => l.includes(ELLIPSIS));
  if (!partial) {
    return wanted.join('\n') === printed.join('\n') ? null : `expected exactly:\n${wanted.join('\n')}\nprinted:\n${head(printed)}`;
  }
  let at = 0;
  for (const want of wanted) {
    const re = pattern(want);
    const from = at;
    while (at < printed.length && !re.test(printed[at]!)) at++;
    if (at === printed.length) return `not printed (in this order): ${want}\nprinted from there:\n${head(printed.slice(from))}`;
    at++;
  }
  return null;
}

/** `npx irr …` as a reader types it, running this build: a shim named npx first on PATH. */
function shimDir(): string {
  const dir = tempDir('irr-npx-');
  const npx = join(dir, 'npx');
  writeFileSync(npx, `#!/bin/sh\n[ "$1" = irr ] || { echo "npx shim: only irr" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(npx, 0o755);
  return dir;
}

/** The set-up's `export IRR_ACTOR=…`: the walkthrough continues in the shell the set-up left. */
function setUpActor(readme: string): string {
  const m = /^export IRR_ACTOR="([^"]+)"/m.exec(readme);
  if (!m) throw new Error('README.md: the set-up exports no IRR_ACTOR');
  return m[1]!;
}

const NOTICE = /^irr: IRR_NOW is set: /;

describe("the README's walkthrough", () => {
  it('runs as printed on a fresh database and prints what the README shows', { timeout: 300_000 }, () => {
    const readme = readFileSync(README, 'utf8');
    const commands = walkthroughCommands(readme);
    expect(commands.length).toBeGreaterThan(30);
    const cwd = tempDir('irr-walkthrough-');
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const name of ['IRR_DEBUG', 'IRR_DB', 'IRR_NOW', 'IRR_TZ', 'IRR_BACKDATE_DAYS', 'CI', 'FORCE_COLOR', 'NO_COLOR']) delete env[name];
    env.IRR_ACTOR = setUpActor(readme);
    env.PATH = `${shimDir()}:${env.PATH}`;
    // The set-up opened an incident in ./irr.db first, as a reader's folder would have it.
    const setUp = /\$\((npx irr open [^)]*)\)/.exec(readme)?.[1];
    expect(setUp, 'README.md: the set-up opens an incident').toBeDefined();
    const opened = spawnSync('bash', ['-c', setUp!], { cwd, env, encoding: 'utf8' });
    expect(opened.status, opened.stderr).toBe(0);
    const exports: string[] = [];
    const failures: string[] = [];
    const transcript: string[] = [];
    for (const c of commands) {
      const r = spawnSync('bash', ['-c', [...exports, c.text].join('\n')], { cwd, env, encoding: 'utf8' });
      if (/^export /.test(c.text)) exports.push(c.text);
      const stderr = r.stderr.split('\n').filter((l) => l !== '' && !NOTICE.test(l));
      const stdout = r.stdout.replace(/\n$/, '').split('\n').filter((l, i, all) => all.length > 1 || l !== '');
      transcript.push(`$ ${c.text}`, `(exit ${r.status})`, ...stdout, ...stderr.map((l) => `stderr: ${l}`), '');
      const error = c.shown.some((l) => l.startsWith('irr:'));
      const where = `README.md:${c.line}: $ ${c.text.split('\n')[0]}`;
      if (error) {
        if (r.status === 0) failures.push(`${where}\n  shown failing, but exited 0`);
        const wrong = mismatch(c.shown, stderr);
        if (wrong) failures.push(`${where}\n  ${wrong}`);
      } else {
        if (r.status !== 0) failures.push(`${where}\n  exited ${r.status}: ${stderr.join('\n')}`);
        const wrong = c.shown.length ? mismatch(c.shown, stdout) : null;
        if (wrong) failures.push(`${where}\n  ${wrong}`);
      }
    }
    const file = join(cwd, 'transcript.txt');
    writeFileSync(file, transcript.join('\n'));
    expect(failures.length ? `${failures.join('\n\n')}\n\n(everything printed: ${file})` : '').toBe('');
  });
});

describe('how the walkthrough is read and compared', () => {
  it('takes `$ ` lines with their continuation lines and here-documents, and the lines shown under each; a block without `$ ` is not run', () => {
    const md = [FROM, '```sh', '$ npx irr fact 1 a=b \\', '    c=d', 'INC: recorded', '$ cat > x.csv <<\'EOF\'', 'h', 'EOF', '```', '```sh', 'npx irr close 1', '```', TO].join('\n');
    expect(walkthroughCommands(md)).toEqual([
      { line: 3, text: 'npx irr fact 1 a=b \\\n    c=d', shown: ['INC: recorded'] },
      { line: 6, text: "cat > x.csv <<'EOF'\nh\nEOF", shown: [] },
    ]);
  });

  it('compares shown lines in order, … standing for what is left out; without … the output must be exactly what is shown', () => {
    expect(mismatch(['a', 'c…'], ['a', 'b', 'c d'])).toBeNull();
    expect(mismatch(['a', '…', 'c'], ['a', 'b', 'c'])).toBeNull();
    expect(mismatch(['c', 'a', '…'], ['a', 'b', 'c'])).toMatch(/not printed \(in this order\): a/);
    expect(mismatch(['a'], ['a', 'b'])).toMatch(/expected exactly/);
    expect(mismatch(['(seq 7)'], ['(seq 8)'])).toMatch(/expected exactly/);
  });
});

describe('IRR_NOW, the stopped clock the walkthrough runs on', () => {
  it('reads that instant as now, and says so on stderr at every command', () => {
    const db = join(tempDir(), 'irr.db');
    const env = { IRR_NOW: '2026-03-02T12:00:00+01:00', IRR_TZ: 'Europe/Paris' };
    const opened = irr(['open', '--playbook', 'lost-stolen-device', '--title', 'Stopped clock', '--json'], { db, env });
    expect(opened.code, opened.stderr).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ ok: true, id: 'INC-2026-0001', at: '2026-03-02T11:00:00.000Z' });
    expect(opened.stderr).toBe('irr: IRR_NOW is set: the clock is stopped at 2026-03-02T11:00:00.000Z (a rehearsal; unset IRR_NOW for a real incident)\n');
    const log = irr(['log', 'INC-2026-0001', '--json'], { db, env });
    expect(JSON.parse(log.stdout)[0]).toMatchObject({ at: '2026-03-02T11:00:00.000Z', recorded_at: '2026-03-02T11:00:00.000Z' });
  });

  it('refuses a value that is not an instant with offset (exit 2, one line, nothing written)', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const r = irr(['open', '--playbook', 'lost-stolen-device', '--title', 'x'], { db, env: { IRR_NOW: 'yesterday noon' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('irr: IRR_NOW: "yesterday noon" is not an ISO 8601 date-time with offset (e.g. 2026-03-01T09:30:00+01:00); unset IRR_NOW to use this machine\'s clock\n');
    expect(existsSync(db)).toBe(false);
  });
});
