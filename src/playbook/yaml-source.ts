import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InvalidInput } from '../domain/errors.js';
import { CONTROL_CHARS, stripBom, visible } from '../domain/text.js';
import type { Problem } from './problems.js';

export type Path = readonly (string | number)[];

/**
 * No irr file nests deeper than a dozen levels; beyond this a file is refused with the position
 * where it goes too deep, before anything recursive (the composer, toJS, zod) can run out of stack.
 */
export const MAX_YAML_DEPTH = 64;

import { readTextFile } from './text-file.js';
export { MAX_TEXT_FILE_BYTES, readProblem, readTextFile } from './text-file.js';

/**
 * A YAML file parsed with positions, so that every problem found later (by the schema or by the
 * cross-reference checks) can be reported at the line and column where the author must look.
 */
export class YamlSource {
  readonly problems: Problem[] = [];
  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {
    let deep = false;
    for (const e of [...doc.errors, ...doc.warnings]) {
      const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      // The composer recurses; a file nested thousands deep overflows it: say what is wrong.
      const overflow = /Maximum call stack/.test(e.message);
      if (overflow && deep) continue;
      deep ||= overflow;
      const message = overflow ? `nested too deeply (irr reads at most ${MAX_YAML_DEPTH} levels)` : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      this.problems.push({ file, line: pos.line, col: pos.col, message });
    }
    if (this.problems.length === 0) this.checkNodes();
  }

  static fromFile(file: string): YamlSource {
    return YamlSource.fromText(file, readTextFile(file));
  }

  static fromText(file: string, raw: string): YamlSource {
    const text = stripBom(raw);
    const lines = new LineCounter();
    let doc: Document.Parsed;
    try {
      doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
    } catch (err) {
      // The parser reports its own errors as data; anything thrown (a stack overflow in a
      // pathological file) is still the file's fault, not irr's.
      if (err instanceof RangeError) throw new InvalidInput(`${file}:1:1: nested too deeply (irr reads at most ${MAX_YAML_DEPTH} levels)`, [], { file, line: 1, column: 1 });
      throw err;
    }
    return new YamlSource(file, text, doc, lines);
  }

  /**
   * One pass over every node, with an explicit stack (no recursion): refuses nesting beyond
   * MAX_YAML_DEPTH and, in any key or value, control characters — the text of runbooks, regimes,
   * templates and drills is shown in terminals, where an ESC could repaint the screen.
   */
  private checkNodes(): void {
    const stack: { node: unknown; depth: number; path: string }[] = [{ node: this.doc.contents, depth: 0, path: '' }];
    let controls = 0;
    while (stack.length > 0) {
      const { node, depth, path } = stack.pop()!;
      if (isScalar(node)) {
        if (typeof node.value === 'string' && CONTROL_CHARS.test(node.value)) {
          const ch = CONTROL_CHARS.exec(node.value)![0];
          if (controls++ < 20) this.problems.push(this.at(node, `${path || '(top level)'}: contains control characters; write plain text (found ${visible(ch)})`));
        }
        continue;
      }
      if (!isCollection(node)) continue;
      if (depth >= MAX_YAML_DEPTH) {
        const shown = path.length > 60 ? `…${path.slice(-60)}` : path || '(top level)';
        this.problems.push(this.at(node, `${shown}: nested too deeply (irr reads at most ${MAX_YAML_DEPTH} levels)`));
        return;
      }
      const items = node.items as unknown[];
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i];
        if (isPair(item)) {
          const key = isScalar(item.key) ? String(item.key.value) : '?';
          const label = path ? `${path}.${visible(key).slice(0, 40)}` : visible(key).slice(0, 40);
          stack.push({ node: item.value, depth: depth + 1, path: label });
          stack.push({ node: item.key, depth: depth + 1, path: label });
        } else stack.push({ node: item, depth: depth + 1, path: `${path}[${i}]` });
      }
    }
  }

  private at(node: { range?: [number, number, number] | null }, message: string): Problem {
    const { line, col } = this.lines.linePos(node.range?.[0] ?? 0);
    return { file: this.file, line, col, message };
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }

  /** The plain value; an unresolvable or exploding alias becomes a problem, not a crash. */
  toJS(): unknown {
    if (this.js === undefined) {
      try {
        this.js = { value: this.doc.toJS({ maxAliasCount: 50 }) };
      } catch (err) {
        this.problems.push({ file: this.file, line: 1, col: 1, message: (err as Error).message.split('\n')[0]! });
        this.js = { value: undefined };
      }
    }
    return this.js.value;
  }

  private js?: { value: unknown };

  /** Position of the value at `path`, or of the nearest ancestor that exists. */
  positionOf(path: Path, preferKey = false): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const node = this.nodeAt(sub, preferKey && n === path.length);
      if (node?.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { line, col };
      }
    }
    return { line: 1, col: 1 };
  }

  /** Does this file itself write a value at `path`? */
  has(path: Path): boolean {
    return this.nodeAt(path, false) !== undefined;
  }

  problem(path: Path, message: string, preferKey = false): Problem {
    const { line, col } = this.positionOf(path, preferKey);
    return { file: this.file, line, col, message };
  }

  private nodeAt(path: Path, wantKey: boolean): Node | undefined {
    if (path.length === 0) return (this.doc.contents as Node | null) ?? undefined;
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === last);
      if (!pair) return undefined;
      return (wantKey ? pair.key : (pair.value ?? pair.key)) as Node | undefined;
    }
    if (isSeq(parent) && typeof last === 'number') return parent.items[last] as Node | undefined;
    return undefined;
  }
}
