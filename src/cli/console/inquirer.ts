import { checkbox, input, select } from '@inquirer/prompts';
import { truncate, wrap } from '../../render/terminal-text.js';
import { GoBack, isBackWord, type CheckboxQuestion, type InputQuestion, type Prompter, type SelectQuestion } from './prompter.js';

/** The terminal's size, read when each question is put (the window may have been resized). */
export interface Screen {
  readonly rows: number;
  readonly columns: number;
}

/** Room for a list under what is on screen; at least a few rows even in a tiny window. */
const pageSize = (screen: Screen, reserved: number) => Math.max(5, screen.rows - reserved);

/** The key hints under a list, with Esc and, when the list scrolls, how many choices it holds. */
function keysTip(total: number, size: number) {
  return (keys: [string, string][]) =>
    [...keys, ['esc', 'back'], ...(total > size ? [['↓', `more: ${total} choices, ${size} shown at a time`]] : [])].map(([key, action]) => `${key} ${action}`).join(' • ');
}

// One line per choice, so a list fits an 80×24 terminal; the full text is in the description.
export function selectConfig<V extends string>(q: SelectQuestion<V>, screen: Screen) {
  const size = pageSize(screen, (q.above ?? 0) + 3 + (q.choices.some((c) => c.description) ? 1 : 0));
  return {
    message: q.message,
    choices: q.choices.map((c) => ({ value: c.value, name: c.wrap ? wrap(c.name, screen.columns - 3, '', '    ').join('\n') : truncate(c.name, screen.columns - 3), ...(c.description ? { description: truncate(c.description, screen.columns - 1) } : {}) })),
    ...(q.default !== undefined ? { default: q.default } : {}),
    // Below the list: a blank line, the highlighted choice's description (if any), the key hints.
    pageSize: size,
    loop: false,
    theme: { style: { keysHelpTip: keysTip(q.choices.length, size) } },
  };
}

export function inputConfig(q: InputQuestion) {
  return {
    message: q.message,
    ...(q.default !== undefined ? { default: q.default } : {}),
    validate: (v: string) => q.validate?.(v === '' && q.default !== undefined ? q.default : v) ?? true,
  };
}

export function checkboxConfig<V extends string>(q: CheckboxQuestion<V>, screen: Screen) {
  return {
    message: q.message,
    choices: q.choices.map((c) => ({ value: c.value, name: truncate(c.name, screen.columns - 5), checked: Boolean(c.checked) })),
    pageSize: pageSize(screen, 6),
    loop: false,
    theme: { style: { keysHelpTip: (keys: [string, string][]) => [...keys, ['esc', 'back']].map(([key, action]) => `${key} ${action}`).join(' • ') } },
  };
}

/** The terminal: the only module that imports inquirer. */
export class InquirerPrompter implements Prompter {
  readonly interactive = true;

  get rows(): number {
    return process.stdout.rows || 24;
  }

  get columns(): number {
    return process.stdout.columns || 80;
  }

  select<V extends string>(q: SelectQuestion<V>): Promise<V> {
    return escapable((context) => select<V>(selectConfig(q, this), context));
  }

  async input(q: InputQuestion): Promise<string> {
    const v = await escapable((context) => input(inputConfig(q), context));
    if (isBackWord(v)) throw new GoBack();
    return v === '' && q.default !== undefined ? q.default : v;
  }

  checkbox<V extends string>(q: CheckboxQuestion<V>): Promise<V[]> {
    return escapable((context) => checkbox<V>(checkboxConfig(q, this), context));
  }
}

/**
 * Esc aborts the question (inquirer's documented way: an AbortSignal wired to the keypress) and
 * becomes GoBack. Inquirer's readline turns stdin into keypress events; an arrow key arrives as one
 * key, a lone Esc as "escape" once readline's escape timeout has passed.
 */
async function escapable<T>(ask: (context: { signal: AbortSignal }) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onKey = (_: unknown, key?: { name?: string }) => {
    if (key?.name === 'escape') controller.abort();
  };
  process.stdin.on('keypress', onKey);
  try {
    return await ask({ signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted && (err as Error)?.name === 'AbortPromptError') throw new GoBack();
    throw err;
  } finally {
    process.stdin.off('keypress', onKey);
  }
}

/** A secret typed at the terminal (a key's passphrase): never echoed, asked on stderr so stdout stays the command's output. */
export async function askSecret(message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: false }, { output: process.stderr });
}
