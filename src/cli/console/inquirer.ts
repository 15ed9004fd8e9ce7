import { checkbox, input, select } from '@inquirer/prompts';
import { truncate } from '../../render/terminal-text.js';
import type { CheckboxQuestion, InputQuestion, Prompter, SelectQuestion } from './prompter.js';

/** The terminal's size, read when each question is put (the window may have been resized). */
export interface Screen {
  readonly rows: number;
  readonly columns: number;
}

/** Room for a list under what is on screen; at least a few rows even in a tiny window. */
const pageSize = (screen: Screen, reserved: number) => Math.max(5, screen.rows - reserved);

// One line per choice, so a list fits an 80×24 terminal; the full text is in the description.
export function selectConfig<V extends string>(q: SelectQuestion<V>, screen: Screen) {
  return {
    message: q.message,
    choices: q.choices.map((c) => ({ value: c.value, name: truncate(c.name, screen.columns - 3), ...(c.description ? { description: truncate(c.description, screen.columns - 1) } : {}) })),
    ...(q.default !== undefined ? { default: q.default } : {}),
    // Below the list: a blank line, the highlighted choice's description (if any), the key hints.
    pageSize: pageSize(screen, (q.above ?? 0) + 3 + (q.choices.some((c) => c.description) ? 1 : 0)),
    loop: false,
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
    return select<V>(selectConfig(q, this));
  }

  async input(q: InputQuestion): Promise<string> {
    const v = await input(inputConfig(q));
    return v === '' && q.default !== undefined ? q.default : v;
  }

  checkbox<V extends string>(q: CheckboxQuestion<V>): Promise<V[]> {
    return checkbox<V>(checkboxConfig(q, this));
  }
}

/** A secret typed at the terminal (a key's passphrase): never echoed, asked on stderr so stdout stays the command's output. */
export async function askSecret(message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: false }, { output: process.stderr });
}
