// Reads a migrations directory the way the tool that wrote it lays it out (flat files, Flyway,
// golang-migrate, dbmate, Prisma, Diesel): version order, history keys, checksums, how each
// file runs (in the runner's transaction, unwrapped from its own BEGIN/COMMIT, or as written),
// and each file's statements parsed with Postgres's own grammar (see sql.ts). Every problem of
// every file is collected, so one run reports them all.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join, relative } from 'node:path';
import { InputError, errorMessage } from '../shared/errors.js';
import { SqlSyntaxError, splitStatements, type SqlStatement } from './sql.js';
import type { FileProblem } from './types.js';
import { withoutPreviewDown } from './sections.js';
import { unreadableMigrationsDir } from './settings.js';
import { CHUNKED_FILE_BYTES, attachCopySources, readChunked, readSeedInPieces, type ChunkedFile, type StreamedSeedPart } from './copy-data.js';

export type { FileProblem } from './types.js';

/** The opt-out comment for files whose statements cannot run in a transaction. */
export const NO_TRANSACTION_MARKER = '-- preview-db: no-transaction';

/** How a file runs: in the runner's transaction (its own outer BEGIN/COMMIT removed), or as written. */
export type TransactionMode = 'runner' | 'unwrapped' | 'as-written';

export interface MigrationFile {
  /** The version as the layout reads it (`20240101120000`, `0007`, `1.1`, Diesel's `20190226002946`). */
  version: string;
  /** The history key: the version, or for Prisma the migration's directory name. */
  id: string;
  /** The name without the version: `add_users`. */
  name: string;
  /** The file name, or the migration's directory name for Prisma and Diesel. */
  fileName: string;
  /** Path relative to the working directory, for messages and annotations. */
  path: string;
  absolutePath: string;
  /**
   * The SQL that runs, with the same lines and columns as the file: what does not run (a
   * dbmate down section, psql's `\restrict` lines, an outer BEGIN/COMMIT that was unwrapped)
   * is blanked out with spaces; a UTF-8 byte-order mark is dropped.
   */
  sql: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
  /** The statements that run (an unwrapped file's outer BEGIN and COMMIT are not among them). */
  statements: SqlStatement[];
  /** The file runs statement by statement outside the runner's transaction. */
  noTransaction: boolean;
  transaction: TransactionMode;
  /** Why it runs outside a transaction, for the log. */
  noTransactionReason?: string;
  /** Things the log should say about the file (a skipped `\restrict` pair). */
  notes: string[];
}

/**
 * What a seed sends, in order: pieces of its text (whole statements, about 256 KB each) and COPY
 * statements with their rows; for a large seed, pieces of the file read when they are sent.
 */
export type SeedPart = { start: number; end: number } | { copy: SqlStatement } | StreamedSeedPart;

export interface SeedFile {
  path: string;
  /** The seed's text; empty for a large seed read in pieces (its parts say where they are in the file). */
  sql: string;
  checksum: string;
  parts: SeedPart[];
}

const SEED_PIECE_CHARS = 1 << 18;

/**
 * Parses a seed into the parts it is sent in, keeping no per-statement objects but its COPY
 * statements: a seed of 400,000 INSERTs goes as about 150 queries of 256 KB.
 */
export async function seedParts(sql: string, bytes?: Buffer, onCopy?: (statement: SqlStatement) => void): Promise<SeedPart[]> {
  const parts: SeedPart[] = [];
  let piece: { start: number; end: number } | undefined;
  await splitStatements(sql, {
    ...SPLIT,
    bytes,
    keep: (statement) => {
      if (statement.copyData !== undefined) {
        onCopy?.(statement);
        if (piece) parts.push(piece);
        piece = undefined;
        parts.push({ copy: statement });
        return false;
      }
      piece ??= { start: statement.offset, end: statement.offset };
      piece.end = statement.offset + statement.text.length;
      if (piece.end - piece.start >= SEED_PIECE_CHARS) {
        parts.push(piece);
        piece = undefined;
      }
      return false;
    },
  });
  if (piece) parts.push(piece);
  return parts;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A problem found in a file: collected, reported together with every other file's. */
export class FileProblemError extends Error {
  constructor(readonly problem: FileProblem) {
    super(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.reason} ${problem.fix}`);
    this.name = 'FileProblemError';
  }
}

const DOTTED = /^\d+(\.\d+)*$/;

/** Data statements: the runner needs their text, not their parse trees (a seed may hold 400,000 INSERTs). */
const DATA_KINDS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'SelectStmt', 'MergeStmt', 'CopyStmt']);
const SPLIT = { keepNode: (kind: string) => !DATA_KINDS.has(kind) };

/** Orders versions numerically part by part (`9` before `10`, `1.2` before `1.10`), whatever the padding. */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = BigInt(x[i] ?? '0');
    const q = BigInt(y[i] ?? '0');
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/**
 * Sorts migrations: by version, numerically, when every version is numeric (dotted for
 * Flyway), else by name; ties by the full file or directory name.
 */
export function sortMigrations<T extends { version: string; fileName: string }>(files: T[], options: { textOrder?: boolean } = {}): T[] {
  const numeric = !options.textOrder && files.every((file) => DOTTED.test(file.version));
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return files.sort(
    (a, b) => (numeric ? compareVersions(a.version, b.version) : options.textOrder ? text(a.version, b.version) : 0) || text(a.fileName, b.fileName),
  );
}

/** Parses SQL, turning a syntax error into a file problem that names the file and line. */
export async function parseSqlFile(sql: string, path: string, input: string): Promise<SqlStatement[]> {
  try {
    return await splitStatements(sql);
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      throw new InputError(
        input,
        `${path}:${error.line}:${error.column}: Postgres cannot parse this file: ${error.message}. Fix the SQL; nothing was applied.`,
      );
    }
    throw error;
  }
}

function parseProblem(error: SqlSyntaxError, path: string): FileProblem {
  return { file: path, line: error.line, column: error.column, reason: `Postgres cannot parse this file: ${error.message}.`, fix: 'Fix the SQL.' };
}

/** True when the marker stands on its own line before the first statement. */
export function hasNoTransactionMarker(sql: string, statements: SqlStatement[]): boolean {
  const head = statements.length > 0 ? sql.slice(0, statements[0]!.offset) : sql;
  return head.split('\n').some((line) => line.trim().toLowerCase() === NO_TRANSACTION_MARKER);
}

/**
 * The layouts the built-in runner reads, one row each. The layout whose names claim the most
 * entries of the directory wins (ties: the earlier row); dbmate shares its names with flat
 * files and is told apart by its `-- migrate:up` sections.
 */
export interface Layout {
  name: 'prisma' | 'diesel' | 'golang-migrate' | 'flyway' | 'dbmate' | 'flat';
  /** How the log and messages name it. */
  title: string;
  /** A well-formed name, for messages. */
  example: string;
  /** The file each migration's directory holds; absent for one file per migration. */
  inside?: string;
  /** Entry names that are migrations; group 1 is the version, group 2 the name. */
  entry: RegExp;
  /** Entry names that belong to the layout but do not run (down migrations, lock files). */
  ignored?: RegExp;
  /** The version from the entry's match; default: group 1 as written. */
  version?: (match: RegExpExecArray) => string;
  /** Diesel compares versions as text, whatever their length; the others numerically (see sortMigrations). */
  textOrder?: boolean;
  /** The tool keys its history by the whole entry name, not the version (Prisma). */
  keyedByName?: boolean;
  /** Text one of its files must hold for this layout to be chosen (read from the file's start). */
  content?: RegExp;
  /** Only the `-- migrate:up` section runs; `transaction:false` on that line runs it outside a transaction. */
  sections?: boolean;
  /** A file next to `inside` that can say the migration runs outside a transaction. */
  noTransactionFile?: { name: string; pattern: RegExp; marker: string };
}

export const LAYOUTS: readonly Layout[] = [
  {
    name: 'prisma',
    title: 'Prisma (<timestamp>_<name>/migration.sql)',
    example: '20240501093000_add_users/migration.sql',
    inside: 'migration.sql',
    entry: /^(\d{14})_(.+)$/,
    ignored: /^migration_lock\.toml$/,
    keyedByName: true,
  },
  {
    name: 'diesel',
    title: 'Diesel (<yyyy-mm-dd-hhmmss>_<name>/up.sql)',
    example: '2024-05-01-093000_add_users/up.sql',
    inside: 'up.sql',
    // Diesel's version is the name up to its first underscore, dashes dropped: 2019-02-26-002946 is 20190226002946.
    entry: /^(\d[\d-]*)_(.+)$/,
    version: (match) => match[1]!.replace(/-/g, ''),
    textOrder: true,
    noTransactionFile: { name: 'metadata.toml', pattern: /^\s*run_in_transaction\s*=\s*false\b/m, marker: 'run_in_transaction = false in metadata.toml' },
  },
  {
    name: 'golang-migrate',
    title: 'golang-migrate (<n>_<name>.up.sql)',
    example: '000001_add_users.up.sql',
    entry: /^(\d+)_(.+)\.up\.sql$/i,
    ignored: /^\d+_.+\.down\.sql$/i,
  },
  {
    name: 'flyway',
    title: 'Flyway (V<version>__<name>.sql)',
    example: 'V1_1__add_users.sql',
    entry: /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/,
    version: (match) => match[1]!.replace(/_/g, '.'),
  },
  {
    name: 'dbmate',
    title: 'dbmate (-- migrate:up / -- migrate:down sections)',
    example: '20240501093000_add_users.sql',
    entry: /^(\d+)(?:_(.*))?\.sql$/i,
    content: /^--\s*migrate:up\b/m,
    sections: true,
  },
  {
    name: 'flat',
    title: 'flat files (<version>_<name>.sql)',
    example: '20240501093000_add_users.sql',
    entry: /^(\d+)(?:[_\-.]+(.*))?\.sql$/i,
    ignored: /\.down\.sql$/i,
  },
];

interface Entry {
  name: string;
  directory: boolean;
}

function claims(layout: Layout, entry: Entry, absoluteDir: string): 'applies' | 'ignored' | undefined {
  if (layout.ignored?.test(entry.name) && !entry.directory) return 'ignored';
  if (!layout.entry.test(entry.name)) return undefined;
  if (layout.inside) return entry.directory && existsSync(join(absoluteDir, entry.name, layout.inside)) ? 'applies' : undefined;
  return entry.directory ? undefined : 'applies';
}

function startsWith(path: string, pattern: RegExp): boolean {
  try {
    // Only the start: a large data file is not read whole to tell its layout.
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(65_536);
      return pattern.test(head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The layout that claims the most entries (dbmate only when a file has its sections). */
export function detectLayout(entries: Entry[], absoluteDir: string): Layout {
  let best = LAYOUTS.at(-1)!;
  let bestScore = 0;
  for (const layout of LAYOUTS) {
    const claimed = entries.filter((entry) => claims(layout, entry, absoluteDir));
    const applied = claimed.filter((entry) => claims(layout, entry, absoluteDir) === 'applies');
    if (applied.length === 0 || claimed.length <= bestScore) continue;
    if (layout.content && !applied.some((entry) => startsWith(join(absoluteDir, entry.name, layout.inside ?? ''), layout.content!))) continue;
    best = layout;
    bestScore = claimed.length;
  }
  return best;
}

/** The offset of the first byte that is not part of valid UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i]!;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, surrogates and code points above U+10FFFF.
    if (
      (byte === 0xe0 && bytes[i + 1]! < 0xa0) ||
      (byte === 0xed && bytes[i + 1]! > 0x9f) ||
      (byte === 0xf0 && bytes[i + 1]! < 0x90) ||
      (byte === 0xf4 && bytes[i + 1]! > 0x8f)
    )
      return i;
    i += length;
  }
  return bytes.length;
}

/** The file's text: a UTF-8 byte-order mark dropped; invalid UTF-8 is a problem (psql refuses it too). */
export function decodeSql(bytes: Buffer, path: string): string {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bom ? bytes.subarray(bom) : bytes;
  if (isUtf8(body)) return body.toString('utf8');
  const offset = bom + firstInvalidUtf8(body);
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < offset; at = bytes.indexOf(0x0a, at + 1)) line++;
  throw new FileProblemError({
    file: path,
    line,
    column: offset - lineStart + 1,
    reason: `is not valid UTF-8: byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} at byte offset ${offset} (line ${line}) cannot be decoded; Postgres and psql would refuse it.`,
    fix: 'Save the file as UTF-8 (for a Latin-1 file: iconv -f LATIN1 -t UTF-8).',
  });
}

/** The text with [from, to) turned into spaces, newlines kept: lines, columns and offsets stay. */
export function blank(text: string, from: number, to: number): string {
  if (from >= to) return text;
  return text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to);
}

/** dbmate: keeps the `-- migrate:up` section (blanking the rest) and reads its options. */
function upSection(text: string, path: string): { text: string; noTransaction: boolean } {
  const up = /^--\s*migrate:up\b([^\n]*)/m.exec(text);
  if (!up) {
    throw new FileProblemError({
      file: path,
      line: 1,
      reason: "has no '-- migrate:up' line, and in a dbmate folder only that section runs.",
      fix: "Put '-- migrate:up' on a line before the file's statements (and '-- migrate:down' before its rollback).",
    });
  }
  const upEnd = up.index + up[0].length;
  const down = /^--\s*migrate:down\b/m.exec(text.slice(upEnd));
  const downStart = down ? upEnd + down.index : text.length;
  return { text: blank(blank(text, downStart, text.length), 0, upEnd), noTransaction: /\btransaction:false\b/.test(up[1]!) };
}

export interface MetaCommand {
  /** Character offsets of the line holding it (without its newline). */
  start: number;
  end: number;
  line: number;
  /** `restrict`, `connect`, `set`, ... */
  name: string;
}

const COPY_FROM_STDIN = /^COPY\b[\s\S]*\bFROM\s+STDIN\b/i;

/**
 * psql's meta-commands: lines that start with a backslash outside strings, quoted names,
 * dollar-quoted bodies, comments and COPY ... FROM stdin data. A light scan, and only for files
 * that have a line starting with a backslash at all.
 */
export function findMetaCommands(text: string): MetaCommand[] {
  if (!/(^|\n)[ \t]*\\/.test(text)) return [];
  const found: MetaCommand[] = [];
  const n = text.length;
  let i = 0;
  let statementStart = 0;
  let lineStart = true;
  const lineEnd = (from: number) => {
    const at = text.indexOf('\n', from);
    return at === -1 ? n : at;
  };
  while (i < n) {
    if (lineStart) {
      lineStart = false;
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (text[j] === '\\') {
        const end = lineEnd(j);
        const name = /^\\([A-Za-z]+|[^\sA-Za-z])/.exec(text.slice(j, Math.min(end, j + 64)))?.[1] ?? '';
        found.push({ start: i, end, line: 0, name });
        i = end;
        statementStart = end;
        continue;
      }
    }
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      i = lineEnd(i);
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'") {
      const escapes = /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '');
      i++;
      while (i < n) {
        if (escapes && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      i++;
      while (i < n && !(text[i] === '"' && text[i + 1] !== '"')) i += text[i] === '"' ? 2 : 1;
      i++;
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 128))?.[0];
      if (!tag) {
        i++;
        continue;
      }
      const close = text.indexOf(tag, i + tag.length);
      i = close === -1 ? n : close + tag.length;
    } else if (c === ';') {
      const statement = text
        .slice(statementStart, i)
        .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
        .trim();
      i++;
      statementStart = i;
      if (COPY_FROM_STDIN.test(statement)) {
        // Its rows follow on the next line, up to a line `\.`.
        let at = lineEnd(i) + 1;
        while (at < n) {
          const end = lineEnd(at);
          const line = text.slice(at, end);
          at = end + 1;
          if (line === '\\.' || line === '\\.\r') break;
        }
        i = Math.min(at, n);
        statementStart = i;
        lineStart = true;
      }
    } else {
      i++;
    }
  }
  let line = 1;
  let at = 0;
  for (const command of found) {
    for (; at < command.start; at++) if (text.charCodeAt(at) === 10) line++;
    command.line = line;
  }
  return found;
}

const META_FIX: Record<string, string> = {
  c: 'Each migration runs on the database of database-url: remove the \\connect line.',
  connect: 'Each migration runs on the database of database-url: remove the \\connect line.',
  set: 'Write the value into the SQL where the variable is used (or use SET for a server setting), and remove the \\set line.',
  i: "Put the included file's SQL into this migration, or make it a migration of its own.",
  ir: "Put the included file's SQL into this migration, or make it a migration of its own.",
  include: "Put the included file's SQL into this migration, or make it a migration of its own.",
};

/** Skips pg_dump's `\restrict` / `\unrestrict` lines (with a note); any other meta-command is a problem. */
function stripMetaCommands(text: string, path: string, notes: string[], problems: FileProblem[]): string {
  let out = text;
  for (const command of findMetaCommands(text)) {
    if (command.name === 'restrict' || command.name === 'unrestrict') {
      out = blank(out, command.start, command.end);
      notes.push(`${path}:${command.line}: skipped psql's \\${command.name} line (pg_dump writes it; it only matters inside psql).`);
      continue;
    }
    problems.push({
      file: path,
      line: command.line,
      reason: `holds the psql meta-command \\${command.name} on line ${command.line}: only psql understands it, and the runner sends the file's SQL to Postgres.`,
      fix: META_FIX[command.name] ?? 'Remove the line, or do what it does in SQL.',
    });
  }
  return out;
}

const CONTROL = new Set([
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
]);

function transactionStmt(statement: SqlStatement): { kind?: string; options?: unknown[]; chain?: boolean } | undefined {
  return (statement.node as { TransactionStmt?: { kind?: string; options?: unknown[]; chain?: boolean } }).TransactionStmt;
}

/** BEGIN, COMMIT, ROLLBACK and the like (savepoints work inside the runner's transaction and are not). */
export function isTransactionControl(statement: SqlStatement): boolean {
  const stmt = statement.kind === 'TransactionStmt' ? transactionStmt(statement) : undefined;
  return Boolean(stmt?.kind && CONTROL.has(stmt.kind));
}

/**
 * How a file runs. A marker runs it as written outside a transaction; a file wrapped in its own
 * top-level BEGIN ... COMMIT runs its body in the runner's transaction (the pair blanked out);
 * any other transaction control runs the file as written, statement by statement.
 */
function transactionModel(
  file: { sql: string; statements: SqlStatement[] },
  marker: string | undefined,
): Pick<MigrationFile, 'sql' | 'statements' | 'noTransaction' | 'transaction' | 'noTransactionReason'> {
  const { sql, statements } = file;
  if (marker) return { sql, statements, noTransaction: true, transaction: 'as-written', noTransactionReason: marker };
  const controls = statements.filter(isTransactionControl);
  if (controls.length === 0) return { sql, statements, noTransaction: false, transaction: 'runner' };
  const first = statements[0]!;
  const last = statements.at(-1)!;
  const opens = transactionStmt(first);
  const closes = transactionStmt(last);
  if (
    controls.length === 2 &&
    (opens?.kind === 'TRANS_STMT_BEGIN' || opens?.kind === 'TRANS_STMT_START') &&
    !opens.options?.length &&
    closes?.kind === 'TRANS_STMT_COMMIT' &&
    !closes.chain
  ) {
    const unwrapped = blank(blank(sql, last.offset, last.offset + last.text.length), first.offset, first.offset + first.text.length);
    return { sql: unwrapped, statements: statements.slice(1, -1), noTransaction: false, transaction: 'unwrapped' };
  }
  return {
    sql,
    statements,
    noTransaction: true,
    transaction: 'as-written',
    noTransactionReason: `its own transaction control (${controls[0]!.text.split(/\s/)[0]!.toUpperCase()} on line ${controls[0]!.line})`,
  };
}

function readBytes(path: string, shown: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FileProblemError({ file: shown, reason: `cannot be read: ${errorMessage(error)}.`, fix: 'Make the file readable, or remove it.' });
  }
}

/** A large file with inline COPY data, read in chunks (see copy-data.ts); undefined: read it whole. */
async function readLarge(absolutePath: string): Promise<ChunkedFile | undefined> {
  try {
    return statSync(absolutePath).size >= CHUNKED_FILE_BYTES ? await readChunked(absolutePath) : undefined;
  } catch {
    // The whole read says what is wrong with it.
    return undefined;
  }
}

/** The chunked read and the parser disagree about a file's COPY data: read it whole. */
const READ_WHOLE = Symbol('read whole');

/** Reads, decodes and parses one migration; its problems go into `problems`. */
async function readMigration(
  layout: Layout,
  entry: string,
  match: RegExpExecArray,
  absoluteDir: string,
  cwd: string,
  problems: FileProblem[],
): Promise<MigrationFile | undefined> {
  const chunked = await readLarge(join(absoluteDir, entry, layout.inside ?? ''));
  if (chunked) {
    const found: FileProblem[] = [];
    const file = await readMigrationFrom(layout, entry, match, absoluteDir, cwd, found, chunked);
    if (file !== READ_WHOLE) {
      problems.push(...found);
      return file;
    }
  }
  return (await readMigrationFrom(layout, entry, match, absoluteDir, cwd, problems)) as MigrationFile | undefined;
}

async function readMigrationFrom(
  layout: Layout,
  entry: string,
  match: RegExpExecArray,
  absoluteDir: string,
  cwd: string,
  problems: FileProblem[],
  chunked?: ChunkedFile,
): Promise<MigrationFile | undefined | typeof READ_WHOLE> {
  const absolutePath = join(absoluteDir, entry, layout.inside ?? '');
  const path = relative(cwd, absolutePath) || entry;
  const version = layout.version?.(match) ?? match[1]!;
  const found: FileProblem[] = [];
  try {
    const bytes = chunked ? undefined : readBytes(absolutePath, path);
    const decoded = chunked ? chunked.text : decodeSql(bytes!, path);
    let text = decoded;
    let marker: string | undefined;
    if (layout.sections) {
      const section = upSection(text, path);
      text = section.text;
      if (section.noTransaction) marker = "dbmate's transaction:false";
    }
    if (layout.name === 'flat') text = withoutPreviewDown(text);
    const notes: string[] = [];
    text = stripMetaCommands(text, path, notes, found);
    let statements: SqlStatement[] = [];
    try {
      // The bytes as read, when they are the text's encoding (no byte-order mark, nothing blanked): no second copy of a large file.
      const same = bytes !== undefined && text === decoded && !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
      statements = await splitStatements(text, same ? { ...SPLIT, bytes } : SPLIT);
      if (chunked && !attachCopySources(absolutePath, chunked.spans, statements)) return READ_WHOLE;
    } catch (error) {
      if (!(error instanceof SqlSyntaxError)) throw error;
      if (chunked) return READ_WHOLE;
      // A meta-command is the parse error's cause; report it alone.
      if (found.length === 0) found.push(parseProblem(error, path));
    }
    if (!marker && hasNoTransactionMarker(text, statements)) marker = NO_TRANSACTION_MARKER;
    if (!marker && layout.noTransactionFile) {
      const side = join(absoluteDir, entry, layout.noTransactionFile.name);
      if (existsSync(side) && layout.noTransactionFile.pattern.test(readFileSync(side, 'utf8'))) marker = layout.noTransactionFile.marker;
    }
    if (found.length > 0) return undefined;
    return {
      version,
      id: layout.keyedByName ? entry : version,
      name: (match[2] ?? '').trim() || entry.replace(/\.sql$/i, ''),
      fileName: entry,
      path,
      absolutePath,
      checksum: chunked ? chunked.checksum : sha256(bytes!),
      notes,
      ...transactionModel({ sql: text, statements }, marker),
    };
  } catch (error) {
    if (!(error instanceof FileProblemError)) throw error;
    found.push(error.problem);
    return undefined;
  } finally {
    problems.push(...found);
  }
}

export interface MigrationSet {
  layout: Layout;
  /** The migrations that were read without a problem, in order. */
  files: MigrationFile[];
  /** Every problem of every file (unversioned names, duplicate versions, encodings, meta-commands, syntax). */
  problems: FileProblem[];
}

/**
 * Reads every migration of a directory in the layout its names show, in order. A missing
 * directory is an InputError; each file's problems are collected, so one run reports them all.
 */
export async function readMigrations(dir: string, workingDirectory: string, input = 'migrations-dir'): Promise<MigrationSet> {
  const absoluteDir = join(workingDirectory, dir);
  let entries: Entry[];
  try {
    if (!statSync(absoluteDir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(absoluteDir, { withFileTypes: true })
      .map((entry) => ({
        name: entry.name,
        directory: entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(absoluteDir, entry.name)).isDirectory()),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw unreadableMigrationsDir(dir, error, input);
  }
  const layout = detectLayout(entries, absoluteDir);
  const problems: FileProblem[] = [];
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    const claim = claims(layout, entry, absoluteDir);
    if (claim === 'ignored') continue;
    const shown = relative(workingDirectory, join(absoluteDir, entry.name)) || entry.name;
    if (!claim) {
      const sqlInside =
        entry.directory &&
        layout.inside &&
        (() => {
          try {
            return readdirSync(join(absoluteDir, entry.name)).some((name) => name.toLowerCase().endsWith('.sql'));
          } catch {
            return false;
          }
        })();
      // A loose .sql file beside Prisma's or Diesel's directories is not a migration to those tools either.
      if ((!entry.directory && !layout.inside && entry.name.toLowerCase().endsWith('.sql')) || sqlInside) {
        problems.push({
          file: shown,
          reason: `is not a migration of the ${layout.title} layout found in ${dir}, so it has no version.`,
          fix: `Name it like the others (for example ${layout.example}), or move it out of ${dir}.`,
        });
      }
      continue;
    }
    const file = await readMigration(layout, entry.name, layout.entry.exec(entry.name)!, absoluteDir, workingDirectory, problems);
    if (file) files.push(file);
  }
  sortMigrations(files, layout);
  if (!layout.keyedByName) {
    const numeric = !layout.textOrder && files.every((file) => DOTTED.test(file.version));
    for (let i = 1; i < files.length; i++) {
      const [a, b] = [files[i - 1]!, files[i]!];
      if (numeric ? compareVersions(a.version, b.version) === 0 : a.version === b.version) {
        problems.push({
          file: b.path,
          reason: `has the same version ${b.version} as ${a.path}; ${layout.name === 'flat' ? 'the runner' : `${layout.title.split(' (')[0]}`} keys its history by version.`,
          fix: 'Give one of them a new, later version.',
        });
      }
    }
  }
  return { layout, files, problems };
}

/** Seed files: each path is a `.sql` file or a directory of them (sorted by name). */
export async function readSeeds(paths: string[], workingDirectory: string, problems: FileProblem[] = []): Promise<SeedFile[]> {
  const seeds: SeedFile[] = [];
  for (const given of paths) {
    const absolute = join(workingDirectory, given);
    let list: string[];
    try {
      list = statSync(absolute).isDirectory()
        ? readdirSync(absolute)
            .filter((name) => name.toLowerCase().endsWith('.sql'))
            .sort()
            .map((name) => join(absolute, name))
        : [absolute];
    } catch (error) {
      throw new InputError('seed', `cannot read '${given}' (${errorMessage(error)}). List .sql files or directories relative to the repository root.`);
    }
    for (const file of list) {
      const path = relative(workingDirectory, file);
      const streamed = await readLargeSeed(file, path);
      if (streamed) {
        seeds.push(streamed);
        continue;
      }
      const found: FileProblem[] = [];
      try {
        const bytes = readBytes(file, path);
        const text = decodeSql(bytes, path);
        const sql = stripMetaCommands(text, path, [], found);
        if (found.length > 0) continue;
        const checksum = sha256(bytes);
        // The parser reads the file's own bytes (past a byte-order mark) unless a line was blanked.
        const body = bytes.subarray(bytes.length - Buffer.byteLength(text));
        seeds.push({ path, sql, checksum, parts: await seedParts(sql, sql === text ? body : undefined) });
      } catch (error) {
        if (error instanceof FileProblemError) found.push(error.problem);
        else if (error instanceof SqlSyntaxError) found.push(parseProblem(error, path));
        else throw error;
      } finally {
        problems.push(...found);
      }
    }
  }
  return seeds;
}

/** A large seed read in pieces (see copy-data.ts): nothing of it stays in memory but its COPY statements. Undefined: read it whole. */
async function readLargeSeed(absolutePath: string, path: string): Promise<SeedFile | undefined> {
  try {
    if (statSync(absolutePath).size < CHUNKED_FILE_BYTES) return undefined;
  } catch {
    return undefined;
  }
  const streamed = await readSeedInPieces(absolutePath);
  return streamed && { path, sql: '', checksum: streamed.checksum, parts: streamed.parts };
}

/**
 * Statements Postgres refuses inside a transaction block. `ALTER TYPE ... ADD VALUE` is one
 * of them before Postgres 12 (`RENAME VALUE` never is).
 */
export function nonTransactionalReason(statement: SqlStatement, serverVersionNum: number): string | undefined {
  const node = statement.node as unknown as Record<string, Record<string, unknown> | undefined>;
  if (node.IndexStmt?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (node.DropStmt?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindexParams = node.ReindexStmt?.params as Array<{ DefElem?: { defname?: string } }> | undefined;
  if (reindexParams?.some((param) => param.DefElem?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  if (node.AlterEnumStmt && node.AlterEnumStmt.newVal !== undefined && node.AlterEnumStmt.oldVal === undefined && serverVersionNum < 120000)
    return 'ALTER TYPE ... ADD VALUE (before Postgres 12)';
  if (node.VacuumStmt?.is_vacuumcmd) return 'VACUUM';
  if (node.CreatedbStmt) return 'CREATE DATABASE';
  if (node.DropdbStmt) return 'DROP DATABASE';
  if (node.CreateTableSpaceStmt) return 'CREATE TABLESPACE';
  if (node.DropTableSpaceStmt) return 'DROP TABLESPACE';
  if (node.AlterSystemStmt) return 'ALTER SYSTEM';
  if (node.CreateSubscriptionStmt) return 'CREATE SUBSCRIPTION';
  if (node.DropSubscriptionStmt) return 'DROP SUBSCRIPTION';
  if (node.ClusterStmt && !node.ClusterStmt.relation) return 'CLUSTER without a table';
  return undefined;
}
