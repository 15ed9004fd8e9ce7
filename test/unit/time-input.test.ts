import { describe, expect, it } from 'vitest';
import { parseTimeInput } from '../../src/clocks/time-input.js';
import { localTime, localWithUtc } from '../../src/clocks/zone.js';
import { incidentId } from '../../src/cli/context.js';

const NOW = '2026-03-02T12:00:00.000Z';

describe('parseTimeInput (the one parser of typed times)', () => {
  it('reads a wall time without offset in the zone, with a space or a T, seconds optional', () => {
    expect(parseTimeInput('2026-03-02 10:30', NOW, 'Europe/Paris')).toEqual({ ok: true, value: '2026-03-02T09:30:00.000Z' });
    expect(parseTimeInput('2026-03-02T10:30', NOW, 'Europe/Paris')).toEqual({ ok: true, value: '2026-03-02T09:30:00.000Z' });
    expect(parseTimeInput('2026-03-02T10:30:15', NOW, 'America/New_York')).toEqual({ ok: true, value: '2026-03-02T15:30:15.000Z' });
    expect(parseTimeInput('now', NOW, 'UTC')).toEqual({ ok: true, value: NOW });
    expect(parseTimeInput('2026-03-02T10:30+01:00', NOW, 'UTC')).toEqual({ ok: true, value: '2026-03-02T09:30:00.000Z' });
  });

  it('never resolves a skipped or repeated wall time silently', () => {
    expect(parseTimeInput('2026-03-29 02:30', NOW, 'Europe/Paris')).toMatchObject({ ok: false, error: expect.stringContaining('does not exist in Europe/Paris') });
    expect(parseTimeInput('2026-10-25 02:30', NOW, 'Europe/Paris')).toMatchObject({ ok: false, ambiguous: { zone: 'Europe/Paris' } });
    expect(parseTimeInput('2026-02-30 10:00', NOW, 'UTC')).toMatchObject({ ok: false, error: expect.stringContaining('not a date in the calendar') });
  });
});

describe('times people read', () => {
  it('are local with the zone named; the year only when it is not now’s', () => {
    expect(localTime('2026-03-02T09:30:00Z', 'Europe/Paris', NOW)).toBe('Mon 2 Mar 10:30 CET');
    expect(localTime('2026-07-02T09:30:00Z', 'America/New_York', NOW)).toBe('Thu 2 Jul 05:30 EDT');
    expect(localTime('2025-03-02T09:30:00Z', 'UTC', NOW)).toBe('Sun 2 Mar 2025 09:30 UTC');
    expect(localWithUtc('2026-03-05T08:00:00Z', 'Europe/Berlin', NOW)).toBe('Thu 5 Mar 09:00 CET (08:00 UTC)');
  });
});

describe('incidentId', () => {
  it('is case-insensitive, and a bare number is this year’s incident', () => {
    expect(incidentId('inc-2026-0007', 2026)).toBe('INC-2026-0007');
    expect(incidentId('1', 2026)).toBe('INC-2026-0001');
    expect(incidentId('0012', 2027)).toBe('INC-2027-0012');
    expect(incidentId('12345', 2026)).toBe('INC-2026-12345');
    expect(incidentId('drl-2026-0002', 2026)).toBe('DRL-2026-0002');
    expect(incidentId('0', 2026)).toBe('0');
    expect(incidentId('INC-1', 2026)).toBe('INC-1');
  });
});
