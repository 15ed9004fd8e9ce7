import { describe, expect, it } from 'vitest';
import type { DrillRunSummary } from '../../src/drill/history.js';
import { monthsBefore, practiceSummary, practiceWarning } from '../../src/drill/practice.js';

const run = (scenario: string, run_at: string) => ({ scenario, run_at }) as unknown as DrillRunSummary;
const known = [
  { id: 'ransomware-eu-us', title: 'Ransomware' },
  { id: 'exposed-bucket-cards', title: 'Bucket' },
  { id: 'misdirected-health-email', title: 'Email' },
];

describe('practice on schedule', () => {
  it('counts twelve calendar months back, clamping to the end of a shorter month', () => {
    expect(monthsBefore('2026-12-02T00:30:00.000Z', 12)).toBe('2025-12-02T00:30:00.000Z');
    expect(monthsBefore('2028-02-29T10:00:00.000Z', 12)).toBe('2027-02-28T10:00:00.000Z');
    expect(monthsBefore('2026-03-31T10:00:00.000Z', 1)).toBe('2026-02-28T10:00:00.000Z');
  });

  it('says for each scenario when it was last run, and which are overdue or never run', () => {
    const now = '2026-12-02T00:30:00.000Z';
    const entries = practiceSummary(known, [run('ransomware-eu-us', '2025-06-01T09:00:00.000Z'), run('ransomware-eu-us', '2025-12-03T09:00:00.000Z'), run('exposed-bucket-cards', '2025-12-01T09:00:00.000Z'), run('custom-one', '2026-11-01T09:00:00.000Z')], now);
    expect(entries.map((e) => [e.scenario, e.status, e.runs, e.last_run_at])).toEqual([
      ['ransomware-eu-us', 'ok', 2, '2025-12-03T09:00:00.000Z'],
      ['exposed-bucket-cards', 'overdue', 1, '2025-12-01T09:00:00.000Z'],
      ['misdirected-health-email', 'never', 0, null],
      ['custom-one', 'ok', 1, '2026-11-01T09:00:00.000Z'],
    ]);
    expect(entries.find((e) => e.scenario === 'custom-one')!.shipped).toBe(false);
    expect(practiceWarning(entries)).toBe('practice: response plans should be exercised at least every 12 months; exposed-bucket-cards last run more than 12 months ago; misdirected-health-email never run (irr drill due)');
    expect(practiceWarning(entries.filter((e) => e.status === 'ok'))).toBeNull();
  });
});
