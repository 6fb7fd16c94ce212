// Large files with inline COPY data (pg_dump style: `COPY t (...) FROM stdin;`, rows, `\.`),
// read in chunks so their rows never sit in memory: the file is hashed as it is read, checked
// as UTF-8, and its text is kept with each data row emptied (its newline stays, so lines,
// and the statements around the data, keep their line numbers). The rows stay on disk, and the
// runner streams them to COPY from there when it applies the file (see runStatement), as psql
// reads and sends them. The libpg-query WebAssembly memory never shrinks once grown: it never
// sees the rows either. A large seed goes further (readSeedInPieces): its statements are parsed
// piece by piece and read again from the file when they are sent, so none of its text is kept.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { normalize } from 'libpg-query';
import { splitStatements, type SqlStatement } from './sql.js';

/** Files at least this big are read in chunks, their COPY rows left on disk; smaller ones are read whole. */
export const CHUNKED_FILE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 20;

/** The rows of one COPY ... FROM stdin: bytes [start, end) of the file (up to its `\.` line), starting on `line`. */
interface CopySpan {
  start: number;
  end: number;
  line: number;
  /** Rows (lines) in the span. */
  lines: number;
}

export interface ChunkedFile {
  /** The file's text with each row of inline COPY data emptied; a UTF-8 byte-order mark dropped. */
  text: string;
  /** sha256 of the file's bytes, hex: the same as hashing the whole file at once. */
  checksum: string;
  spans: CopySpan[];
}

const NEWLINE = 0x0a;
const COPY_FROM_STDIN = /^COPY\b[\s\S]*\bFROM\s+STDIN\b/i;

/** Where a light scanner stands between lines: in nothing, a string, a quoted name, a dollar-quoted body, or a block comment. */
type Lexer = { in: 'none' } | { in: 'string'; escapes: boolean } | { in: 'name' } | { in: 'dollar'; tag: string } | { in: 'comment'; depth: number };

/**
 * Reads SQL line by line, knowing strings, quoted names, dollar-quoted bodies and comments
 * (across lines), and tells when a line ends a `COPY ... FROM stdin` statement. The parser
 * checks its answer afterwards (see attachCopySources): where they disagree, the file is read whole.
 */
class LineScanner {
  private state: Lexer = { in: 'none' };
  /** The current statement's text without comments, while it may still be a COPY. */
  private statement = '';
  private maybeCopy = true;
  /** Something other than white space and comments since the last statement ended. */
  private pending = false;

  /** Between statements: nothing open (no string, body, comment) and no statement begun. */
  get between(): boolean {
    return this.state.in === 'none' && !this.pending;
  }

  /** Scans one line (without its newline); true when a COPY ... FROM stdin ended on it (its rows follow). */
  line(text: string): boolean {
    let copyEnded = false;
    const n = text.length;
    let i = 0;
    if (this.state.in === 'none' && /^[ \t]*\\/.test(text)) {
      // A psql meta-command line ends the statement before it (see findMetaCommands).
      this.reset();
      return false;
    }
    while (i < n) {
      const state = this.state;
      if (state.in === 'string') {
        const c = text[i]!;
        if (state.escapes && c === '\\') i += 2;
        else if (c === "'" && text[i + 1] === "'") i += 2;
        else if (c === "'") {
          this.state = { in: 'none' };
          i++;
        } else i++;
        continue;
      }
      if (state.in === 'name') {
        if (text[i] === '"' && text[i + 1] === '"') i += 2;
        else if (text[i] === '"') {
          this.state = { in: 'none' };
          i++;
        } else i++;
        continue;
      }
      if (state.in === 'dollar') {
        const close = text.indexOf(state.tag, i);
        if (close === -1) return copyEnded;
        i = close + state.tag.length;
        this.state = { in: 'none' };
        continue;
      }
      if (state.in === 'comment') {
        if (text[i] === '/' && text[i + 1] === '*') {
          state.depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          state.depth--;
          i += 2;
          if (state.depth === 0) this.state = { in: 'none' };
        } else i++;
        continue;
      }
      const c = text[i]!;
      if (c === '-' && text[i + 1] === '-') break;
      if (c === '/' && text[i + 1] === '*') {
        this.state = { in: 'comment', depth: 1 };
        this.add(' ');
        i += 2;
        continue;
      }
      if (c === "'") {
        this.state = { in: 'string', escapes: /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '') };
        this.add(c);
        i++;
        continue;
      }
      if (c === '"') {
        this.state = { in: 'name' };
        this.add(c);
        i++;
        continue;
      }
      if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
        const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 128))?.[0];
        if (tag) {
          this.state = { in: 'dollar', tag };
          this.add('$');
          i += tag.length;
          continue;
        }
      }
      if (c === ';') {
        if (this.maybeCopy && COPY_FROM_STDIN.test(this.statement.trim())) copyEnded = true;
        this.reset();
        i++;
        continue;
      }
      this.add(c);
      i++;
    }
    this.add('\n');
    return copyEnded;
  }

  private add(text: string): void {
    if (text !== ' ' && text !== '\n' && text !== '\t' && text !== '\r') this.pending = true;
    if (!this.maybeCopy) return;
    this.statement += text;
    // Only a statement that starts with COPY matters; the others are not kept.
    const head = this.statement.trimStart();
    if (head.length >= 4 && !/^copy/i.test(head)) {
      this.maybeCopy = false;
      this.statement = '';
    }
  }

  private reset(): void {
    this.statement = '';
    this.maybeCopy = true;
    this.pending = false;
  }
}

/** What scanLines tells about each line of a file. */
interface LineVisitor {
  /** Inside COPY rows: a row that does not start with `\.` is only counted (dataRow), not decoded. */
  inData(): boolean;
  dataRow(): void;
  /** One line without its newline, starting at byte `start` of the file (its UTF-8 already checked). */
  line(bytes: Buffer, start: number, lineNumber: number): void;
  /** After each chunk: the visitor may do its asynchronous work (parse what it collected). */
  afterChunk?(): Promise<void>;
}

/**
 * Reads a file in chunks of 1 MB, line by line, hashing its bytes and checking them as UTF-8
 * as it goes. Returns the checksum, or undefined when the file is not valid UTF-8.
 */
async function scanLines(path: string, visitor: LineVisitor): Promise<string | undefined> {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    /** The start of a line begun in an earlier chunk. */
    let carry: Buffer[] = [];
    let carryStart = 0;
    let position = 0;
    let lineNumber = 1;
    const handle = (bytes: Buffer, start: number) => visitor.line(bytes, start, lineNumber++);
    for (;;) {
      const read = readSync(fd, chunk, 0, CHUNK_BYTES, position);
      if (read === 0) break;
      const bytes = chunk.subarray(0, read);
      hash.update(bytes);
      const base = position;
      position += read;
      let at = 0;
      let stop = bytes.indexOf(NEWLINE);
      if (stop !== -1 && carry.length > 0) {
        // A newline never falls inside a UTF-8 sequence: line by line is the whole file's check.
        const line = Buffer.concat([...carry, bytes.subarray(0, stop)]);
        if (!isUtf8(line)) return undefined;
        handle(line, carryStart);
        carry = [];
        at = stop + 1;
        stop = bytes.indexOf(NEWLINE, at);
      }
      // The lines that lie wholly in this chunk: one UTF-8 check for all of them.
      const last = bytes.lastIndexOf(NEWLINE);
      if (last >= at && !isUtf8(bytes.subarray(at, last + 1))) return undefined;
      for (; stop !== -1; stop = bytes.indexOf(NEWLINE, at)) {
        // A row of data: only whether it ends the data matters (no Buffer per row).
        if (visitor.inData() && !(bytes[at] === 0x5c && bytes[at + 1] === 0x2e)) {
          visitor.dataRow();
          lineNumber++;
        } else handle(bytes.subarray(at, stop), base + at);
        at = stop + 1;
      }
      if (at < read) {
        if (carry.length === 0) carryStart = base + at;
        carry.push(Buffer.from(bytes.subarray(at)));
      }
      await visitor.afterChunk?.();
    }
    // The last line, after the last newline (empty when the file ends with one).
    const rest = Buffer.concat(carry);
    if (!isUtf8(rest)) return undefined;
    handle(rest, carry.length > 0 ? carryStart : position);
    await visitor.afterChunk?.();
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** The line's text, a UTF-8 byte-order mark dropped from the file's first line. */
function lineText(bytes: Buffer, lineNumber: number): string {
  return (lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes).toString('utf8');
}

/**
 * Reads a large file in chunks. Undefined when the file is better read whole: it has no inline
 * COPY data (its text is all SQL, which the parser needs anyway), or it is not valid UTF-8 (the
 * whole read says where). The rows of each COPY ... FROM stdin are not kept.
 */
export async function readChunked(path: string): Promise<ChunkedFile | undefined> {
  const scanner = new LineScanner();
  const parts: string[] = [];
  const spans: CopySpan[] = [];
  let data: CopySpan | undefined;
  const checksum = await scanLines(path, {
    inData: () => data !== undefined,
    dataRow: () => data!.lines++,
    line(bytes, start, lineNumber) {
      if (data) {
        if (!isTerminator(bytes)) {
          data.lines++;
          return;
        }
        data.end = start;
        spans.push(data);
        // Lines are joined with newlines: k empty rows are k - 1 more newlines.
        if (data.lines > 0) parts.push('\n'.repeat(data.lines - 1));
        parts.push(bytes.toString('utf8'));
        data = undefined;
        return;
      }
      const text = lineText(bytes, lineNumber);
      parts.push(text);
      if (scanner.line(text.endsWith('\r') ? text.slice(0, -1) : text)) data = { start: start + bytes.length + 1, end: -1, line: lineNumber + 1, lines: 0 };
    },
  });
  if (checksum === undefined || data || spans.length === 0) return undefined;
  return { text: parts.join('\n'), checksum, spans };
}

/** A part of a seed read in pieces: statements whose text is read from the file when they run, or one COPY with its rows on disk. */
export type StreamedSeedPart = { read: { path: string; start: number; end: number; line: number } } | { copy: SqlStatement };

/** Seeds are sent in pieces of whole statements of about this many bytes. */
const SEED_PIECE_BYTES = 1 << 18;

/**
 * Reads a large seed in pieces of whole statements: each piece is parsed (so a syntax error
 * stops the run before anything changes) and then dropped; the runner reads it again from the
 * file when it sends it. COPY rows stay on disk. psql's \restrict and \unrestrict lines are
 * skipped. Undefined when the seed is better read whole (any other meta-command, a syntax error,
 * invalid UTF-8: the whole read reports them with their lines).
 */
export async function readSeedInPieces(path: string): Promise<{ checksum: string; parts: StreamedSeedPart[] } | undefined> {
  const scanner = new LineScanner();
  const parts: StreamedSeedPart[] = [];
  type Piece = { start: number; end: number; line: number; lines: string[]; copy?: CopySpan };
  let piece: Piece | undefined;
  let bytes = 0;
  const queue: Piece[] = [];
  let data: CopySpan | undefined;
  let refused = false;
  const flush = () => {
    if (piece) queue.push(piece);
    piece = undefined;
    bytes = 0;
  };
  const parsePiece = async (next: Piece): Promise<void> => {
    const text = next.lines.join('\n');
    if (!next.copy && !/\bFROM\s+STDIN\b/i.test(text)) {
      // Statements only: Postgres's parser checks them without building their trees (normalize parses the text and returns it).
      if (text.trim() !== '') await normalize(text);
      parts.push({ read: { path, start: next.start, end: next.end, line: next.line } });
      return;
    }
    // A COPY's rows are on disk: the parser sees it with none.
    const statements = await splitStatements(next.copy ? `${text}\n\\.\n` : text, { keepNode: (kind) => kind === 'CopyStmt' });
    const copy = next.copy ? statements.at(-1) : undefined;
    if (next.copy && copy?.copyData === undefined) throw new Error('the COPY ... FROM stdin was not where the scanner saw it');
    const before = copy ? statements.slice(0, -1) : statements;
    if (before.length > 0) {
      const end = copy ? next.start + Buffer.byteLength(text.slice(0, copy.offset)) : next.end;
      parts.push({ read: { path, start: next.start, end, line: next.line } });
    }
    if (copy && next.copy) {
      copy.line += next.line - 1;
      copy.copyData = '';
      copy.copyDataSpan = { start: 0, end: 0, line: next.copy.line };
      copy.copySource = { path, start: next.copy.start, end: next.copy.end };
      parts.push({ copy });
    }
  };
  const checksum = await scanLines(path, {
    inData: () => data !== undefined,
    dataRow: () => data!.lines++,
    line(line, start, lineNumber) {
      if (refused) return;
      if (data) {
        if (isTerminator(line)) {
          data.end = start;
          data = undefined;
        } else data.lines++;
        return;
      }
      const bom = lineNumber === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf ? 3 : 0;
      const text = lineText(line, lineNumber);
      if (scanner.between && /^[ \t]*\\/.test(text)) {
        // pg_dump's \restrict pair is skipped (as the whole read does); any other meta-command is reported by the whole read.
        if (!/^[ \t]*\\(un)?restrict\b/.test(text)) refused = true;
        flush();
        scanner.line(text);
        return;
      }
      piece ??= { start: start + bom, end: start + bom, line: lineNumber, lines: [] };
      piece.lines.push(text);
      piece.end = start + line.length;
      bytes += line.length + 1;
      if (scanner.line(text.endsWith('\r') ? text.slice(0, -1) : text)) {
        data = { start: start + line.length + 1, end: -1, line: lineNumber + 1, lines: 0 };
        piece.copy = data;
        flush();
      } else if (bytes >= SEED_PIECE_BYTES && scanner.between) flush();
    },
    async afterChunk() {
      // A COPY's piece waits for the end of its rows.
      while (queue.length > 0 && !refused && !(queue[0]!.copy && queue[0]!.copy.end === -1)) await parsePiece(queue.shift()!);
    },
    // A syntax error (or anything else amiss): the whole read reports it with its line.
  }).catch(() => undefined);
  flush();
  if (checksum === undefined || refused || data) return undefined;
  try {
    while (queue.length > 0) await parsePiece(queue.shift()!);
  } catch {
    return undefined;
  }
  return { checksum, parts };
}

/** A line `\.` (or `\.` before a CR), as psql ends COPY data. */
function isTerminator(bytes: Buffer): boolean {
  return (bytes.length === 2 || (bytes.length === 3 && bytes[2] === 0x0d)) && bytes[0] === 0x5c && bytes[1] === 0x2e;
}

/**
 * Whether the parser found the same COPY data as the chunked read: the same COPY statements,
 * each with its rows on the same lines. Then each such statement gets its rows' place on disk.
 */
export function attachCopySources(path: string, spans: CopySpan[], statements: SqlStatement[]): boolean {
  const copies = statements.filter((statement) => statement.copyData !== undefined);
  if (copies.length !== spans.length) return false;
  for (const [index, statement] of copies.entries()) {
    const span = spans[index]!;
    if (statement.copyDataSpan?.line !== span.line || statement.copyData!.length !== span.lines || /[^\n]/.test(statement.copyData!)) return false;
  }
  for (const [index, statement] of copies.entries()) {
    const span = spans[index]!;
    statement.copyData = '';
    statement.copySource = { path, start: span.start, end: span.end };
  }
  return true;
}

/** Bytes [start, end) of a file as text: a piece of a large seed, read when it is sent. */
export function readRange(path: string, start: number, end: number): string {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(end - start);
    let read = 0;
    while (read < bytes.length) {
      const got = readSync(fd, bytes, read, bytes.length - read, start + read);
      if (got === 0) break;
      read += got;
    }
    return bytes.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
