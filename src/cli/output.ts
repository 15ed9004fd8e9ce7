/** Writing to the terminal: the only stdout writer besides the prompts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLines(lines: readonly string[] | string): void {
  const text = typeof lines === 'string' ? lines : lines.join('\n');
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Pads for plain-text tables that still read well in an 80-column terminal. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, '').length;

export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string[] {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? '')))) ?? [];
  const pad = (c: string, w: number) => c + ' '.repeat(Math.max(0, w - visible(c)));
  const fmt = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  return header ? [fmt(header), ...rows.map(fmt)] : rows.map(fmt);
}
