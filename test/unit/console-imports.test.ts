import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/**
 * The console shows what the commands show through cli/present/, never by importing a command
 * module for its display functions (issue 14: that made two import cycles). Its one remaining use
 * of a command module is the lazy import of commands/letter.ts to write a notice.
 */
describe('the console and cli/present import no command module statically', () => {
  it('no `import … from "../commands/…"` at the top of src/cli/console/*.ts or src/cli/present/*.ts', () => {
    const offenders: string[] = [];
    for (const dir of ['src/cli/console', 'src/cli/present']) {
      for (const f of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.ts'))) {
        const text = readFileSync(join(ROOT, dir, f), 'utf8');
        for (const m of text.matchAll(/^import [^;]*from '(\.\.\/commands\/[^']+)';$/gm)) offenders.push(`${dir}/${f}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
