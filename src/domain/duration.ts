/** Durations for people, shared by the reports and the drills. Pure: no clock, no locale. */

/** A span in whole days, hours and minutes (of its absolute value; minutes rounded down unless asked). */
export function dayHourMinute(ms: number, round: (x: number) => number = Math.floor): { d: number; h: number; m: number } {
  const total = round(Math.abs(ms) / 60_000);
  const d = Math.floor(total / 1440);
  const h = Math.floor((total - d * 1440) / 60);
  return { d, h, m: total - d * 1440 - h * 60 };
}

/** "2 d 4 h", "3 h 10 min", "12 min", "0 min"; a negative span gets a leading minus. */
export function duration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const { d, h, m } = dayHourMinute(ms);
  if (d > 0) return `${sign}${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${sign}${h} h${m ? ` ${m} min` : ''}`;
  return `${sign}${m} min`;
}
