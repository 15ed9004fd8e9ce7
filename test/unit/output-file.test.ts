import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarText } from '../../src/cli/commands/clocks.js';
import { csvCell } from '../../src/cli/commands/letters.js';
import { checkOutput, placeThenRecord, StagedFile, sweepStale } from '../../src/cli/output-file.js';
import { tempDir } from '../helpers.js';

describe('rejects cells (OWASP CSV injection)', () => {
  it('prefixes every formula trigger with a quote and quotes the cell', () => {
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('+cmd')).toBe(`"'+cmd"`);
    expect(csvCell('-2')).toBe(`"'-2"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\tx')).toBe(`"'\tx"`);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
  });

  it('writes control characters as visible text, keeps the line breaks of an address', () => {
    expect(csvCell('a\u001b[31mb')).toBe('a\\x1b[31mb');
    expect(csvCell('\rcalc')).toBe('\\x0dcalc');
    expect(csvCell('1 Main St\r\nSpringfield')).toBe('"1 Main St\nSpringfield"');
    expect(csvCell('x\u0085y')).toBe('x\\x85y');
  });
});

describe('calendar text', () => {
  it('cannot carry a tag or a control character', () => {
    expect(calendarText('<b>x</b> <img src=x onerror=alert(1)>\u001b[31m')).toBe('‹b›x‹/b› ‹img src=x onerror=alert(1)› [31m');
  });
});

describe('output-file', () => {
  it('refuses a symbolic link and an existing file, and a guarded input by real path', () => {
    const dir = tempDir();
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'x');
    symlinkSync(file, join(dir, 'l.txt'));
    expect(() => checkOutput({ flag: '--out', path: join(dir, 'l.txt'), force: true, guard: [] })).toThrow(/symbolic link/);
    expect(() => checkOutput({ flag: '--out', path: file, guard: [] })).toThrow(/already exists; give --force/);
    mkdirSync(join(dir, 'sub'));
    expect(() => checkOutput({ flag: '--out', path: join(dir, 'sub', '..', 'a.txt'), force: true, guard: [{ flag: '--recipients', path: file }] })).toThrow(/is the --recipients input/);
    expect(checkOutput({ flag: '--out', path: file, force: true, guard: [] }).force).toBe(true);
  });

  it('stages in a 0600 temporary that an abort removes; sweeps only temporaries of dead processes', async () => {
    const dir = tempDir();
    const t = checkOutput({ flag: '--out', path: join(dir, 'o.txt'), guard: [] });
    const f = StagedFile.open(t);
    f.write('secret');
    const [tmp] = readdirSync(dir);
    expect(tmp).toMatch(new RegExp(`^\\.irr-${process.pid}-[0-9a-f]{12}\\.tmp$`));
    expect(lstatSync(join(dir, tmp!)).mode & 0o777).toBe(0o600);
    f.abort();
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, '.irr-999999999-0123456789ab.tmp'), 'x'); // no such pid
    writeFileSync(join(dir, `.irr-${process.pid}-0123456789ab.tmp`), 'x'); // this process: alive
    writeFileSync(join(dir, 'keep.tmp'), 'x'); // not irr's
    expect(sweepStale(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([`.irr-${process.pid}-0123456789ab.tmp`, 'keep.tmp']);
    const g = StagedFile.open(checkOutput({ flag: '--out', path: join(dir, 'p.txt'), guard: [] }));
    g.write('letter');
    const placed = await g.place();
    expect(placed.size).toBe(6);
    placed.undo();
    expect(readdirSync(dir).includes('p.txt')).toBe(false);
  });

  it('a record that fails takes the file back: a new file goes, a file replaced with --force comes back', async () => {
    const dir = tempDir();
    const fresh = StagedFile.open(checkOutput({ flag: '--out', path: join(dir, 'new.md'), guard: [] }));
    fresh.write('new letter');
    await expect(placeThenRecord(fresh, () => Promise.reject(new Error('database locked')))).rejects.toThrow('database locked');
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, 'old.md'), 'the earlier letter');
    const forced = StagedFile.open(checkOutput({ flag: '--out', path: join(dir, 'old.md'), force: true, guard: [] }));
    forced.write('its replacement');
    await expect(placeThenRecord(forced, () => { throw new Error('refused'); })).rejects.toThrow('refused');
    expect(readFileSync(join(dir, 'old.md'), 'utf8')).toBe('the earlier letter');
    expect(readdirSync(dir)).toEqual(['old.md']);
    const ok = StagedFile.open(checkOutput({ flag: '--out', path: join(dir, 'old.md'), force: true, guard: [] }));
    ok.write('its replacement');
    const { recorded } = await placeThenRecord(ok, () => 12);
    expect(recorded).toBe(12);
    expect(readFileSync(join(dir, 'old.md'), 'utf8')).toBe('its replacement');
    expect(readdirSync(dir)).toEqual(['old.md']);
  });
});
