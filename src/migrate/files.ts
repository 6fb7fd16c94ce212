// Reads a migrations directory: version order, checksums, the no-transaction marker, and
// each file's statements parsed with Postgres's own grammar (see sql.ts).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError, errorMessage } from '../shared/errors.js';
import { SqlSyntaxError, splitStatements, type SqlStatement } from './sql.js';

/** The opt-out comment for files whose statements cannot run in a transaction. */
export const NO_TRANSACTION_MARKER = '-- preview-db: no-transaction';

export interface MigrationFile {
  /** The version prefix as written (`20240101120000`, `0007`). */
  version: string;
  /** The file name without the version prefix and `.sql`: `add_users`. */
  name: string;
  /** The file name: `0007_add_users.sql`. */
  fileName: string;
  /** Path relative to the working directory, for messages and annotations. */
  path: string;
  absolutePath: string;
  sql: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
  statements: SqlStatement[];
  /** The file carries the no-transaction marker before its first statement. */
  noTransaction: boolean;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

const VERSIONED = /^(\d+)(?:[_\-.]+(.*))?\.sql$/i;

/** Orders versions numerically, so `9` comes before `10` whatever the padding. */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses SQL, turning a syntax error into an input error that names the file and line. */
export async function parseSqlFile(sql: string, path: string, input: string): Promise<SqlStatement[]> {
  try {
    return await splitStatements(sql);
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      throw new InputError(input, `${path}:${error.line}:${error.column}: Postgres cannot parse this file: ${error.message}. Fix the SQL; nothing was applied.`);
    }
    throw error;
  }
}

function readText(path: string, shown: string, input: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(input, `cannot read ${shown}: ${errorMessage(error)}.`);
  }
}

/** True when the marker stands on its own line before the first statement. */
export function hasNoTransactionMarker(sql: string, statements: SqlStatement[]): boolean {
  const head = statements.length > 0 ? sql.slice(0, statements[0]!.offset) : sql;
  return head.split('\n').some((line) => line.trim().toLowerCase() === NO_TRANSACTION_MARKER);
}

/**
 * Reads every versioned `.sql` file of a directory (not its sub-directories), in version
 * order. Bad input (missing directory, unreadable file, unparsable SQL, two files with one
 * version, a `.sql` file without a version) is an InputError before anything changes.
 */
export async function readMigrations(dir: string, workingDirectory: string, input = 'migrations-dir'): Promise<MigrationFile[]> {
  const absoluteDir = join(workingDirectory, dir);
  let entries: string[];
  try {
    if (!statSync(absoluteDir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(absoluteDir);
  } catch (error) {
    throw new InputError(input, `'${dir}' is not a readable directory (${errorMessage(error)}). Point it at the folder that holds your .sql migrations, relative to the repository root.`);
  }
  const files: MigrationFile[] = [];
  for (const fileName of entries.sort()) {
    if (!fileName.toLowerCase().endsWith('.sql')) continue;
    if (/\.down\.sql$/i.test(fileName)) continue; // a down step (see down.ts), not a migration
    const absolutePath = join(absoluteDir, fileName);
    if (!statSync(absolutePath).isFile()) continue;
    const path = relative(workingDirectory, absolutePath) || fileName;
    const match = VERSIONED.exec(fileName);
    if (!match) {
      throw new InputError(input, `${path} has no version prefix. Name migrations <version>_<name>.sql, for example 20240501093000_add_users.sql or 0001_add_users.sql.`);
    }
    const bytes = readText(absolutePath, path, input);
    const sql = bytes.toString('utf8');
    const statements = await parseSqlFile(sql, path, input);
    files.push({
      version: match[1]!,
      name: (match[2] ?? '').trim() || fileName.replace(/\.sql$/i, ''),
      fileName,
      path,
      absolutePath,
      sql,
      checksum: sha256(bytes),
      statements,
      noTransaction: hasNoTransactionMarker(sql, statements),
    });
  }
  files.sort((a, b) => compareVersions(a.version, b.version));
  for (let i = 1; i < files.length; i++) {
    if (compareVersions(files[i - 1]!.version, files[i]!.version) === 0) {
      throw new InputError(input, `${files[i - 1]!.path} and ${files[i]!.path} have the same version ${files[i]!.version}. Give one of them a new, later version.`);
    }
  }
  return files;
}

/** Seed files: each path is a `.sql` file or a directory of them (sorted by name). */
export async function readSeeds(paths: string[], workingDirectory: string): Promise<Array<{ path: string; sql: string; checksum: string; statements: SqlStatement[] }>> {
  const seeds = [];
  for (const given of paths) {
    const absolute = join(workingDirectory, given);
    let list: string[];
    try {
      list = statSync(absolute).isDirectory()
        ? readdirSync(absolute).filter((name) => name.toLowerCase().endsWith('.sql')).sort().map((name) => join(absolute, name))
        : [absolute];
    } catch (error) {
      throw new InputError('seed', `cannot read '${given}' (${errorMessage(error)}). List .sql files or directories relative to the repository root.`);
    }
    for (const file of list) {
      const path = relative(workingDirectory, file);
      const bytes = readText(file, path, 'seed');
      const sql = bytes.toString('utf8');
      seeds.push({ path, sql, checksum: sha256(bytes), statements: await parseSqlFile(sql, path, 'seed') });
    }
  }
  return seeds;
}

/**
 * Statements Postgres refuses inside a transaction block. `ALTER TYPE ... ADD VALUE` is one
 * of them before Postgres 12.
 */
export function nonTransactionalReason(statement: SqlStatement, serverVersionNum: number): string | undefined {
  const node = statement.node as unknown as Record<string, Record<string, unknown> | undefined>;
  if (node.IndexStmt?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (node.DropStmt?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindexParams = node.ReindexStmt?.params as Array<{ DefElem?: { defname?: string } }> | undefined;
  if (reindexParams?.some((param) => param.DefElem?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  if (node.AlterEnumStmt && node.AlterEnumStmt.newVal !== undefined && serverVersionNum < 120000) return 'ALTER TYPE ... ADD VALUE (before Postgres 12)';
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

export function isTransactionControl(statement: SqlStatement): boolean {
  return statement.kind === 'TransactionStmt';
}
