// Splits and parses SQL with Postgres's own grammar (libpg-query, WebAssembly), so
// dollar-quoted bodies, DO blocks, strings and comments are never cut in the wrong place.
// Files may also carry psql-style inline data, as pg_dump writes it: `COPY t (a, b) FROM stdin;`
// followed by rows and a line `\.`. The parser finds where such a COPY statement ends; its
// rows are set aside (and blanked out for the parser) until the `\.` line.
import { parse as parseWithPostgres, scan } from 'libpg-query';
import type { Node, ParseResult } from 'libpg-query';

export interface SqlStatement {
  /** The statement's text as written, without the trailing semicolon or comments after it. */
  text: string;
  /** The parse tree node, e.g. `{ CreateStmt: {...} }`. Its locations are byte offsets into the file. */
  node: Node;
  /** The node's kind, e.g. `CreateStmt`, `IndexStmt`, `AlterTableStmt`. */
  kind: string;
  /** 1-based line and column of the statement's first character in the file. */
  line: number;
  column: number;
  /** Character offset of the statement in the file. */
  offset: number;
  /** Comments that stand between the previous statement and this one. */
  leadingComments: string;
  /**
   * For `COPY ... FROM stdin` with its data inline (psql/pg_dump style): the rows as written,
   * each ending with its newline, without the closing `\.` line. Send them with COPY's protocol.
   */
  copyData?: string;
  /** Where that data sits in the file: character offsets of its first line and of the end of its `\.` line, and the first line's number. */
  copyDataSpan?: { start: number; end: number; line: number };
}

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

const NEWLINE = 0x0a;
const SPACE = 0x20;

/**
 * A file's text with its UTF-8 bytes: libpg-query reports byte offsets, JavaScript strings
 * count UTF-16 units. Conversions walk forward from the last one, so a pass over a file in
 * order costs one decode of it.
 */
export class FileText {
  readonly bytes: Buffer;
  private readonly ascii: boolean;
  private readonly lineStarts: number[] = [0];
  private cursorByte = 0;
  private cursorChar = 0;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.ascii = this.bytes.length === text.length;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === NEWLINE) this.lineStarts.push(i + 1);
  }

  /** The character offset of a byte offset that falls on a character boundary. */
  charOffset(byteOffset: number): number {
    if (this.ascii) return byteOffset;
    if (byteOffset < this.cursorByte) {
      this.cursorByte = 0;
      this.cursorChar = 0;
    }
    this.cursorChar += this.bytes.subarray(this.cursorByte, byteOffset).toString('utf8').length;
    this.cursorByte = byteOffset;
    return this.cursorChar;
  }

  position(charOffset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= charOffset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: charOffset - this.lineStarts[low]! + 1 };
  }

  positionOfByte(byteOffset: number): { line: number; column: number } {
    return this.position(this.charOffset(byteOffset));
  }

  /** Byte offset of the start of the line holding a byte offset. */
  lineStartByte(byteOffset: number): number {
    return byteOffset <= 0 ? 0 : this.bytes.lastIndexOf(NEWLINE, byteOffset - 1) + 1;
  }
}

/** A `COPY ... FROM stdin` statement's inline data, in bytes of the file. */
interface CopyBlock {
  /** The first data line. */
  dataStart: number;
  /** The start of the `\.` line. */
  dataEnd: number;
  /** Just past the `\.` line (and its newline). */
  end: number;
}

function isCopyFromStdin(node: Node | undefined): boolean {
  const copy = (node as { CopyStmt?: { is_from?: boolean; filename?: string; is_program?: boolean } } | undefined)?.CopyStmt;
  return Boolean(copy?.is_from && copy.filename === undefined && !copy.is_program);
}

interface ParseFailure {
  message: string;
  /** Byte offset into the text that was parsed. */
  cursor: number;
}

function parseFailure(error: unknown): ParseFailure | undefined {
  const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
  return details ? { message: details.message, cursor: details.cursorPosition } : undefined;
}

function syntaxError(file: FileText, message: string, byteOffset: number): SqlSyntaxError {
  const where = file.positionOfByte(Math.max(0, Math.min(byteOffset, file.bytes.length)));
  return new SqlSyntaxError(`${message} (line ${where.line}, column ${where.column})`, where.line, where.column);
}

async function parseBytes(file: FileText, from: number, to: number): Promise<ParseResult> {
  return parseWithPostgres(file.bytes.subarray(from, to).toString('utf8'));
}

/**
 * The first top-level `COPY ... FROM stdin` in the file from byte `from` on, with the byte
 * offset of its closing semicolon (undefined when none follows it), or the parse of the rest
 * when there is none. The rows after such a COPY are not SQL, so the parser stops in them: the
 * text before the line it stopped on is parsed again, until the COPY is found or it is clear
 * that the error is a real one.
 */
async function firstCopyFromStdin(file: FileText, from: number, until = file.bytes.length): Promise<{ copyStart: number; semicolon?: number } | { tree: ParseResult }> {
  let limit = until;
  let firstError: unknown;
  for (;;) {
    let tree: ParseResult | undefined;
    let failure: ParseFailure | undefined;
    try {
      tree = await parseBytes(file, from, limit);
    } catch (error) {
      failure = parseFailure(error);
      if (!failure) throw error;
      firstError ??= error;
    }
    if (tree) {
      for (const raw of tree.stmts ?? []) {
        if (!isCopyFromStdin(raw.stmt as Node)) continue;
        const start = from + (raw.stmt_location ?? 0);
        if (!raw.stmt_len && firstError !== undefined) {
          // The COPY ends where the text was cut: either its semicolon is missing, or the error is a real one.
          const failure = parseFailure(firstError)!;
          throw syntaxError(file, `${failure.message}; if the lines after the COPY ... FROM stdin on line ${file.positionOfByte(start).line} are its data, end the COPY with a semicolon`, from + failure.cursor);
        }
        return { copyStart: start, semicolon: raw.stmt_len ? start + raw.stmt_len : undefined };
      }
      if (firstError === undefined) return { tree };
      break;
    }
    // Cut before the line the parser stopped on (for "at end of input", the last line with text).
    let stop = from + failure!.cursor;
    if (stop >= limit) {
      stop = limit - 1;
      while (stop > from && isSpace(file.bytes[stop]!)) stop--;
    }
    const cut = file.lineStartByte(stop);
    if (cut <= from || cut >= limit) break;
    limit = cut;
  }
  const failure = parseFailure(firstError)!;
  throw syntaxError(file, failure.message, from + failure.cursor);
}

function isSpace(byte: number): boolean {
  return byte === SPACE || byte === NEWLINE || byte === 0x09 || byte === 0x0d || byte === 0x0c || byte === 0x0b;
}

/** Byte offset of the first line at or after `from` that is exactly `\.` (psql also accepts `\.` before a CR LF), and the end of that line. */
function terminatorLine(bytes: Buffer, from: number): { start: number; end: number } | undefined {
  let lineStart = from;
  while (lineStart < bytes.length) {
    const next = bytes.indexOf(NEWLINE, lineStart);
    const stop = next === -1 ? bytes.length : next;
    const length = stop - lineStart;
    if ((length === 2 || (length === 3 && bytes[lineStart + 2] === 0x0d)) && bytes[lineStart] === 0x5c && bytes[lineStart + 1] === 0x2e) {
      return { start: lineStart, end: next === -1 ? bytes.length : next + 1 };
    }
    lineStart = stop + 1;
  }
  return undefined;
}

/**
 * Like firstCopyFromStdin, but tries the text up to the next `\.` line first: in a dump, the
 * next COPY comes before it, and the parser then never reads the rest of a large file. When
 * that does not find a COPY (the `\.` was in a string or a function body), the whole rest.
 */
async function nextCopyFromStdin(file: FileText, from: number): Promise<{ copyStart: number; semicolon?: number } | { tree: ParseResult }> {
  const terminator = terminatorLine(file.bytes, from);
  if (terminator && terminator.end < file.bytes.length) {
    const found = await firstCopyFromStdin(file, from, terminator.end).catch(() => undefined);
    if (found && 'copyStart' in found) return found;
  }
  return firstCopyFromStdin(file, from);
}

/** Finds each `COPY ... FROM stdin` and its data up to the line `\.`, the way psql reads a file. */
async function findCopyData(file: FileText): Promise<{ blocks: CopyBlock[]; tree?: ParseResult }> {
  const { bytes } = file;
  const blocks: CopyBlock[] = [];
  let from = 0;
  while (from < bytes.length) {
    const found = await nextCopyFromStdin(file, from);
    if ('tree' in found) return { blocks, tree: from === 0 ? found.tree : undefined };
    const copyLine = file.positionOfByte(found.copyStart).line;
    if (found.semicolon === undefined || bytes[found.semicolon] !== 0x3b) {
      throw syntaxError(file, `COPY ... FROM stdin needs a semicolon at the end of its line, with its data on the lines after it and a line \\. after the data`, found.copyStart);
    }
    const newline = bytes.indexOf(NEWLINE, found.semicolon);
    const lineEnd = newline === -1 ? bytes.length : newline;
    // Like psql, the data starts on the next line: only comments may follow the semicolon.
    const rest = bytes.subarray(found.semicolon + 1, lineEnd).toString('utf8');
    if (rest.trim() !== '') {
      let tokens: Array<{ tokenName: string }> | undefined;
      try {
        tokens = (await scan(rest)).tokens;
      } catch {
        tokens = undefined;
      }
      if (!tokens || tokens.some((token) => token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT')) {
        throw syntaxError(file, 'nothing but a comment may follow COPY ... FROM stdin; on its line: the data starts on the next line. Move the rest after the data\'s \\. line', found.semicolon + 1);
      }
    }
    // The data ends at the first line that is exactly `\.`.
    const dataStart = newline === -1 ? bytes.length : newline + 1;
    const terminator = terminatorLine(bytes, dataStart);
    if (!terminator) {
      throw syntaxError(file, `COPY ... FROM stdin on line ${copyLine} has no end-of-data line: put a line \\. (backslash, period, nothing else) after its last row`, found.copyStart);
    }
    blocks.push({ dataStart, dataEnd: terminator.start, end: terminator.end });
    from = terminator.end;
  }
  return { blocks };
}

/** The file with each COPY's data and `\.` line turned into spaces (newlines kept): byte offsets stay the same. */
function blankCopyData(bytes: Buffer, blocks: CopyBlock[]): Buffer {
  const blanked = Buffer.from(bytes);
  for (const block of blocks) {
    for (let i = block.dataStart; i < block.end; i++) if (blanked[i] !== NEWLINE) blanked[i] = SPACE;
  }
  return blanked;
}

/**
 * Where a statement's first token starts, past the whitespace and comments before it. Comments
 * are found with Postgres's scanner, on a window that grows until it reaches a token that is not
 * a comment (scanning the whole file costs more than parsing it).
 */
async function firstTokenByte(bytes: Buffer, from: number, to: number): Promise<number> {
  // Between statements there is only white space and comments, whose syntax is small: `--` to the
  // end of the line, and `/* */`, which nests. Skipping them here spares a scanner call per
  // statement (most statements in generated migrations follow a comment).
  let at = from;
  for (;;) {
    while (at < to && isSpace(bytes[at]!)) at++;
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d && at + 1 < to) {
      while (at < to && bytes[at] !== NEWLINE && bytes[at] !== 0x0d) at++;
    } else if (bytes[at] === 0x2f && bytes[at + 1] === 0x2a && at + 1 < to) {
      let depth = 1;
      at += 2;
      while (at < to && depth > 0) {
        if (bytes[at] === 0x2f && bytes[at + 1] === 0x2a) depth++;
        else if (bytes[at] === 0x2a && bytes[at + 1] === 0x2f) depth--;
        else {
          at++;
          continue;
        }
        at += 2;
      }
    } else {
      return Math.min(at, to);
    }
  }
}

/**
 * The file's text with the inline COPY data of its statements blanked out, byte for byte (each
 * byte of the data becomes a space, newlines stay): Postgres's scanner can then read the whole
 * file, and its byte offsets are the file's.
 */
export function withoutCopyData(sql: string, statements: SqlStatement[]): string {
  const spans = statements.flatMap((statement) => (statement.copyDataSpan ? [statement.copyDataSpan] : []));
  if (spans.length === 0) return sql;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += sql.slice(at, span.start);
    for (const line of sql.slice(span.start, span.end).split('\n').map((part) => ' '.repeat(Buffer.byteLength(part, 'utf8')))) out += `${line}\n`;
    out = out.slice(0, -1);
    at = span.end;
  }
  return out + sql.slice(at);
}

export async function splitStatements(sql: string): Promise<SqlStatement[]> {
  // The parser refuses empty input; an empty file simply has no statements.
  if (sql.trim() === '') return [];
  const file = new FileText(sql);
  const { blocks, tree: parsed } = await findCopyData(file);
  const parsedBytes = blocks.length > 0 ? blankCopyData(file.bytes, blocks) : file.bytes;
  let tree = parsed;
  if (!tree) {
    try {
      tree = await parseWithPostgres(parsedBytes.toString('utf8'));
    } catch (error) {
      const failure = parseFailure(error);
      if (!failure) throw error;
      throw syntaxError(file, failure.message, failure.cursor);
    }
  }
  const statements: SqlStatement[] = [];
  let previousEnd = 0;
  let nextBlock = 0;
  for (const raw of tree.stmts ?? []) {
    const startByte = raw.stmt_location ?? 0;
    const endByte = raw.stmt_len ? startByte + raw.stmt_len : parsedBytes.length;
    // The statement's range starts with the whitespace and comments before it and, for the
    // last one, runs on to the end of the file.
    const textStart = await firstTokenByte(parsedBytes, startByte, endByte);
    let textEnd = endByte;
    while (textEnd > textStart && isSpace(parsedBytes[textEnd - 1]!)) textEnd--;
    const offset = file.charOffset(textStart);
    const { line, column } = file.position(offset);
    const node = raw.stmt as Node;
    const statement: SqlStatement = {
      text: parsedBytes.subarray(textStart, textEnd).toString('utf8'),
      node,
      kind: Object.keys(node)[0] ?? 'Unknown',
      line,
      column,
      offset,
      leadingComments: parsedBytes.subarray(previousEnd, textStart).toString('utf8').replace(/^;/, ''),
    };
    // Blocks and statements come in file order: the next block belongs to this COPY.
    const block = isCopyFromStdin(node) ? blocks[nextBlock] : undefined;
    if (block && block.dataStart > textStart) {
      nextBlock++;
      const start = file.charOffset(block.dataStart);
      statement.copyData = file.bytes.subarray(block.dataStart, block.dataEnd).toString('utf8');
      statement.copyDataSpan = { start, end: file.charOffset(block.end), line: file.position(start).line };
    }
    statements.push(statement);
    previousEnd = endByte;
  }
  return statements;
}

/**
 * The file line of the row a failed COPY names. Postgres puts `COPY plans, line 2, column id: "x"`
 * in the error's context (English messages only; otherwise the COPY statement's own line).
 */
export function copyErrorLine(statement: SqlStatement, error: unknown): number | undefined {
  const where = (error as { where?: string }).where;
  if (!statement.copyDataSpan || typeof where !== 'string') return undefined;
  const match = /^COPY [^\n]*?, line (\d+)/.exec(where);
  return match ? statement.copyDataSpan.line + Number(match[1]) - 1 : undefined;
}
