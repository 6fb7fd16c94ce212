// Large files with inline COPY data (pg_dump style: `COPY t (...) FROM stdin;`, rows, `\.`),
// read in chunks so their rows never sit in memory: the file is hashed as it is read, checked
// as UTF-8, and its text is kept with each data row emptied (its newline stays, so lines,
// and the statements around the data, keep their line numbers). The rows stay on disk, and the
// runner streams them to COPY from there when it applies the file (see runStatement), as psql
// reads and sends them. The libpg-query WebAssembly memory never shrinks once grown: it never
// sees the rows either.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { SqlStatement } from './sql.js';

/** Files at least this big are read in chunks, their COPY rows left on disk; smaller ones are read whole. */
export const CHUNKED_FILE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 20;

/** The rows of one COPY ... FROM stdin: bytes [start, end) of the file (up to its `\.` line), starting on `line`. */
export interface CopySpan {
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
 * checks its answer afterwards (see matchesParser): where they disagree, the file is read whole.
 */
class LineScanner {
  private state: Lexer = { in: 'none' };
  /** The current statement's text without comments, while it may still be a COPY. */
  private statement = '';
  private maybeCopy = true;

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
          this.add(' ');
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
  }
}

/**
 * Reads a large file in chunks. Undefined when the file is better read whole: it has no inline
 * COPY data (its text is all SQL, which the parser needs anyway), or it is not valid UTF-8 (the
 * whole read says where). The rows of each COPY ... FROM stdin are not kept.
 */
export function readChunked(path: string): ChunkedFile | undefined {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const scanner = new LineScanner();
    const parts: string[] = [];
    const spans: CopySpan[] = [];
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    /** The start of a line begun in an earlier chunk. */
    let carry: Buffer[] = [];
    let carryStart = 0;
    let position = 0;
    let lineNumber = 1;
    let data: CopySpan | undefined;
    let valid = true;

    /** The end of a COPY's rows: its emptied rows (their newlines), then the `\.` line. */
    const endData = (span: CopySpan, start: number, line: Buffer) => {
      span.end = start;
      spans.push(span);
      data = undefined;
      // Lines are joined with newlines: k empty rows are k - 1 more newlines.
      if (span.lines > 0) parts.push('\n'.repeat(span.lines - 1));
      parts.push(line.toString('utf8'));
    };
    /** One line (without its newline) that starts at byte `start` of the file; `checked`: its UTF-8 was checked with its chunk. */
    const handle = (bytes: Buffer, start: number, checked = false): void => {
      // A newline never falls inside a UTF-8 sequence: line by line is the whole file's check.
      if (!checked && !isUtf8(bytes)) valid = false;
      if (data) {
        if (isTerminator(bytes)) endData(data, start, bytes);
        else data.lines++;
      } else {
        const line = lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
        const text = line.toString('utf8');
        parts.push(text);
        if (scanner.line(text.endsWith('\r') ? text.slice(0, -1) : text)) data = { start: start + bytes.length + 1, end: -1, line: lineNumber + 1, lines: 0 };
      }
      lineNumber++;
    };

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
        handle(Buffer.concat([...carry, bytes.subarray(0, stop)]), carryStart);
        carry = [];
        at = stop + 1;
        stop = bytes.indexOf(NEWLINE, at);
      }
      // The lines that lie wholly in this chunk: one UTF-8 check for all of them.
      const last = bytes.lastIndexOf(NEWLINE);
      if (last >= at && !isUtf8(bytes.subarray(at, last + 1))) valid = false;
      for (; stop !== -1 && valid; stop = bytes.indexOf(NEWLINE, at)) {
        // A row of data: only whether it ends the data matters (no Buffer per row).
        if (data && !(bytes[at] === 0x5c && bytes[at + 1] === 0x2e)) {
          data.lines++;
          lineNumber++;
        } else handle(bytes.subarray(at, stop), base + at, true);
        at = stop + 1;
      }
      if (!valid) return undefined;
      if (at < read) {
        if (carry.length === 0) carryStart = base + at;
        carry.push(Buffer.from(bytes.subarray(at)));
      }
    }
    // The last line, after the last newline (empty when the file ends with one).
    handle(Buffer.concat(carry), carry.length > 0 ? carryStart : position);
    if (!valid || data || spans.length === 0) return undefined;
    return { text: parts.join('\n'), checksum: hash.digest('hex'), spans };
  } finally {
    closeSync(fd);
  }
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
