import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, escapeXml } from '../../src/render/escape.js';

const md = new MarkdownIt({ html: false });

/** Strings rich in the characters that make Markdown structure, lines and indentation included. */
const hostile = fc.string({ unit: fc.constantFrom(...'#>-+=*_`[]()!<>|~\\&:;.1) \n\tabcXYZ0/@"\''.split('')), maxLength: 60 });

function inlineTokens(value: string) {
  // As a template places it: inside a paragraph, and at the start of a line, and in a list item.
  return ['Text: ', '', '- item: '].map((prefix) => md.parse(`${prefix}${escapeMarkdown(value)}\n`, {}));
}

describe('escapeMarkdown', () => {
  it('never lets a value create structure: only a paragraph (or the template\u2019s own list item) with text and line breaks', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        for (const tokens of inlineTokens(value)) {
          const blocks = tokens.filter((t) => t.type !== 'inline').map((t) => t.type);
          const allowed = new Set(['paragraph_open', 'paragraph_close', 'bullet_list_open', 'bullet_list_close', 'list_item_open', 'list_item_close']);
          expect(blocks.filter((b) => !allowed.has(b)), JSON.stringify(value)).toEqual([]);
          expect(blocks.filter((b) => b === 'list_item_open').length).toBeLessThanOrEqual(1);
          const inline = tokens.flatMap((t) => t.children ?? []).map((c) => c.type);
          expect(inline.filter((c) => c !== 'text' && c !== 'softbreak' && c !== 'hardbreak'), JSON.stringify(value)).toEqual([]);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the visible text: what a reader sees is the value, whitespace aside', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const tokens = md.parse(`${escapeMarkdown(value)}\n`, {});
        const seen = tokens.flatMap((t) => t.children ?? []).map((c) => (c.type === 'text' ? c.content : ' ')).join('');
        expect(seen.replace(/\s+/g, ' ').trim(), JSON.stringify(value)).toBe(value.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 3000 },
    );
  });

  it('no table from a pipe over a delimiter row (found by the property above: "|\n:-")', () => {
    for (const value of ['|\n:-', 'a | b\n:-- | --:', '|x|\n:-:']) {
      for (const tokens of inlineTokens(value)) expect(tokens.map((t) => t.type).filter((t) => t.startsWith('table')), JSON.stringify(value)).toEqual([]);
    }
  });

  it('leaves ordinary text readable', () => {
    expect(escapeMarkdown('Jane Roe, DPO, dpo@example.com, +49 30 1234567 (office)')).toBe('Jane Roe, DPO, dpo@example.com, +49 30 1234567 (office)');
    expect(escapeMarkdown('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdown('[x](javascript:alert(1))')).toBe('\\[x\\](javascript:alert(1))');
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
