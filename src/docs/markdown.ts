// Markdown helpers for the generated reference.

/** Text in a table cell: pipes escaped (GFM), line breaks flattened, and "<" outside `code` escaped so <name> is
 * not taken for an HTML tag. */
export function cell(s: string): string {
  return s
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;')))
    .join('');
}

/** Inline code, also inside a table cell (GFM needs pipes escaped even there); backticks inside get a longer fence. */
export function code(s: string): string {
  const t = s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const fence = t.includes('`') ? '``' : '`';
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

export function table(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** A GitHub heading anchor for `title`. */
export function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
