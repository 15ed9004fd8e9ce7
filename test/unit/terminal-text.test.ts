import { describe, expect, it } from 'vitest';
import { reflow, truncate, visibleLength, wrap } from '../../src/render/terminal-text.js';

describe('text on a terminal', () => {
  it('measures display width: wide characters take two columns, colour codes none', () => {
    expect(visibleLength('\u001b[31mabc\u001b[39m')).toBe(3);
    expect(visibleLength('東京')).toBe(4);
    expect(truncate('東京都庁舎', 6)).toBe('東京…');
  });

  it('reflows a pre-wrapped narrative into paragraphs, wrapped at words to the width', () => {
    const text = 'Monday morning at a retailer in Frankfurt. Shortly after 08:00 the\nendpoint detection system raises alerts.\n\nSecond paragraph\nhere.';
    expect(reflow(text)).toEqual(['Monday morning at a retailer in Frankfurt. Shortly after 08:00 the endpoint detection system raises alerts.', '', 'Second paragraph here.']);
    const lines = reflow(text, 30);
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(30);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe('Monday morning at a retailer in Frankfurt. Shortly after 08:00 the endpoint detection system raises alerts. Second paragraph here.');
    expect(wrap('a verylongwordthatdoesnotfit b', 10)).toEqual(['a', 'verylongwordthatdoesnotfit', 'b']);
  });
});
