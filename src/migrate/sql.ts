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
  /**
   * Where the rows are on disk, for a large file read in chunks (see copy-data.ts): bytes
   * [start, end) of the file at `path`. `copyData` is empty then; the rows are streamed from the file.
   */
  copySource?: { path: string; start: number; end: number };
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
  /** Where each line starts (a typed array: a data file has hundreds of thousands of lines). */
  private readonly lineStarts: Uint32Array;
  private cursorByte = 0;
  private cursorChar = 0;

  /** `bytes`, when given, must be the text's UTF-8 encoding (the file as read): no second copy of a large file. */
  constructor(
    readonly text: string,
    bytes?: Buffer,
  ) {
    this.bytes = bytes ?? Buffer.from(text, 'utf8');
    this.ascii = this.bytes.length === text.length;
    // One pass, growing the array: a data file's text has a line per row.
    let starts = new Uint32Array(64);
    let count = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
      if (count === starts.length) {
        const grown = new Uint32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count++] = at + 1;
    }
    this.lineStarts = starts.subarray(0, count);
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

function isSpace(byte: number): boolean {
  return byte === SPACE || byte === NEWLINE || byte === 0x09 || byte === 0x0d || byte === 0x0c || byte === 0x0b;
}

/** A line that starts with `\.`, found with one search instead of a look at every line. */
const TERMINATOR_AFTER_NEWLINE = Buffer.from('\n\\.');

/** Byte offset of the first line at or after `from` that is exactly `\.` (psql also accepts `\.` before a CR LF), and the end of that line. */
function terminatorLine(bytes: Buffer, from: number): { start: number; end: number } | undefined {
  // The end of the line when `\.` at `start` is all of it (before a CR LF, LF or the end), else -1.
  const endOfLine = (start: number): number => {
    let at = start + 2;
    if (bytes[at] === 0x0d) at++;
    if (at === bytes.length) return at;
    return bytes[at] === NEWLINE ? at + 1 : -1;
  };
  if (bytes[from] === 0x5c && bytes[from + 1] === 0x2e) {
    const end = endOfLine(from);
    if (end !== -1) return { start: from, end };
  }
  for (let hit = bytes.indexOf(TERMINATOR_AFTER_NEWLINE, from); hit !== -1; hit = bytes.indexOf(TERMINATOR_AFTER_NEWLINE, hit + 1)) {
    const end = endOfLine(hit + 1);
    if (end !== -1) return { start: hit + 1, end };
  }
  return undefined;
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
    for (const line of sql
      .slice(span.start, span.end)
      .split('\n')
      .map((part) => ' '.repeat(Buffer.byteLength(part, 'utf8'))))
      out += `${line}\n`;
    out = out.slice(0, -1);
    at = span.end;
  }
  return out + sql.slice(at);
}

/** Files are parsed in windows of about this many bytes, so memory stays bounded on large files. */
const WINDOW_BYTES = 1 << 16;

/** One empty node per kind, shared by the statements that leave their parse tree behind. */
const EMPTY_NODES = new Map<string, Node>();

function emptyNode(kind: string): Node {
  let node = EMPTY_NODES.get(kind);
  if (!node) EMPTY_NODES.set(kind, (node = Object.freeze({ [kind]: Object.freeze({}) }) as unknown as Node));
  return node;
}

/** The parse of [from, end), or, when that fails, of the lines before the one it failed on. */
async function parseWindow(file: FileText, from: number, end: number): Promise<{ stmts: NonNullable<ParseResult['stmts']>; failure?: ParseFailure }> {
  try {
    return { stmts: (await parseBytes(file, from, end)).stmts ?? [] };
  } catch (error) {
    const failure = parseFailure(error);
    if (!failure) throw error;
    // Cut before the line the parser stopped on (for "at end of input", the last line with text).
    let stop = from + failure.cursor;
    if (stop >= end) {
      stop = end - 1;
      while (stop > from && isSpace(file.bytes[stop]!)) stop--;
    }
    const cut = file.lineStartByte(stop);
    if (cut <= from || cut >= end) return { stmts: [], failure };
    try {
      return { stmts: (await parseBytes(file, from, cut)).stmts ?? [], failure };
    } catch {
      return { stmts: [], failure };
    }
  }
}

export interface SplitOptions {
  /**
   * Which statements keep their parse tree; the others get an empty, shared and frozen node of
   * their kind (`{ InsertStmt: {} }`). A seed of 400,000 INSERTs needs their text, not their trees.
   */
  keepNode?: (kind: string) => boolean;
  /** What each kept parse tree is stored as: the linter keeps of a plain INSERT ... VALUES only what its checks read. */
  shrink?: (node: Node, kind: string) => Node;
  /** The window's size in bytes (tests use small ones). */
  windowBytes?: number;
  /** The text's UTF-8 bytes, when the caller has them (the file as read). */
  bytes?: Buffer;
  /** Sees each statement in order (with its COPY data); only those it returns true for are kept in the result. */
  keep?: (statement: SqlStatement) => boolean;
}

/**
 * The file's statements, parsed window by window: each window ends at a line end, and only the
 * statements that end with their semicolon inside it are taken (the rest is parsed again with
 * the next window). A window that holds no whole statement grows. Inline COPY data (psql/pg_dump
 * style) is set aside at each `COPY ... FROM stdin`, up to its `\.` line.
 */
export async function splitStatements(sql: string, options: SplitOptions = {}): Promise<SqlStatement[]> {
  // The parser refuses empty input; an empty file simply has no statements.
  if (sql.trim() === '') return [];
  const file = new FileText(sql, options.bytes);
  const { bytes } = file;
  const statements: SqlStatement[] = [];
  let previousEnd = 0;
  let from = 0;
  const window = options.windowBytes ?? WINDOW_BYTES;
  let size = window;
  while (from < bytes.length) {
    const whole = from + size >= bytes.length;
    const newline = whole ? -1 : bytes.indexOf(NEWLINE, from + size);
    const end = newline === -1 ? bytes.length : newline + 1;
    const last = end >= bytes.length;
    const { stmts, failure } = await parseWindow(file, from, end);
    // Whole statements: those that end with a semicolon, and the last one when all of the file parsed.
    let taken = stmts.filter((raw) => raw.stmt_len);
    if (last && !failure && stmts.length > taken.length) taken = stmts;
    const copyAt = taken.findIndex((raw) => isCopyFromStdin(raw.stmt as Node));
    if (copyAt !== -1) taken = taken.slice(0, copyAt + 1);
    if (taken.length === 0) {
      if (!last) {
        size *= 4;
        continue;
      }
      if (!failure) break;
      const open = stmts.at(-1);
      if (open && isCopyFromStdin(open.stmt as Node)) {
        throw syntaxError(
          file,
          `${failure.message}; if the lines after the COPY ... FROM stdin on line ${file.positionOfByte(from + (open.stmt_location ?? 0)).line} are its data, end the COPY with a semicolon`,
          from + failure.cursor,
        );
      }
      throw syntaxError(file, failure.message, from + failure.cursor);
    }
    size = window;
    const base = from;
    for (const raw of taken) {
      const startByte = base + (raw.stmt_location ?? 0);
      const endByte = raw.stmt_len ? startByte + raw.stmt_len : end;
      const statement = await toStatement(file, raw.stmt as Node, startByte, endByte, previousEnd, options);
      // The parser's locations count from the window's start; the node's count from the file's.
      if (base > 0) shiftLocations(statement.node, base);
      previousEnd = endByte;
      from = raw.stmt_len ? endByte : end;
      if (isCopyFromStdin(statement.node)) {
        previousEnd = from = await attachCopyData(file, statement, startByte, endByte);
      }
      if (!options.keep || options.keep(statement)) statements.push(statement);
    }
  }
  return statements;
}

function shiftLocations(value: unknown, by: number): void {
  if (Array.isArray(value)) {
    for (const item of value) shiftLocations(item, by);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key === 'location' && typeof record[key] === 'number' && (record[key] as number) >= 0) record[key] = (record[key] as number) + by;
      else shiftLocations(record[key], by);
    }
  }
}

async function toStatement(file: FileText, node: Node, startByte: number, endByte: number, previousEnd: number, options: SplitOptions): Promise<SqlStatement> {
  const { bytes, text } = file;
  // The statement's range starts with the whitespace and comments before it and, for the
  // last one, runs on to the end of the file.
  const textStart = await firstTokenByte(bytes, startByte, endByte);
  let textEnd = endByte;
  while (textEnd > textStart && isSpace(bytes[textEnd - 1]!)) textEnd--;
  const leadingStart = file.charOffset(previousEnd);
  const offset = file.charOffset(textStart);
  const charEnd = file.charOffset(textEnd);
  const { line, column } = file.position(offset);
  const kind = Object.keys(node)[0] ?? 'Unknown';
  return {
    // Slices of the file's text: no copy of it per statement.
    text: text.slice(offset, charEnd),
    node: !options.keepNode || options.keepNode(kind) || isCopyFromStdin(node) ? (options.shrink?.(node, kind) ?? node) : emptyNode(kind),
    kind,
    line,
    column,
    offset,
    leadingComments: text.slice(leadingStart, offset).replace(/^;/, ''),
  };
}

/** A COPY ... FROM stdin's rows, from the line after its semicolon to the line `\.`. Returns the byte offset past that line. */
async function attachCopyData(file: FileText, statement: SqlStatement, copyStart: number, semicolon: number): Promise<number> {
  const { bytes } = file;
  const copyLine = file.positionOfByte(copyStart).line;
  if (bytes[semicolon] !== 0x3b) {
    throw syntaxError(
      file,
      `COPY ... FROM stdin needs a semicolon at the end of its line, with its data on the lines after it and a line \\. after the data`,
      copyStart,
    );
  }
  const newline = bytes.indexOf(NEWLINE, semicolon);
  const lineEnd = newline === -1 ? bytes.length : newline;
  // Like psql, the data starts on the next line: only comments may follow the semicolon.
  const rest = bytes.subarray(semicolon + 1, lineEnd).toString('utf8');
  if (rest.trim() !== '') {
    let tokens: Array<{ tokenName: string }> | undefined;
    try {
      tokens = (await scan(rest)).tokens;
    } catch {
      tokens = undefined;
    }
    if (!tokens || tokens.some((token) => token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT')) {
      throw syntaxError(
        file,
        "nothing but a comment may follow COPY ... FROM stdin; on its line: the data starts on the next line. Move the rest after the data's \\. line",
        semicolon + 1,
      );
    }
  }
  const dataStart = newline === -1 ? bytes.length : newline + 1;
  const terminator = terminatorLine(bytes, dataStart);
  if (!terminator) {
    throw syntaxError(
      file,
      `COPY ... FROM stdin on line ${copyLine} has no end-of-data line: put a line \\. (backslash, period, nothing else) after its last row`,
      copyStart,
    );
  }
  const start = file.charOffset(dataStart);
  statement.copyData = file.text.slice(start, file.charOffset(terminator.start));
  statement.copyDataSpan = { start, end: file.charOffset(terminator.end), line: file.position(start).line };
  return terminator.end;
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
