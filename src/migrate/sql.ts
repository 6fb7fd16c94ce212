// Splits and parses SQL with Postgres's own grammar (libpg-query, WebAssembly), so
// dollar-quoted bodies, DO blocks, strings and comments are never cut in the wrong place.
import { parse as parseWithPostgres } from 'libpg-query';
import type { Node } from 'libpg-query';

export interface SqlStatement {
  /** The statement's text as written, without the trailing semicolon. */
  text: string;
  /** The parse tree node, e.g. `{ CreateStmt: {...} }`. */
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

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** libpg-query reports byte offsets into UTF-8; JavaScript strings count UTF-16 units. */
function byteToCharOffset(bytes: Buffer, byteOffset: number): number {
  return bytes.subarray(0, byteOffset).toString('utf8').length;
}

export async function splitStatements(sql: string): Promise<SqlStatement[]> {
  // The parser refuses empty input; an empty file simply has no statements.
  if (sql.trim() === '') return [];
  let tree;
  try {
    tree = await parseWithPostgres(sql);
  } catch (error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    const bytes = Buffer.from(sql, 'utf8');
    const where = lineAndColumn(sql, details ? byteToCharOffset(bytes, details.cursorPosition) : 0);
    throw new SqlSyntaxError(`${details?.message ?? (error as Error).message} (line ${where.line}, column ${where.column})`, where.line, where.column);
  }
  const bytes = Buffer.from(sql, 'utf8');
  const statements: SqlStatement[] = [];
  let previousEnd = 0;
  for (const raw of tree.stmts ?? []) {
    const startByte = raw.stmt_location ?? 0;
    const endByte = raw.stmt_len ? startByte + raw.stmt_len : bytes.length;
    const segment = bytes.subarray(startByte, endByte).toString('utf8');
    // The statement's location includes the whitespace and comments before it.
    const leading = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(segment)?.[0] ?? '';
    const offset = byteToCharOffset(bytes, startByte) + leading.length;
    const { line, column } = lineAndColumn(sql, offset);
    const node = raw.stmt as Node;
    statements.push({
      text: segment.slice(leading.length).replace(/;\s*$/, '').trimEnd(),
      node,
      kind: Object.keys(node)[0] ?? 'Unknown',
      line,
      column,
      offset,
      leadingComments: (sql.slice(previousEnd, byteToCharOffset(bytes, startByte)) + leading).replace(/^;/, ''),
    });
    previousEnd = byteToCharOffset(bytes, endByte);
  }
  return statements;
}
