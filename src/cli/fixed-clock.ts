import { InvalidInput } from '../domain/errors.js';
import { instantProblem } from '../domain/facts.js';
import { fixedNow } from '../clocks/wall.js';

/**
 * `IRR_NOW` stops irr's clock (clocks/wall.ts) for a rehearsal or the README's walkthrough. A value
 * that is not an instant with offset is exit 2 (never the machine's clock in its place), and while
 * it is set every command says so on stderr: entries recorded under it carry that time, so nobody
 * should leave it set for a real incident by accident.
 */
export function announceFixedClock(raw: string | undefined = process.env.IRR_NOW): void {
  if (!raw?.trim()) return;
  const why = instantProblem(raw.trim());
  if (why) throw new InvalidInput(`IRR_NOW: ${why}; unset IRR_NOW to use this machine's clock`);
  process.stderr.write(`irr: IRR_NOW is set: the clock is stopped at ${fixedNow(raw)} (a rehearsal; unset IRR_NOW for a real incident)\n`);
}
