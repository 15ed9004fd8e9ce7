import { checkbox, input, select } from '@inquirer/prompts';
import { truncate } from '../../render/terminal-text.js';
import type { CheckboxQuestion, InputQuestion, Prompter, SelectQuestion } from './prompter.js';

/** The terminal: the only module that imports inquirer. */
export class InquirerPrompter implements Prompter {
  readonly interactive = true;

  get rows(): number {
    return process.stdout.rows || 24;
  }

  get columns(): number {
    return process.stdout.columns || 80;
  }

  /** Room for a list under the header; at least a few rows even in a tiny window. */
  private pageSize(reserved: number): number {
    return Math.max(5, this.rows - reserved);
  }

  select<V extends string>(q: SelectQuestion<V>): Promise<V> {
    return select<V>({
      message: q.message,
      // One line per choice, so the list fits an 80×24 terminal; the full text is the description.
      choices: q.choices.map((c) => ({ value: c.value, name: truncate(c.name, this.columns - 3), ...(c.description ? { description: truncate(c.description, this.columns - 1) } : {}) })),
      ...(q.default !== undefined ? { default: q.default } : {}),
      pageSize: this.pageSize((q.above ?? 0) + 4),
      loop: false,
    });
  }

  input(q: InputQuestion): Promise<string> {
    return input({
      message: q.message,
      ...(q.default !== undefined ? { default: q.default } : {}),
      validate: (v: string) => q.validate?.(v === '' && q.default !== undefined ? q.default : v) ?? true,
    }).then((v) => (v === '' && q.default !== undefined ? q.default : v));
  }

  checkbox<V extends string>(q: CheckboxQuestion<V>): Promise<V[]> {
    return checkbox<V>({
      message: q.message,
      choices: q.choices.map((c) => ({ value: c.value, name: truncate(c.name, this.columns - 5), checked: Boolean(c.checked) })),
      pageSize: this.pageSize(6),
      loop: false,
    });
  }
}

