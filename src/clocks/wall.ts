/**
 * The one place irr reads the wall clock. Everything else takes `now` as an argument or reads the
 * time carried on an event, so replays, tests and drills are deterministic.
 */
export interface Clock {
  now(): string;
}

/**
 * `IRR_NOW` (an ISO 8601 instant) stops irr's clock at that instant, for a rehearsal or a
 * walkthrough set on a fixed date (the README's): every command then reads that time as now, and
 * records it as `recorded_at` on a file (a team server stamps its own clock). The CLI checks the
 * value and says on stderr, at every command, that the clock is set (cli/main.ts).
 */
export function fixedNow(raw: string | undefined = process.env.IRR_NOW): string | undefined {
  const t = raw?.trim();
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export const systemClock: Clock = {
  now: () => fixedNow() ?? new Date().toISOString(),
};
