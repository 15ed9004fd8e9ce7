import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { format } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { isHoliday } from '../../src/clocks/calendar.js';
import { addBusinessDays, addCalendarDays, computeDue } from '../../src/clocks/deadline.js';
import { addDays } from 'date-fns/addDays';
import { endOfDay } from 'date-fns/endOfDay';
import type { Deadline } from '../../src/domain/regime.js';

const T = (s: string) => Date.parse(s);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

interface Case {
  readonly name: string;
  readonly start: string;
  readonly deadline: Deadline;
  readonly expected: string;
  readonly anchor?: 'end_of_year';
}

/** Each expected value worked out by hand from a calendar, not from the code. */
const cases: Case[] = [
  // Hours are exact durations: the EU spring-forward night (29 March 2026) does not add or remove an hour.
  { name: 'GDPR 72 h across EU DST start', start: '2026-03-27T10:00:00+01:00', deadline: { hours: 72 }, expected: '2026-03-30T09:00:00.000Z' },
  { name: 'GDPR 72 h across EU DST end', start: '2026-10-23T10:00:00+02:00', deadline: { hours: 72 }, expected: '2026-10-26T08:00:00.000Z' },
  { name: 'NYDFS 72 h across US DST end', start: '2026-10-31T12:00:00-04:00', deadline: { hours: 72 }, expected: '2026-11-03T16:00:00.000Z' },
  { name: 'NIS2 24 h over a weekend (hours count weekends)', start: '2026-11-20T17:00:00+01:00', deadline: { hours: 24 }, expected: '2026-11-21T16:00:00.000Z' },
  // Calendar days are dates in the regime's zone, due at the end of the last day.
  { name: 'California 30 days across US DST end', start: '2026-10-20T10:00:00-07:00', deadline: { calendar_days: 30, zone: 'America/Los_Angeles' }, expected: '2026-11-20T07:59:59.999Z' },
  { name: 'a late-evening start counts from that local date', start: '2026-06-01T23:30:00-04:00', deadline: { calendar_days: 30, zone: 'America/New_York' }, expected: '2026-07-02T03:59:59.999Z' },
  { name: 'the same instant is a different local date in Sydney', start: '2026-06-01T23:30:00-04:00', deadline: { calendar_days: 30, zone: 'Australia/Sydney' }, expected: '2026-07-02T13:59:59.999Z' },
  { name: 'leap day counts as a day', start: '2028-02-28T09:00:00Z', deadline: { calendar_days: 1, zone: 'UTC' }, expected: '2028-02-29T23:59:59.999Z' },
  { name: 'a 30-day count over year end', start: '2026-12-15T12:00:00-05:00', deadline: { calendar_days: 30, zone: 'America/New_York' }, expected: '2027-01-15T04:59:59.999Z' },
  // HIPAA annual log: 60 days after the end of the calendar year of discovery.
  { name: 'HIPAA annual, non-leap year', start: '2026-06-01T12:00:00-04:00', anchor: 'end_of_year', deadline: { calendar_days: 60, zone: 'America/New_York' }, expected: '2027-03-02T04:59:59.999Z' },
  { name: 'HIPAA annual, into a leap year', start: '2027-06-01T12:00:00-04:00', anchor: 'end_of_year', deadline: { calendar_days: 60, zone: 'America/New_York' }, expected: '2028-03-01T04:59:59.999Z' },
  // SEC: 4 US federal business days, Eastern time.
  { name: 'SEC over Christmas 2025', start: '2025-12-23T15:00:00-05:00', deadline: { business_days: 4, zone: 'America/New_York', holidays: 'US' }, expected: '2025-12-31T04:59:59.999Z' },
  // Fri 20 Nov → Mon 23, Tue 24, Wed 25, (Thu 26 Thanksgiving), Fri 27.
  { name: 'SEC from a Friday skips the weekend and Thanksgiving', start: '2026-11-20T10:00:00-05:00', deadline: { business_days: 4, zone: 'America/New_York', holidays: 'US' }, expected: '2026-11-28T04:59:59.999Z' },
  // Mon 23 Nov → Tue 24, Wed 25, (Thu 26), Fri 27, Mon 30.
  { name: 'SEC over Thanksgiving 2026 (Thu 26 Nov)', start: '2026-11-23T10:00:00-05:00', deadline: { business_days: 4, zone: 'America/New_York', holidays: 'US' }, expected: '2026-12-01T04:59:59.999Z' },
  // Tue 30 Jun → Wed 1, Thu 2, (Fri 3 Independence Day observed), Mon 6, Tue 7 July.
  { name: 'SEC over Independence Day observed (Fri 3 Jul 2026)', start: '2026-06-30T10:00:00-04:00', deadline: { business_days: 4, zone: 'America/New_York', holidays: 'US' }, expected: '2026-07-08T03:59:59.999Z' },
  // Sat 21 Nov → Mon 23, Tue 24, Wed 25, (Thu 26), Fri 27.
  { name: 'SEC determined on a Saturday', start: '2026-11-21T10:00:00-05:00', deadline: { business_days: 4, zone: 'America/New_York', holidays: 'US' }, expected: '2026-11-28T04:59:59.999Z' },
  // LGPD: 3 business days, Brazil national holidays (Tiradentes, Tue 21 April 2026).
  { name: 'LGPD over Tiradentes', start: '2026-04-20T10:00:00-03:00', deadline: { business_days: 3, zone: 'America/Sao_Paulo', holidays: 'BR' }, expected: '2026-04-25T02:59:59.999Z' },
];

describe('deadlines, table-driven', () => {
  for (const c of cases) {
    it(c.name, () => {
      const due = computeDue({ start: T(c.start), deadline: c.deadline, ...(c.anchor ? { anchor: c.anchor } : {}) });
      expect(iso(due.due)).toBe(c.expected);
      expect(due.steps.length).toBeGreaterThan(0);
    });
  }

  it('"without undue delay" has no legal deadline, only irr’s internal target', () => {
    const due = computeDue({ start: T('2026-03-01T10:00:00Z'), deadline: { asap: { target_hours: 72 } } });
    expect(due.due).toBeNull();
    expect(iso(due.target)).toBe('2026-03-04T10:00:00.000Z');
    expect(due.steps[0]).toContain('without undue delay');
  });
});

describe('DORA', () => {
  const dora = { zone: 'Europe/Brussels', holidays: 'BE' };

  it('initial: 4 h from classification, capped at 24 h from awareness', () => {
    const due = computeDue({ start: T('2026-11-16T20:00:00Z'), deadline: { hours: 4 }, noLaterThan: { at: T('2026-11-16T08:00:00Z'), hours: 24, fact: 'aware_at' } });
    expect(iso(due.due)).toBe('2026-11-17T00:00:00.000Z');
    const capped = computeDue({ start: T('2026-11-17T06:00:00Z'), deadline: { hours: 4 }, noLaterThan: { at: T('2026-11-16T08:00:00Z'), hours: 24, fact: 'aware_at' } });
    expect(iso(capped.due)).toBe('2026-11-17T08:00:00.000Z');
  });

  it('initial: classified more than 24 h after awareness gets 4 h from classification', () => {
    const due = computeDue({ start: T('2026-11-18T10:00:00Z'), deadline: { hours: 4 }, noLaterThan: { at: T('2026-11-16T08:00:00Z'), hours: 24, fact: 'aware_at' } });
    expect(iso(due.due)).toBe('2026-11-18T14:00:00.000Z');
    expect(due.steps.join(' ')).toContain('had already passed');
  });

  it('a deadline on a Saturday moves to noon of Monday (Brussels), unless the entity is exempt or its status unknown', () => {
    const base = { start: T('2026-11-21T10:00:00Z'), deadline: { hours: 4 } as Deadline };
    expect(iso(computeDue({ ...base, weekendRule: { ...dora, applies: true, why: '' } }).due)).toBe('2026-11-23T11:00:00.000Z');
    expect(iso(computeDue({ ...base, weekendRule: { ...dora, applies: false, why: 'exempt: credit institution' } }).due)).toBe('2026-11-21T14:00:00.000Z');
  });

  it('a deadline on a Belgian public holiday moves too (Christmas Day 2026 is a Friday)', () => {
    const due = computeDue({ start: T('2026-12-22T09:00:00Z'), deadline: { hours: 72 }, weekendRule: { ...dora, applies: true, why: '' } });
    // 25 Dec (holiday), 26-27 weekend: noon on Monday 28 December, CET = 11:00 UTC.
    expect(iso(due.due)).toBe('2026-12-28T11:00:00.000Z');
  });
});

describe('deadline properties', () => {
  const calendars = [
    { zone: 'America/New_York', holidays: 'US' },
    { zone: 'America/Sao_Paulo', holidays: 'BR' },
    { zone: 'Europe/Berlin', holidays: 'DE' },
  ];
  const instant = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });

  it('a business-day deadline never lands on a weekend or a holiday of its calendar', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 25 }), fc.constantFrom(...calendars), (start, days, cal) => {
        const due = addBusinessDays(start.getTime(), days, cal.zone, cal.holidays);
        const local = new TZDate(due, cal.zone);
        const dow = local.getDay();
        expect(dow === 0 || dow === 6).toBe(false);
        expect(isHoliday(cal.holidays, format(local, 'yyyy-MM-dd'))).toBe(false);
        expect(due).toBeGreaterThan(start.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('an hours clock gives the same instant whatever offset the start was written in', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -11, max: 14 }), fc.constantFrom(4, 24, 72), (start, offsetH, hours) => {
        const local = new Date(start.getTime() + offsetH * 3_600_000).toISOString().slice(0, 19);
        const written = `${local}${offsetH < 0 ? '-' : '+'}${String(Math.abs(offsetH)).padStart(2, '0')}:00`;
        const a = computeDue({ start: Date.parse(written), deadline: { hours } });
        const b = computeDue({ start: Math.floor(start.getTime() / 1000) * 1000, deadline: { hours } });
        expect(a.due).toBe(b.due);
        expect(a.due! - Date.parse(written)).toBe(hours * 3_600_000);
      }),
    );
  });
});

describe('calendar days counted from the zone offsets (the fast path of addCalendarDays)', () => {
  const viaTzDate = (start: number, days: number, zone: string) => endOfDay(addDays(new TZDate(start, zone), days)).getTime();
  // Every zone a shipped regime counts in, plus zones whose clocks change at midnight.
  const zones = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Indiana/Indianapolis', 'America/Los_Angeles', 'America/Phoenix', 'America/Anchorage', 'Pacific/Honolulu', 'America/Puerto_Rico', 'Pacific/Guam', 'America/St_Thomas', 'America/Sao_Paulo', 'Asia/Singapore', 'Australia/Sydney', 'Australia/Lord_Howe', 'Europe/Brussels', 'Europe/London', 'America/Santiago', 'America/Havana', 'UTC'];
  // (Not Asia/Tehran: until 2022 its clocks went back at midnight, where TZDate takes the second 23:59; see below.)

  it('agrees with TZDate endOfDay(addDays(…)) wherever the end of the day occurs once', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2032, 0, 1) }), fc.integer({ min: 0, max: 90 }), (zone, start, days) => {
        expect(iso(addCalendarDays(start, days, zone))).toBe(iso(viaTzDate(start, days, zone)));
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the first 23:59:59.999 where clocks go back at midnight (never a later deadline)', () => {
    // Beirut, Saturday 26 Oct 2024: at midnight clocks went back from UTC+3 to UTC+2, so 23:59:59.999
    // came twice (20:59:59.999Z and 21:59:59.999Z). TZDate gives the second; irr the first.
    expect(iso(addCalendarDays(T('2024-09-26T09:00:00Z'), 30, 'Asia/Beirut'))).toBe('2024-10-26T20:59:59.999Z');
    // Santiago, Saturday 6 Apr 2024 (back from UTC-3 to UTC-4 at midnight): the first is 02:59:59.999Z.
    expect(iso(addCalendarDays(T('2024-03-07T12:00:00Z'), 30, 'America/Santiago'))).toBe('2024-04-07T02:59:59.999Z');
    // Tehran, 21 Sep 2022 (back from UTC+4:30 to UTC+3:30 at midnight): 19:29:59.999Z, not 20:29:59.999Z.
    expect(iso(addCalendarDays(1663529400000, 2, 'Asia/Tehran'))).toBe('2022-09-21T19:29:59.999Z');
  });
});
