/**
 * Small Markdown helpers shared by every report the suite writes (the migrate report, the
 * snapshot summary, the pull-request comment). GitHub-flavoured Markdown; no dependencies.
 */

/** GitHub refuses an issue or pull-request comment body longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * Makes text safe inside one table cell: `|` would end the cell and a newline the row, so
 * pipes are escaped (GitHub honours `\|` even inside a code span in a cell) and line breaks
 * become `<br>`. Leading/trailing blanks are trimmed. Other Markdown in the cell is kept, so
 * a cell may hold a `codeSpan` or a link.
 */
export function escapeTableCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return text.replace(/\r\n?/g, '\n').trim().replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}

/**
 * A table from a header row and data rows. Cells are escaped (see `escapeTableCell`); a row
 * shorter than the header is padded, so a missing value never shifts the columns. `align`
 * takes `left`, `right` or `center` per column.
 */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  options: { align?: ReadonlyArray<'left' | 'right' | 'center' | undefined> } = {},
): string {
  if (header.length === 0) throw new Error('table: the header needs at least one column');
  const line = (cells: readonly unknown[]) => `| ${header.map((_, index) => escapeTableCell(cells[index])).join(' | ')} |`;
  const rule = header.map((_, index) => {
    switch (options.align?.[index]) {
      case 'right':
        return '---:';
      case 'center':
        return ':---:';
      case 'left':
        return ':---';
      default:
        return '---';
    }
  });
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * Inline code that survives any content: the fence is one backtick longer than the longest
 * run inside, padded with a space when the text starts or ends with a backtick. Newlines
 * become spaces (a code span cannot hold one). Inside a table cell, pass the result through
 * `escapeTableCell` (which `table` does).
 */
export function codeSpan(value: string): string {
  const text = value.replace(/\r?\n/g, ' ');
  if (text === '') return '` `';
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || /^ .* $/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run in the content. */
export function codeBlock(content: string, language = ''): string {
  const longest = Math.max(0, ...(content.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content.replace(/\n$/, '')}\n${fence}`;
}

/** A collapsed section. The blank line after `</summary>` lets GitHub render Markdown inside. */
export function details(summary: string, body: string, options: { open?: boolean } = {}): string {
  return `<details${options.open ? ' open' : ''}>\n<summary>${escapeHtml(summary)}</summary>\n\n${body.trim()}\n\n</details>`;
}

/** Escapes the characters that HTML gives meaning to (for text inside HTML tags). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Shortens Markdown to at most `limit` characters (UTF-16 code units, the stricter of the
 * ways to count), ending with `note`. It cuts at a line break when one is near, never
 * inside a surrogate pair, and closes a code fence or `<details>` left open by the cut so the
 * note renders as text. Returns the text unchanged when it already fits.
 */
export function truncateMarkdown(
  text: string,
  limit: number,
  note: (originalLength: number) => string = (length) =>
    `_This text was shortened: it had ${length.toLocaleString('en-US')} characters, more than the ${limit.toLocaleString('en-US')} allowed._`,
): { text: string; truncated: boolean } {
  if (text.length <= limit) return { text, truncated: false };
  const ending = `\n\n${note(text.length)}`;
  // Room for the note and for whatever closers the cut needs (a fence of up to 16 backticks
  // and a few </details>), computed conservatively.
  let budget = limit - ending.length - 64;
  if (budget < 0) throw new Error(`truncateMarkdown: limit ${limit} leaves no room for the note`);
  let cut = text.slice(0, budget);
  const lastBreak = cut.lastIndexOf('\n');
  if (lastBreak > budget * 0.9) cut = cut.slice(0, lastBreak);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);

  const closers: string[] = [];
  const fences = [...cut.matchAll(/^ {0,3}(`{3,}|~{3,})/gm)].map((match) => match[1]!);
  let open: string | undefined;
  for (const fence of fences) {
    if (open === undefined) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = undefined;
  }
  if (open !== undefined) closers.push(open);
  const detailsOpen = (cut.match(/<details[\s>]/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length;
  for (let index = 0; index < Math.min(detailsOpen, 4); index++) closers.push('</details>');
  let result = `${cut}${closers.length ? `\n${closers.join('\n')}` : ''}${ending}`;
  if (result.length > limit) {
    // Only reachable with pathological fences; fall back to a plain cut.
    budget = limit - ending.length;
    const code = text.charCodeAt(budget - 1);
    result = `${text.slice(0, code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget)}${ending}`;
  }
  return { text: result, truncated: true };
}
