import pc from '../../render/colors.js';
import { offsetLabel, parseDuration, spanLabel } from '../../domain/drill.js';
import { Interrupted } from '../../domain/errors.js';
import { visible } from '../../domain/text.js';
import type { DrillRun } from '../../drill/runner.js';
import type { GlobalOptions } from '../context.js';
import { printLines } from '../output.js';
import { fitTerminal, scoreLines } from '../present/drill.js';
import { AnswersExhausted, GoBack, ScriptedPrompter, readAnswers, type Choice, type Prompter } from './prompter.js';

type Move = 'step' | 'next' | 'by' | 'run' | 'console' | 'score' | 'end' | 'quit';

/**
 * The facilitator's console for an interactive drill: move drill time on (30 minutes, to the next
 * inject, by any amount, or let it run at --speed), hand the keyboard to the responders (the
 * responder console, on the same drill), look at the score, end the drill. Every move is an event
 * in the drill's log before the next question, so a drill can be left and resumed
 * (`irr drill run DRL-…`) from any terminal.
 */
export async function facilitate(g: GlobalOptions, drill: DrillRun, answersFile: string | undefined, speed: number | undefined): Promise<void> {
  let p: Prompter;
  if (answersFile !== undefined) p = new ScriptedPrompter(answersFile, await readAnswers(answersFile), (line) => printLines(line));
  else {
    const { InquirerPrompter } = await import('./inquirer.js');
    p = new InquirerPrompter();
  }
  const resume = `irr drill run ${drill.id}`;
  try {
    await loop(g, drill, p, speed);
  } catch (err) {
    if (err instanceof AnswersExhausted) {
      printLines(`${visible(err.message)}; the drill is saved. Resume with: ${resume}`);
      return;
    }
    if ((err as Error)?.name === 'ExitPromptError') throw new Interrupted(`stopped; the drill is saved. Resume with: ${resume}`);
    throw err;
  }
}

/** Without --speed, "let it run" plays a drill hour in a minute. */
const DEFAULT_SPEED = 60;

async function loop(g: GlobalOptions, drill: DrillRun, p: Prompter, speed: number | undefined): Promise<void> {
  const pace = speed ?? DEFAULT_SPEED;
  for (;;) {
    if (await drill.ended()) {
      printLines(['', ...scoreLines(drill.id, await drill.score(), drill.pin.zone), '', `after-action report: irr drill report ${drill.id} --format html --out aar.html`]);
      return;
    }
    const now = await drill.now();
    const next = (await drill.pending())[0];
    const untilEnd = drill.pin.end > now;
    printLines(['', pc.bold(`${drill.id}  DRILL ${drill.offset(now)}`), ...fitTerminal('', await drill.clockLine(now)), next ? `next inject: ${offsetLabel(next.offset_ms)} ${next.id}` : 'no inject left', '']);
    const choices: Choice<Move>[] = [];
    if (untilEnd) choices.push({ value: 'step', name: 'Advance 30 minutes' });
    if (next) choices.push({ value: 'next', name: `Advance to the next inject (${offsetLabel(next.offset_ms)} ${next.id})` });
    if (untilEnd) choices.push({ value: 'by', name: 'Advance by… (e.g. 2h, 45m, 1d)' });
    if (next) choices.push({ value: 'run', name: `Let it run at ×${pace} to the next inject (a drill hour in ${spanLabel(3_600_000 / pace)})` });
    choices.push(
      { value: 'console', name: 'Responders act (the responder console, in drill time)' },
      { value: 'score', name: 'Show the score so far' },
      { value: 'end', name: 'End the drill and score it' },
      { value: 'quit', name: `Leave (resume with irr drill run ${drill.id})` },
    );
    try {
      if ((await facilitatorMove(g, drill, p, pace, choices, now, next)) === 'quit') return;
    } catch (err) {
      // Esc (or "back") at the facilitator's menu or its question: the menu again, nothing moved.
      if (!(err instanceof GoBack)) throw err;
    }
  }
}

async function facilitatorMove(g: GlobalOptions, drill: DrillRun, p: Prompter, pace: number, choices: Choice<Move>[], now: string, next: Awaited<ReturnType<DrillRun['pending']>>[number] | undefined): Promise<'quit' | void> {
  {
    const move = await p.select({ message: 'Facilitator', choices, default: next ? 'next' : 'console', above: 5 });
    switch (move) {
      case 'step':
        await drill.advanceTo(min(new Date(Date.parse(now) + 30 * 60_000).toISOString(), drill.pin.end));
        break;
      case 'next':
        await drill.advanceTo(drill.timeOf(next!));
        break;
      case 'by': {
        const answer = await p.input({ message: 'Advance by (30m, 2h, 1d12h)', validate: (s) => (parseDuration(s) ? null : 'a duration such as 30m, 2h or 1d12h') });
        await drill.advanceTo(min(new Date(Date.parse(now) + parseDuration(answer)!).toISOString(), drill.pin.end));
        break;
      }
      case 'run': {
        // Real time passes at the chosen speed; the clock line is told every drill quarter-hour.
        const target = drill.timeOf(next!);
        for (let t = Date.parse(now); t < Date.parse(target); ) {
          const stepTo = Math.min(t + 15 * 60_000, Date.parse(target));
          await new Promise((r) => setTimeout(r, (stepTo - t) / pace));
          await drill.advanceTo(new Date(stepTo).toISOString());
          t = stepTo;
        }
        break;
      }
      case 'console': {
        const { ConsoleSession } = await import('./session.js');
        await new ConsoleSession(g, p, (text) => process.stdout.write(text)).run(drill.id);
        break;
      }
      case 'score':
        printLines(scoreLines(drill.id, await drill.score(), drill.pin.zone));
        break;
      case 'end':
        await drill.end('ended by the facilitator');
        break;
      case 'quit':
        printLines(`left ${drill.id} at ${drill.offset(await drill.now())}; resume with: irr drill run ${drill.id}`);
        return 'quit';
    }
  }
}

const min = (a: string, b: string) => (a < b ? a : b);

