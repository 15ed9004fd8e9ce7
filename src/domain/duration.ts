/** Durations for people, shared by the reports and the drills. Pure: no clock, no locale. */

/** "2 d 4 h", "3 h 10 min", "12 min", "0 min"; a negative span gets a leading minus. */
export function duration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let m = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440);
  m -= d * 1440;
  const h = Math.floor(m / 60);
  m -= h * 60;
  if (d > 0) return `${sign}${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${sign}${h} h${m ? ` ${m} min` : ''}`;
  return `${sign}${m} min`;
}
