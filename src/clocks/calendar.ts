import { createRequire } from 'node:module';

/**
 * Public holidays by calendar code (date-holidays: a country such as US or BR, or a subdivision such
 * as DE-BY). Only `public` holidays count: bank and observance days are business days.
 */
type HolidaysCtor = new (country?: string, state?: string) => { getHolidays(year: number): { date: string; type: string }[] };

let Holidays: HolidaysCtor | undefined;
const cache = new Map<string, Set<string>>();

function ctor(): HolidaysCtor {
  // date-holidays is CommonJS and large: loaded on first use only.
  Holidays ??= createRequire(import.meta.url)('date-holidays') as HolidaysCtor;
  return Holidays;
}

/** The set of local dates (YYYY-MM-DD) that are public holidays in that calendar and year. */
export function holidayDates(calendar: string, year: number): Set<string> {
  const key = `${calendar}:${year}`;
  let set = cache.get(key);
  if (!set) {
    const [country, state] = calendar.split('-');
    const hd = new (ctor())(country, state);
    set = new Set(hd.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    cache.set(key, set);
  }
  return set;
}

export function isHoliday(calendar: string, localDate: string): boolean {
  return holidayDates(calendar, Number(localDate.slice(0, 4))).has(localDate);
}
