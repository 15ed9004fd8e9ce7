import MarkdownIt from 'markdown-it';
import pc from './colors.js';
import { wrap } from './terminal-text.js';

type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];

// Raw HTML off: a runbook's guidance is shown as text, never interpreted.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

function inline(children: readonly Token[] | null): string {
  let out = '';
  let href: string | null = null;
  for (const t of children ?? []) {
    switch (t.type) {
      case 'text':
        out += t.content;
        break;
      case 'code_inline':
        out += pc.cyan(`\`${t.content}\``);
        break;
      case 'softbreak':
        out += ' ';
        break;
      case 'hardbreak':
        // Kept as a line break (an address block, a letter's "To:/From:" lines); wrapped per line.
        out += '\u0003';
        break;
      case 'strong_open':
        out += '\u0001';
        break;
      case 'strong_close':
        out += '\u0002';
        break;
      case 'link_open':
        href = String(t.attrGet('href') ?? '') || null;
        break;
      case 'link_close':
        if (href) out += ` <${href}>`;
        href = null;
        break;
      default:
        if (t.content) out += t.content;
    }
  }
  // Bold is applied after wrapping would split codes; markers survive word splitting as plain chars.
  return out.replace(/\u0001([^\u0002]*)\u0002/g, (_m, s: string) => s.split(/\s+/).map((w) => pc.bold(w)).join(' '));
}

/**
 * Guidance Markdown as plain terminal text: headings, paragraphs, bullet and numbered lists with
 * hanging indents, code blocks indented. Meaning never depends on colour (NO_COLOR drops it).
 */
export function renderMarkdown(source: string, width: number): string[] {
  const tokens = md.parse(source, {});
  const lines: string[] = [];
  const lists: { ordered: boolean; n: number }[] = [];
  let bullet: string | null = null;
  const blank = () => {
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case 'heading_open': {
        blank();
        const text = inline(tokens[i + 1]!.children);
        lines.push(pc.bold(t.tag === 'h1' || t.tag === 'h2' ? text.toUpperCase() : text));
        i += 2;
        break;
      }
      case 'bullet_list_open':
      case 'ordered_list_open':
        if (lists.length === 0) blank();
        lists.push({ ordered: t.type === 'ordered_list_open', n: Number(t.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        if (lists.length === 0) blank();
        break;
      case 'list_item_open': {
        const l = lists[lists.length - 1]!;
        bullet = l.ordered ? `${l.n++}.` : '-';
        break;
      }
      case 'inline': {
        const depth = Math.max(0, lists.length - 1);
        const base = '  '.repeat(depth) + (lists.length ? '  ' : '');
        const [first = '', ...rest] = inline(t.children).split('\u0003');
        const hanging = bullet ? `${base}${' '.repeat(bullet.length + 1)}` : lists.length ? `${base}  ` : base;
        if (bullet) {
          lines.push(...wrap(first, width, `${base}${bullet} `, hanging));
          bullet = null;
        } else lines.push(...wrap(first, width, hanging));
        for (const part of rest) lines.push(...wrap(part, width, hanging));
        break;
      }
      case 'paragraph_close':
        if (lists.length === 0) blank();
        break;
      case 'fence':
      case 'code_block':
        blank();
        for (const l of t.content.replace(/\n$/, '').split('\n')) lines.push(`    ${l}`);
        blank();
        break;
      case 'hr':
        blank();
        lines.push('-'.repeat(Math.min(width, 40)));
        blank();
        break;
      case 'blockquote_open':
        break;
      default:
        break;
    }
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
