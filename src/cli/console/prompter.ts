import { readFileSync } from 'node:fs';
import { InvalidInput } from '../../domain/errors.js';
import { stripBom, visible } from '../../domain/text.js';

/**
 * Every question the console asks goes through this one interface, so the same flow runs in a
 * terminal (inquirer) and unattended from an answers file. This module and ./inquirer.ts are the
 * only places that know how a question is put.
 */

export interface Choice<V extends string = string> {
  readonly value: V;
  readonly name: string;
  /** Shown under the list when the choice is highlighted. */
  readonly description?: string;
  /** Wrap at words onto a second line instead of being cut (a line that carries a deadline). */
  readonly wrap?: boolean;
}

export interface SelectQuestion<V extends string> {
  readonly message: string;
  readonly choices: readonly Choice<V>[];
  readonly default?: V;
  /** Lines already on screen above the question, so the list fits under them. */
  readonly above?: number;
}

export interface InputQuestion {
  readonly message: string;
  readonly default?: string;
  /** An error message for a bad answer, or null when it is acceptable. */
  readonly validate?: (answer: string) => string | null;
}

export interface CheckboxQuestion<V extends string> {
  readonly message: string;
  readonly choices: readonly (Choice<V> & { readonly checked?: boolean })[];
}

export interface Prompter {
  /** True when a person is looking at a screen that can be cleared and redrawn. */
  readonly interactive: boolean;
  select<V extends string>(q: SelectQuestion<V>): Promise<V>;
  input(q: InputQuestion): Promise<string>;
  checkbox<V extends string>(q: CheckboxQuestion<V>): Promise<V[]>;
  /** Rows available for a list before it must scroll. */
  readonly rows: number;
  readonly columns: number;
}

/**
 * The responder went back one screen: Esc in a terminal, or "back" typed (or given in an answers
 * file) at a question that has no "back" choice of its own. Nothing from the question is stored.
 */
export class GoBack extends Error {
  constructor() {
    super('back');
    this.name = 'GoBack';
  }
}

/** The word that goes back at a free-text question, so "back" is never stored as a reason or a note. */
export const BACK_WORD = 'back';

export function isBackWord(answer: string): boolean {
  return answer.trim().toLowerCase() === BACK_WORD;
}

/** An answers file that does not fit the questions: stops the run, exit 2, naming file and line. */
export class BadAnswer extends InvalidInput {}

/** The answers file ran out: the flow stops as if the responder quit, everything answered is kept. */
export class AnswersExhausted extends Error {}

interface Answer {
  readonly value: string | readonly string[];
  readonly line: number;
}

/** Read a YAML or JSON list of answers, keeping each answer's line for error messages. */
export async function readAnswers(file: string): Promise<Answer[]> {
  const { readTextFile } = await import('../../playbook/yaml-source.js');
  let text: string;
  try {
    text = file === '-' ? stripBom(readFileSync(0, 'utf8')) : readTextFile(file);
  } catch (err) {
    if (err instanceof InvalidInput) throw new InvalidInput(err.message, [], { flag: '--answers', file });
    throw new InvalidInput(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, [], { flag: '--answers', file });
  }
  const { LineCounter, parseDocument, isSeq, isScalar } = await import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? 1;
    const column = e.linePos?.[0]?.col ?? 1;
    const why = /Maximum call stack/.test(e.message) ? 'nested too deeply (an answer is text or a list of texts)' : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new InvalidInput(`${file}:${line}:${column}: ${why}`, [], { flag: '--answers', file, line, column });
  }
  if (!isSeq(doc.contents)) throw new InvalidInput(`${file}:1: expected a list of answers (YAML "- answer" lines or a JSON array)`);
  const line = (node: { range?: [number, number, number] | null }) => (node.range ? lc.linePos(node.range[0]).line : 1);
  return doc.contents.items.map((item, i) => {
    const n = item as { range?: [number, number, number] | null };
    if (isScalar(item)) {
      const v = item.value;
      return { value: v === null ? '' : String(v), line: line(n) };
    }
    if (isSeq(item) && item.items.every(isScalar)) return { value: item.items.map((x) => String((x as { value: unknown }).value)), line: line(n) };
    throw new InvalidInput(`${file}:${line(n)}: answer ${i + 1} must be text, a number, yes/no, or a list (for a multiple choice)`);
  });
}

/**
 * Answers from a file, in order, one per question. Each question and its answer are echoed so the
 * run reads like a transcript of the session it replaces.
 */
export class ScriptedPrompter implements Prompter {
  readonly interactive = false;
  readonly rows = 1000;
  readonly columns = 100;
  private next = 0;

  constructor(
    private readonly file: string,
    private readonly answers: readonly Answer[],
    private readonly echo: (line: string) => void,
  ) {}

  private take(message: string): Answer {
    const a = this.answers[this.next];
    if (!a) throw new AnswersExhausted(`${this.file}: no answer left for "${message}" after ${this.answers.length} answers`);
    this.next++;
    return a;
  }

  private refuse(a: Answer, message: string, problem: string): never {
    throw new BadAnswer(`${this.file}:${a.line}: answer ${this.next} to "${message}": ${visible(problem)}`, [], { file: this.file, line: a.line, question: message });
  }

  async select<V extends string>(q: SelectQuestion<V>): Promise<V> {
    const a = this.take(q.message);
    if (typeof a.value !== 'string') this.refuse(a, q.message, 'expected one choice, not a list');
    const want = a.value.trim();
    const hit = q.choices.find((c) => c.value === want) ?? q.choices.find((c) => c.name.trim().toLowerCase() === want.toLowerCase());
    if (!hit && isBackWord(want)) {
      this.echo(`? ${q.message} (back)`);
      throw new GoBack();
    }
    if (!hit) {
      const values = q.choices.map((c) => c.value);
      this.refuse(a, q.message, `"${visible(want).slice(0, 60)}" is not one of the choices (${values.slice(0, 12).join(', ')}${values.length > 12 ? ', …' : ''})`);
    }
    this.echo(`? ${q.message} ${hit.value}`);
    return hit.value;
  }

  async input(q: InputQuestion): Promise<string> {
    const a = this.take(q.message);
    if (typeof a.value !== 'string') this.refuse(a, q.message, 'expected text, not a list');
    const answer = a.value === '' && q.default !== undefined ? q.default : a.value;
    if (isBackWord(answer)) {
      this.echo(`? ${q.message} (back)`);
      throw new GoBack();
    }
    const problem = q.validate?.(answer);
    if (problem) this.refuse(a, q.message, problem);
    // The transcript shows what was typed, never lets it act on the terminal.
    this.echo(`? ${q.message} ${visible(answer)}`);
    return answer;
  }

  async checkbox<V extends string>(q: CheckboxQuestion<V>): Promise<V[]> {
    const a = this.take(q.message);
    // "-" means "not known" for every kind of question, a multiple choice included.
    const text = typeof a.value === 'string' && a.value.trim() === '-' ? '' : a.value;
    const wanted = typeof text === 'string' ? text.split(',').map((s) => s.trim()).filter(Boolean) : text.map((s) => s.trim());
    const out: V[] = [];
    for (const w of wanted) {
      const hit = q.choices.find((c) => c.value === w);
      if (!hit) this.refuse(a, q.message, `"${visible(w).slice(0, 60)}" is not one of the choices (${q.choices.map((c) => c.value).join(', ')})`);
      if (!out.includes(hit.value)) out.push(hit.value);
    }
    this.echo(`? ${q.message} ${out.join(', ') || '(none)'}`);
    return out;
  }
}
