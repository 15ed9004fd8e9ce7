import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { askTime, parseTimeAnswer } from '../../src/cli/console/answers.js';
import { BadAnswer, ScriptedPrompter, type CheckboxQuestion, type InputQuestion, type Prompter, type SelectQuestion } from '../../src/cli/console/prompter.js';
import { resolveLocalTime } from '../../src/clocks/local-time.js';
import { instantProblem, parseInstant } from '../../src/domain/facts.js';

/** Issue 10, defect 15: every time irr parses is a real instant, and a local time never silently picks one. */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The wall time an instant shows in a zone, as numbers. */
function wallTime(iso: string, zone: string): [number, number, number, number, number] {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute')];
}

describe('ISO 8601 instants (--at, facts of kind instant, drill starts, answers)', () => {
  it('accepts exactly the real ones: no day 30 of February, no 24:00, no offset beyond ±14:00 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('+', '-'),
        fc.integer({ min: 0, max: 15 }),
        fc.constantFrom(0, 30, 45, 60),
        (y, mo, d, h, mi, s, sign, oh, om) => {
          const text = `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${sign}${pad(oh)}:${pad(om)}`;
          const real = d <= daysIn(y, mo) && h < 24 && mi < 60 && s < 60 && om < 60 && oh * 60 + om <= 14 * 60;
          const got = parseInstant(text);
          if (!real) {
            expect(got, text).toBeNull();
            expect(instantProblem(text), text).toMatch(/not a date in the calendar|not a time of day|not a UTC offset/);
            return;
          }
          const offsetMs = (sign === '+' ? 1 : -1) * (oh * 60 + om) * 60_000;
          expect(got, text).toBe(new Date(Date.UTC(y, mo - 1, d, h, mi, s) - offsetMs).toISOString());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('local times in a zone (the console, answers files)', () => {
  const zones = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'UTC'];

  it('every reading shows the wall time typed; two readings only when clocks go back (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 2020, max: 2030 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, year, month, day, hour, minute) => {
          const r = resolveLocalTime({ year, month, day, hour, minute }, zone);
          const want = [year, month, day, hour, minute];
          if (r.kind === 'exact') expect(wallTime(r.instant, zone)).toEqual(want);
          else if (r.kind === 'ambiguous') {
            expect(wallTime(r.earlier.instant, zone)).toEqual(want);
            expect(wallTime(r.later.instant, zone)).toEqual(want);
            expect(Date.parse(r.earlier.instant)).toBeLessThan(Date.parse(r.later.instant));
          } else expect(r.kind).toBe('nonexistent');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the hour the clocks skip in Paris and the hour they repeat', () => {
    expect(resolveLocalTime({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Paris')).toEqual({ kind: 'nonexistent', zone: 'Europe/Paris' });
    expect(resolveLocalTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Paris')).toEqual({
      kind: 'ambiguous',
      zone: 'Europe/Paris',
      earlier: { offset: '+02:00', instant: '2026-10-25T00:30:00.000Z' },
      later: { offset: '+01:00', instant: '2026-10-25T01:30:00.000Z' },
    });
    expect(resolveLocalTime({ year: 2026, month: 3, day: 29, hour: 3, minute: 0 }, 'Europe/Paris')).toEqual({ kind: 'exact', instant: '2026-03-29T01:00:00.000Z' });
    expect(resolveLocalTime({ year: 2026, month: 2, day: 30, hour: 9, minute: 0 }, 'Europe/Paris')).toMatchObject({ kind: 'invalid', reason: '2026-02-30 is not a date in the calendar' });
  });

  it('parseTimeAnswer refuses the gap and names both readings of a repeated time', () => {
    const now = '2026-11-01T12:00:00.000Z';
    expect(parseTimeAnswer('2026-03-29 02:30', now, 'Europe/Paris')).toMatchObject({ ok: false, error: expect.stringContaining('2026-03-29 02:30 does not exist in Europe/Paris') });
    const twice = parseTimeAnswer('2026-10-25 02:30', now, 'Europe/Paris');
    expect(twice).toMatchObject({ ok: false, ambiguous: { earlier: { instant: '2026-10-25T00:30:00.000Z' }, later: { instant: '2026-10-25T01:30:00.000Z' } } });
    expect(parseTimeAnswer('2026-10-25 03:30', now, 'Europe/Paris')).toEqual({ ok: true, value: '2026-10-25T02:30:00.000Z' });
    expect(parseTimeAnswer('2026-03-01T24:00Z', now, 'Europe/Paris')).toMatchObject({ ok: false, error: expect.stringContaining('not a time of day') });
  });
});

/** A person at a terminal, answering from a list and keeping each question asked. */
class Person implements Prompter {
  readonly interactive = true;
  readonly rows = 24;
  readonly columns = 80;
  readonly asked: { message: string; choices?: string[]; problem?: string | null }[] = [];
  constructor(private readonly answers: string[]) {}
  async select<V extends string>(q: SelectQuestion<V>): Promise<V> {
    this.asked.push({ message: q.message, choices: q.choices.map((c) => c.name) });
    const a = this.answers.shift()!;
    return q.choices.find((c) => c.value === a)!.value;
  }
  async input(q: InputQuestion): Promise<string> {
    const a = this.answers.shift()!;
    this.asked.push({ message: q.message, problem: q.validate?.(a) ?? null });
    return a;
  }
  async checkbox<V extends string>(_q: CheckboxQuestion<V>): Promise<V[]> {
    return [];
  }
}

describe('askTime', () => {
  const now = '2026-11-01T12:00:00.000Z';

  it('at a terminal, asks which reading of a repeated local time, showing both as UTC instants', async () => {
    for (const [pick, want] of [['earlier', '2026-10-25T00:30:00.000Z'], ['later', '2026-10-25T01:30:00.000Z']] as const) {
      const p = new Person(['2026-10-25 02:30', pick]);
      expect(await askTime(p, { message: 'When?', now, zone: 'Europe/Paris' })).toBe(want);
      expect(p.asked[0]!.problem).toBeNull();
      expect(p.asked[1]!.message).toBe('2026-10-25 02:30 happens twice in Europe/Paris (the clocks go back). Which one?');
      expect(p.asked[1]!.choices).toEqual([
        'the earlier one: 2026-10-25 02:30 +02:00 = 00:30 UTC (2026-10-25T00:30:00.000Z)',
        'the later one: 2026-10-25 02:30 +01:00 = 01:30 UTC (2026-10-25T01:30:00.000Z)',
      ]);
    }
  });

  it('at a terminal, refuses a time in the gap at the prompt', async () => {
    const p = new Person(['2026-03-29 02:30']);
    await askTime(p, { message: 'When?', now, zone: 'Europe/Paris' });
    expect(p.asked[0]!.problem).toMatch(/does not exist in Europe\/Paris/);
  });

  it('from an answers file, refuses a repeated local time and asks for the offset', async () => {
    const p = new ScriptedPrompter('a.yaml', [{ value: '2026-10-25 02:30', line: 3 }], () => undefined);
    await expect(askTime(p, { message: 'When?', now, zone: 'Europe/Paris' })).rejects.toThrow(BadAnswer);
    await expect(askTime(new ScriptedPrompter('a.yaml', [{ value: '2026-10-25 02:30', line: 3 }], () => undefined), { message: 'When?', now, zone: 'Europe/Paris' })).rejects.toThrow(
      'a.yaml:3: answer 1 to "When?": 2026-10-25 02:30 happens twice in Europe/Paris (the clocks go back): write 2026-10-25T02:30+02:00 (= 00:30 UTC) or 2026-10-25T02:30+01:00 (= 01:30 UTC)',
    );
  });
});
