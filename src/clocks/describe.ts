import type { Regime } from '../domain/regime.js';

/** "72 h", "30 calendar days (America/Los_Angeles)", "4 business days (US, America/New_York)". */
export function describeDeadline(r: Regime): string {
  const d = r.clock.deadline;
  if ('hours' in d) return `${d.hours} h`;
  if ('calendar_days' in d) return `${d.calendar_days} calendar days (${d.zone})`;
  if ('business_days' in d) return `${d.business_days} business days (${d.holidays} holidays, ${d.zone})`;
  if ('asap' in d) return `without undue delay (internal target ${d.asap.target_hours} h)`;
  return 'no fixed deadline';
}
