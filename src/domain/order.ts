// Ordering and number text for the hot read paths (`irr clocks`, `irr status`, `irr assess`).
// `localeCompare` and `toLocaleString` each initialise an ICU service on first use (a collator, a
// number formatter): 5–25 ms of a command whose whole budget is ~2× a bare `node -e ''`. The strings
// sorted here are ASCII identifiers (regime ids, fact names, ISO codes), for which code-unit order is
// the same as the root collation's; the numbers are counts printed with en-US digit grouping.
// Letters and reports, which format for a reader's locale, keep using Intl.

/** Code-unit order: deterministic and ICU-free. Only for ASCII identifiers. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 12345 → "12,345" (what `toLocaleString('en-US')` prints for a whole number). */
export function groupDigits(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
