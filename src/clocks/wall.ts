/**
 * The one place irr reads the wall clock. Everything else takes `now` as an argument or reads the
 * time carried on an event, so replays, tests and drills are deterministic.
 */
export interface Clock {
  now(): string;
}

export const systemClock: Clock = {
  now: () => new Date().toISOString(),
};
