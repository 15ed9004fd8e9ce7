import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Public holidays by calendar code (date-holidays: a country such as US or BR, or a subdivision such
 * as DE-BY). Only `public` holidays count: bank and observance days are business days.
 *
 * date-holidays is CommonJS and large: loading it and computing a year costs ~200 ms, which a
 * business-day deadline (SEC's four days, a state's weekend rule) would add to `irr clocks` and to
 * every first assessment of a process. So the build writes the public holidays of every calendar the
 * regime catalogue names, 2000–2100, computed by the installed date-holidays
 * (dist/catalogue/holidays.json), and this module answers from that table; another calendar or year
 * (a user's own regime) loads date-holidays. The table is rebuilt by every `npm run build` and
 * install (`prepare`); test/unit/holiday-table.test.ts checks it against date-holidays.
 */
type HolidaysCtor = new (country?: string, state?: string) => { getHolidays(year: number): { date: string; type: string }[] };

export interface HolidayTable {
  readonly from: number;
  readonly to: number;
  /** Per calendar, per year: that year's public holidays as MM-DD, comma-separated, in date order. */
  readonly calendars: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const HOLIDAY_TABLE_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../catalogue/holidays.json');
const TABLE_FROM = 2000;
const TABLE_TO = 2100;

let Holidays: HolidaysCtor | undefined;
let table: HolidayTable | null | undefined;
const cache = new Map<string, Set<string>>();

function ctor(): HolidaysCtor {
  Holidays ??= createRequire(import.meta.url)('date-holidays') as HolidaysCtor;
  return Holidays;
}

function loaded(): HolidayTable | null {
  if (table === undefined) {
    try {
      table = JSON.parse(readFileSync(HOLIDAY_TABLE_FILE, 'utf8')) as HolidayTable;
    } catch {
      table = null; // not built (a test run from source): date-holidays answers
    }
  }
  return table;
}

/** A year's public holidays in a calendar, computed by date-holidays (YYYY-MM-DD). */
export function computedHolidays(calendar: string, year: number): string[] {
  const [country, state] = calendar.split('-');
  const hd = new (ctor())(country, state);
  return [...new Set(hd.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)))].sort();
}

/** The table the build writes: every year from..to-1 of each calendar. */
export function buildHolidayTable(calendars: Iterable<string>, from = TABLE_FROM, to = TABLE_TO): HolidayTable {
  const out: Record<string, Record<string, string>> = {};
  for (const calendar of [...new Set(calendars)].sort()) {
    const years: Record<string, string> = {};
    for (let y = from; y < to; y++) years[y] = computedHolidays(calendar, y).map((d) => d.slice(5)).join(',');
    out[calendar] = years;
  }
  return { from, to, calendars: out };
}

/** The set of local dates (YYYY-MM-DD) that are public holidays in that calendar and year. */
export function holidayDates(calendar: string, year: number): Set<string> {
  const key = `${calendar}:${year}`;
  let set = cache.get(key);
  if (!set) {
    const row = loaded()?.calendars[calendar]?.[year];
    set = new Set(row !== undefined ? (row === '' ? [] : row.split(',').map((md) => `${year}-${md}`)) : computedHolidays(calendar, year));
    cache.set(key, set);
  }
  return set;
}

export function isHoliday(calendar: string, localDate: string): boolean {
  return holidayDates(calendar, Number(localDate.slice(0, 4))).has(localDate);
}
