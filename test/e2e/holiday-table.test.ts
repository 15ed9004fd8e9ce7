import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { computedHolidays, holidayDates, isHoliday, type HolidayTable } from '../../src/clocks/calendar.js';

/** The public-holiday table `npm run build` writes beside the compiled catalogue (src/clocks/calendar.ts). */
describe('the build’s holiday table', () => {
  const table = JSON.parse(readFileSync(join(ROOT, 'dist/catalogue/holidays.json'), 'utf8')) as HolidayTable;

  it('has every calendar a shipped regime counts in, and agrees with date-holidays every year 2000–2099', () => {
    const catalogue = JSON.parse(readFileSync(join(ROOT, 'dist/catalogue/regimes.json'), 'utf8')) as { regimes: { clock: unknown }[] };
    const named = new Set<string>();
    JSON.stringify(catalogue.regimes.map((r) => r.clock), (k, v: unknown) => {
      if (k === 'holidays' && typeof v === 'string') named.add(v);
      return v;
    });
    expect([...named].sort()).toEqual(Object.keys(table.calendars).sort());
    expect(named).toContain('US');
    const wrong: string[] = [];
    for (const [calendar, years] of Object.entries(table.calendars)) {
      for (let y = 2000; y < 2100; y++) {
        const fromTable = years[y] === '' ? [] : years[y]!.split(',').map((md) => `${y}-${md}`);
        if (JSON.stringify(fromTable) !== JSON.stringify(computedHolidays(calendar, y))) wrong.push(`${calendar} ${y}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers known dates, and a calendar or year outside it from date-holidays', () => {
    expect(isHoliday('US', '2026-07-03')).toBe(computedHolidays('US', 2026).includes('2026-07-03'));
    expect(isHoliday('US', '2026-12-25')).toBe(true);
    expect(isHoliday('US', '2026-12-24')).toBe(false);
    expect(isHoliday('BE', '2026-07-21')).toBe(true); // Belgian National Day
    // Not in the table: Bavaria (Epiphany is a public holiday there), and the year 2150.
    expect(table.calendars['DE-BY']).toBeUndefined();
    expect(holidayDates('DE-BY', 2026).has('2026-01-06')).toBe(true);
    expect(holidayDates('US', 2150).has('2150-12-25')).toBe(true);
  });
});
