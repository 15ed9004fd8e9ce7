import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The benchmark and the maintenance scripts are plain .mjs that no test runs in full (the bench takes
// minutes and asserts nothing). typescript-eslint parses `await` in a non-async function without
// complaint, so a syntax error there once went unnoticed: `node --check` is what Node itself says.
const ROOT = resolve(import.meta.dirname, '../..');
const scripts = [
  ...readdirSync(join(ROOT, 'test/bench')).filter((f) => f.endsWith('.mjs')).map((f) => join('test/bench', f)),
  ...readdirSync(join(ROOT, 'scripts')).filter((f) => f.endsWith('.mjs')).map((f) => join('scripts', f)),
];

describe('scripts Node runs directly', () => {
  it('finds the benchmark and the scripts', () => {
    expect(scripts).toContain(join('test/bench', 'run.mjs'));
  });
  it.each(scripts)('%s parses (node --check)', (file) => {
    // Throws (with Node's own message) when the file does not parse.
    expect(() => execFileSync(process.execPath, ['--check', join(ROOT, file)], { stdio: 'pipe' })).not.toThrow();
  });
});
