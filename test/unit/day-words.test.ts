import { describe, expect, it } from 'vitest';
import { parseTimeAnswer } from '../../src/cli/console/answers.js';
import { expandDayWords, wallDate } from '../../src/clocks/day-words.js';

describe('short times typed at a prompt', () => {
  const now = '2026-12-01T23:30:00.000Z'; // 00:30 on 2 December in Paris

  it('reads "10:30" as today and "yesterday 18:00" as the day before, on the zone\'s calendar', () => {
    expect(wallDate(now, 'Europe/Paris')).toBe('2026-12-02');
    expect(wallDate(now, 'UTC')).toBe('2026-12-01');
    expect(expandDayWords('0:15', now, 'Europe/Paris')).toBe('2026-12-02 00:15');
    expect(expandDayWords('yesterday 18:00', now, 'Europe/Paris')).toBe('2026-12-01 18:00');
    expect(expandDayWords('Today 9:05', now, 'UTC')).toBe('2026-12-01 09:05');
    expect(expandDayWords('2026-11-30 10:00', now, 'UTC')).toBe('2026-11-30 10:00');
    expect(expandDayWords('now', now, 'UTC')).toBe('now');
  });

  it('turns them into instants, and a time later today is refused with the yesterday form suggested', () => {
    expect(parseTimeAnswer('yesterday 18:00', now, 'Europe/Paris')).toEqual({ ok: true, value: '2026-12-01T17:00:00.000Z' });
    expect(parseTimeAnswer('0:15', now, 'Europe/Paris')).toEqual({ ok: true, value: '2026-12-01T23:15:00.000Z' });
    const later = parseTimeAnswer('23:15', now, 'Europe/Paris');
    expect(later.ok).toBe(false);
    expect(!later.ok && later.error).toMatch(/is in the future .*; for last night write "yesterday 23:15"/);
    expect(parseTimeAnswer('25:00', now, 'UTC').ok).toBe(false);
  });
});
