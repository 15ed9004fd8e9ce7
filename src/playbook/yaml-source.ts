import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InvalidInput } from '../domain/errors.js';
import type { Problem } from './problems.js';

export type Path = readonly (string | number)[];

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
    for (const e of [...doc.errors, ...doc.warnings]) {
      const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      this.problems.push({ file, line: pos.line, col: pos.col, message: e.message.split('\n')[0]! });
    }
  }

  static fromFile(file: string): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InvalidInput(`${file}: cannot read file (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`);
    }
    return YamlSource.fromText(file, text);
  }

  static fromText(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
    return new YamlSource(file, text, doc, lines);
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
