import { describe, expect, it } from 'vitest';
import { cliMessage, InvalidInput, type IrrError } from '../../src/domain/errors.js';
import { checkText, snippet, stripBom, visible } from '../../src/domain/text.js';
import { parseFactArgs } from '../../src/engine/decide.js';
import { CORE_FACTS } from '../../src/domain/facts.js';

/** Issue 10: errors carry the field they concern; user text in a message is always made visible. */

function thrown(fn: () => unknown): IrrError {
  try {
    fn();
  } catch (err) {
    return err as IrrError;
  }
  throw new Error('did not throw');
}

describe('errors as data', () => {
  it('the engine names the input in the field, not in the message; the CLI puts the flag first', () => {
    const e = thrown(() => checkText('--reason', 'two\nlines'));
    expect(e).toBeInstanceOf(InvalidInput);
    expect(e.field).toEqual({ flag: '--reason' });
    expect(e.message).toBe('contains control characters or line breaks; write plain text');
    expect(cliMessage(e)).toBe('--reason: contains control characters or line breaks; write plain text');
  });

  it('an old call site without a field still compiles and prints as before', () => {
    const e = new InvalidInput('--title: the incident needs a title');
    expect(e.field).toBeUndefined();
    expect(e.details).toEqual([]);
    expect(cliMessage(e)).toBe('--title: the incident needs a title');
    expect(cliMessage(new InvalidInput('--title: x', [], { flag: '--title' }))).toBe('--title: x');
  });

  it('a fact argument quoting hostile text stays one line, escaped and short', () => {
    const e = thrown(() => parseFactArgs(CORE_FACTS, [`\u001b[31m${'k'.repeat(200)}\nnext=1`]));
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.message).toContain('unknown fact "\\x1b[31mkkkk');
    expect(e.message.length).toBeLessThan(200);
  });
});

describe('visible()', () => {
  it('shows every control, line break, bidi override and line separator as an escape', () => {
    expect(visible('a\u001b[2Jb\nc\td\re\u0000f\u009bg\u202eh\u2028i\u007f')).toBe('a\\x1b[2Jb\\nc\\td\\re\\x00f\\x9bg\\u202eh\\u2028i\\x7f');
    expect(visible('plain — ünïcödé ✓')).toBe('plain — ünïcödé ✓');
    expect(snippet('x'.repeat(100))).toBe(`${'x'.repeat(40)}…`);
    expect(stripBom('\ufeffid: x')).toBe('id: x');
  });
});
