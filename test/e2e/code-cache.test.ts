// The command runs the bundled CLI with the V8 code cache the build wrote (bin/irr.cjs,
// scripts/bundle.mjs). The cache only saves compiling: a cache that is stale, damaged or absent
// must give the same answers, and the build's own cache must be the one this Node accepts.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, installCopy, irr, irrIn, ROOT } from '../helpers.js';

const run = (dir: string, args: readonly string[], db: string) => irrIn(dir, args, { db, env: { IRR_CODE_CACHE_REPORT: '1' } });

describe('the package\'s command', () => {
  it('runs as a program, as npx and a shell run it: package.json names it, it is executable and starts with #!/usr/bin/env node', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { irr: string } };
    const bin = join(ROOT, pkg.bin.irr);
    expect(bin).toBe(BIN);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });
});

describe('the code cache', () => {
  it('is written by the build and accepted by this Node', () => {
    const r = irr(['--version'], { env: { IRR_CODE_CACHE_REPORT: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
    expect(r.stderr).toBe('irr: code cache used\n');
  });

  it('stale, damaged or absent, changes nothing but the compiling', () => {
    const dir = installCopy();
    const db = join(dir, 'irr.db');
    const opened = run(dir, ['open', '--playbook', 'ransomware-exfiltration', '--title', 'Cache test'], db);
    expect(opened.code).toBe(0);
    expect(opened.stderr).toBe('irr: code cache used\n');
    const id = opened.stdout.trim();
    const reads = [['status', id, '--json'], ['clocks', id, '--json', '--now', '2026-12-01T09:00:00Z'], ['log', id, '--json']];
    const expected = reads.map((args) => run(dir, args, db));
    for (const r of expected) expect(r.code).toBe(0);
    const bundle = join(dir, 'dist', 'bundle', 'irr.cjs');
    const cache = `${bundle}.cache`;
    const good = readFileSync(cache);
    const header = good.subarray(0, good.indexOf(10) + 1);

    // Damaged after its stamp: V8 refuses the data.
    writeFileSync(cache, Buffer.concat([header, Buffer.alloc(good.length - header.length, 0x5a)]));
    for (const [i, args] of reads.entries()) {
      const r = run(dir, args, db);
      expect(r.stderr).toBe('irr: code cache rejected\n');
      expect(r.stdout).toBe(expected[i]!.stdout);
    }

    // The bundle changed after the cache was written (here: a comment added): the stamp differs.
    writeFileSync(cache, good);
    appendFileSync(bundle, '// edited\n');
    for (const [i, args] of reads.entries()) {
      const r = run(dir, args, db);
      expect(r.stderr).toBe('irr: code cache stale\n');
      expect(r.stdout).toBe(expected[i]!.stdout);
    }

    rmSync(cache);
    for (const [i, args] of reads.entries()) {
      const r = run(dir, args, db);
      expect(r.stderr).toBe('irr: code cache absent\n');
      expect(r.stdout).toBe(expected[i]!.stdout);
    }

    // No bundle at all: the one-line message of an unbuilt install, exit 1.
    rmSync(bundle);
    const gone = run(dir, ['status', id], db);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toBe('irr: cannot load the compiled CLI (ENOENT); run "npm install" in the irr folder\n');
  });
});
