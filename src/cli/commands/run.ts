import { InvalidInput, Interrupted } from '../../domain/errors.js';
import { visible } from '../../domain/text.js';
import type { GlobalOptions } from '../context.js';
import { printLines } from '../output.js';
import { AnswersExhausted, ScriptedPrompter, readAnswers, type Prompter } from '../console/prompter.js';

const SCRIPTABLE = 'use the scriptable commands instead (irr status, irr step, irr fact, irr advance, irr obligation), or give --answers <file>';

export async function run(g: GlobalOptions, id: string | undefined, opts: { answers?: string }): Promise<void> {
  if (g.json) throw new InvalidInput(`run: --json does not apply to the console; ${SCRIPTABLE}`);
  let prompter: Prompter;
  if (opts.answers !== undefined) {
    prompter = new ScriptedPrompter(opts.answers, await readAnswers(opts.answers), (line) => printLines(line));
  } else {
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new InvalidInput(`run: the console needs a terminal (stdin and stdout are not both a TTY); ${SCRIPTABLE}`);
    const { InquirerPrompter } = await import('../console/inquirer.js');
    prompter = new InquirerPrompter();
  }
  // The console opens the store synchronously, screen by screen: ask for an encrypted file's key first.
  await (await import('../db-key.js')).databaseKey(g);
  const { ConsoleSession } = await import('../console/session.js');
  const { consoleActor } = await import('../console/actor.js');
  let acting: GlobalOptions;
  try {
    acting = await consoleActor(g, prompter);
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError') throw new Interrupted('stopped before anything was recorded');
    throw err;
  }
  const session = new ConsoleSession(acting, prompter, (text) => process.stdout.write(text));
  const resume = () => (session.current ? `irr run ${session.current}` : 'irr run');
  try {
    await session.run(id);
  } catch (err) {
    if (err instanceof AnswersExhausted) {
      printLines(`${visible(err.message)}; everything answered is saved. Resume with: ${resume()}`);
      return;
    }
    // Ctrl-C inside a prompt: nothing half-done is written, everything answered already is.
    if ((err as Error)?.name === 'ExitPromptError') throw new Interrupted(`stopped; everything answered is saved. Resume with: ${resume()}`);
    throw err;
  }
}
