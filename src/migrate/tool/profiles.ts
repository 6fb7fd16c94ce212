// The migration tools the migrate action fits instead of replacing: one row per tool with
// its default command, where its SQL lives, its history table, and its transaction model
// (so lint does not raise alarms about transactions the tool never opens).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256 } from '../files.js';
import type { RunnerName } from '../settings.js';

export { RUNNERS, type RunnerName } from '../settings.js';
export type ExternalRunner = Exclude<RunnerName, 'builtin'>;

export type TransactionModel = 'per-file' | 'single' | 'none';

/** In a profile's default command: the word replaced by the database URL (never through a shell). */
export const DATABASE_URL_ARG = '$DATABASE_URL';

/** One migration as the tool sees it on disk. */
export interface ToolMigration {
  /** The id the tool records in its history (name, version, tag). */
  id: string;
  /** Path relative to the working directory; undefined for non-SQL migrations (JS/TS). */
  path?: string;
  /** The SQL the tool runs going up (down sections blanked, line numbers kept). */
  sql?: string;
  /** The checksum the tool records, when it records one. */
  checksum?: string;
  /** Ordering key: the tool applies in this order. */
  order: string | bigint;
  /** The file opts out of the tool's transaction. */
  noTransaction: boolean;
}

/** A row of the tool's history, normalised. */
export interface ToolHistoryRow {
  id: string;
  checksum?: string;
  /** false: started and never finished (Prisma), marked dirty (golang-migrate), success=false (Flyway). */
  succeeded: boolean;
  /** Prisma: rolled back by `migrate resolve`, so it runs again. */
  rolledBack?: boolean;
}

export interface ToolHistory {
  /** The table was found. */
  exists: boolean;
  table: string;
  rows: ToolHistoryRow[];
  /** golang-migrate keeps only the current version: everything up to it counts as applied. */
  upToVersion?: bigint;
}

export interface ToolProfile {
  runner: ExternalRunner;
  title: string;
  /** Where the SQL lives by default (relative to the working directory). */
  defaultDir: string;
  /** The tool's command as an argument array (run without a shell); `DATABASE_URL_ARG` stands for the URL. */
  defaultCommand(dir: string): string[];
  /** The history table (schema-qualified), read before and after the tool runs. */
  historyTable?: string;
  transactionModel: TransactionModel;
  /** Reads the tool's migrations from disk. */
  list(dir: string, workingDirectory: string): ToolMigration[];
  /** Reads the tool's history rows: `query(sql)` runs a read-only query. */
  readHistory?(query: <R>(sql: string) => Promise<R[]>): Promise<ToolHistory>;
}

/** The order the tool applies migrations in. */
export function byOrder(a: { order: string | bigint }, b: { order: string | bigint }): number {
  if (typeof a.order === 'bigint' && typeof b.order === 'bigint') return a.order < b.order ? -1 : a.order > b.order ? 1 : 0;
  return String(a.order) < String(b.order) ? -1 : String(a.order) > String(b.order) ? 1 : 0;
}

function sqlFiles(absoluteDir: string, pattern: RegExp): string[] {
  if (!existsSync(absoluteDir) || !statSync(absoluteDir).isDirectory()) return [];
  return readdirSync(absoluteDir)
    .filter((name) => pattern.test(name))
    .sort();
}

/** Keeps the lines of the up part of a file with up/down comment markers; blanks the rest. */
export function upSection(sql: string, upMarker: RegExp, downMarker: RegExp): string {
  const lines = sql.split('\n');
  let inDown = false;
  return lines
    .map((line) => {
      if (downMarker.test(line)) inDown = true;
      else if (upMarker.test(line)) inDown = false;
      return inDown ? '' : line;
    })
    .join('\n');
}

/** Flyway's checksum: CRC32 over the file's lines without line endings (BOM dropped), as a signed int. */
export function flywayChecksum(text: string): number {
  let crc = 0xffffffff;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    for (const byte of Buffer.from(line, 'utf8')) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) | 0;
}

async function tableRows<R>(query: <T>(sql: string) => Promise<T[]>, table: string, select: string): Promise<{ exists: boolean; rows: R[] }> {
  const [found] = await query<{ oid: string | null }>(`SELECT to_regclass('${table}')::text AS oid`);
  if (!found?.oid) return { exists: false, rows: [] };
  return { exists: true, rows: await query<R>(select) };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export const PROFILES: Record<ExternalRunner, ToolProfile> = {
  prisma: {
    runner: 'prisma',
    title: 'Prisma Migrate',
    defaultDir: 'prisma/migrations',
    defaultCommand: () => ['npx', 'prisma', 'migrate', 'deploy'],
    historyTable: 'public._prisma_migrations',
    // `migrate deploy` sends each migration.sql as one script: Postgres runs it atomically.
    transactionModel: 'per-file',
    list(dir, cwd) {
      const root = join(cwd, dir);
      if (!existsSync(root)) return [];
      return readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'migration.sql')))
        .sort()
        .map((name) => {
          const sql = readFileSync(join(root, name, 'migration.sql'), 'utf8');
          return { id: name, path: relative(cwd, join(root, name, 'migration.sql')), sql, checksum: sha256(sql), order: name, noTransaction: false };
        });
    },
    async readHistory(query) {
      const table = 'public._prisma_migrations';
      const { exists, rows } = await tableRows<{ migration_name: string; checksum: string; finished_at: string | null; rolled_back_at: string | null }>(
        query,
        table,
        `SELECT migration_name, checksum, finished_at::text, rolled_back_at::text FROM ${table} ORDER BY started_at`,
      );
      return {
        exists,
        table,
        rows: rows.map((row) => ({
          id: row.migration_name,
          checksum: row.checksum,
          succeeded: row.finished_at !== null,
          rolledBack: row.rolled_back_at !== null,
        })),
      };
    },
  },
  drizzle: {
    runner: 'drizzle',
    title: 'Drizzle Kit',
    defaultDir: 'drizzle',
    defaultCommand: () => ['npx', 'drizzle-kit', 'migrate'],
    historyTable: 'drizzle.__drizzle_migrations',
    // drizzle-kit migrate applies every pending file in one transaction.
    transactionModel: 'single',
    list(dir, cwd) {
      const root = join(cwd, dir);
      const journal = readJson(join(root, 'meta', '_journal.json')) as { entries?: Array<{ tag: string; when: number }> } | undefined;
      const entries = journal?.entries ?? sqlFiles(root, /\.sql$/i).map((name, index) => ({ tag: name.replace(/\.sql$/i, ''), when: index }));
      return entries
        .filter((entry) => existsSync(join(root, `${entry.tag}.sql`)))
        .map((entry) => {
          const sql = readFileSync(join(root, `${entry.tag}.sql`), 'utf8');
          return {
            id: String(entry.when),
            path: relative(cwd, join(root, `${entry.tag}.sql`)),
            sql,
            checksum: sha256(sql),
            order: BigInt(entry.when),
            noTransaction: false,
          };
        });
    },
    async readHistory(query) {
      const table = 'drizzle.__drizzle_migrations';
      const { exists, rows } = await tableRows<{ hash: string; created_at: string }>(
        query,
        table,
        `SELECT hash, created_at::text FROM ${table} ORDER BY created_at`,
      );
      return { exists, table, rows: rows.map((row) => ({ id: row.created_at, checksum: row.hash, succeeded: true })) };
    },
  },
  'node-pg-migrate': {
    runner: 'node-pg-migrate',
    title: 'node-pg-migrate',
    defaultDir: 'migrations',
    defaultCommand: (dir) => ['npx', 'node-pg-migrate', 'up', '--migrations-dir', dir],
    historyTable: 'public.pgmigrations',
    // `up` wraps all pending migrations in one transaction unless --no-single-transaction.
    transactionModel: 'single',
    list(dir, cwd) {
      const root = join(cwd, dir);
      const up = /^\s*--[\s-]*up\s+migration/i;
      const down = /^\s*--[\s-]*down\s+migration/i;
      return sqlFiles(root, /\.(sql|js|cjs|mjs|ts)$/i)
        .filter((name) => !/\.down\.sql$/i.test(name))
        .map((name) => {
          const id = name.replace(/(\.up)?\.(sql|js|cjs|mjs|ts)$/i, '');
          if (!/\.sql$/i.test(name)) return { id, order: id, noTransaction: false };
          const sql = upSection(readFileSync(join(root, name), 'utf8'), up, down);
          return { id, path: relative(cwd, join(root, name)), sql, order: id, noTransaction: false };
        });
    },
    async readHistory(query) {
      const table = 'public.pgmigrations';
      const { exists, rows } = await tableRows<{ name: string }>(query, table, `SELECT name FROM ${table} ORDER BY run_on, id`);
      return { exists, table, rows: rows.map((row) => ({ id: row.name, succeeded: true })) };
    },
  },
  dbmate: {
    runner: 'dbmate',
    title: 'dbmate',
    defaultDir: 'db/migrations',
    defaultCommand: (dir) => ['dbmate', '--migrations-dir', dir, '--no-dump-schema', 'up'],
    historyTable: 'public.schema_migrations',
    // Each file in its own transaction; `-- migrate:up transaction:false` opts out.
    transactionModel: 'per-file',
    list(dir, cwd) {
      const root = join(cwd, dir);
      return sqlFiles(root, /^\d+.*\.sql$/i)
        .map((name) => {
          const text = readFileSync(join(root, name), 'utf8');
          const version = /^(\d+)/.exec(name)![1]!;
          const sql = upSection(text, /^\s*--\s*migrate:up\b/i, /^\s*--\s*migrate:down\b/i);
          return {
            id: version,
            path: relative(cwd, join(root, name)),
            sql,
            order: BigInt(version),
            noTransaction: /^\s*--\s*migrate:up\b.*\btransaction:false\b/im.test(text),
          };
        })
        .sort(byOrder);
    },
    async readHistory(query) {
      const table = 'public.schema_migrations';
      const { exists, rows } = await tableRows<{ version: string }>(query, table, `SELECT version::text FROM ${table}`);
      return { exists, table, rows: rows.map((row) => ({ id: row.version, succeeded: true })) };
    },
  },
  'golang-migrate': {
    runner: 'golang-migrate',
    title: 'golang-migrate',
    defaultDir: 'migrations',
    defaultCommand: (dir) => ['migrate', '-path', dir, '-database', DATABASE_URL_ARG, 'up'],
    historyTable: 'public.schema_migrations',
    // Each file is sent as written; the tool opens no transaction of its own.
    transactionModel: 'none',
    list(dir, cwd) {
      const root = join(cwd, dir);
      return sqlFiles(root, /^\d+_.*\.up\.sql$/i)
        .map((name) => {
          const version = /^(\d+)/.exec(name)![1]!;
          return {
            id: String(BigInt(version)),
            path: relative(cwd, join(root, name)),
            sql: readFileSync(join(root, name), 'utf8'),
            order: BigInt(version),
            noTransaction: true,
          };
        })
        .sort(byOrder);
    },
    async readHistory(query) {
      const table = 'public.schema_migrations';
      const { exists, rows } = await tableRows<{ version: string; dirty: boolean }>(query, table, `SELECT version::text, dirty FROM ${table}`);
      const row = rows[0];
      return {
        exists,
        table,
        rows: row ? [{ id: String(BigInt(row.version)), succeeded: !row.dirty }] : [],
        upToVersion: row ? BigInt(row.version) : undefined,
      };
    },
  },
  flyway: {
    runner: 'flyway',
    title: 'Flyway',
    defaultDir: 'sql',
    defaultCommand: (dir) => ['flyway', `-locations=filesystem:${dir}`, 'migrate'],
    historyTable: 'public.flyway_schema_history',
    // Each migration in its own transaction.
    transactionModel: 'per-file',
    list(dir, cwd) {
      const root = join(cwd, dir);
      return sqlFiles(root, /^V[\d._]+__.*\.sql$/)
        .map((name) => {
          const version = /^V([\d._]+?)__/.exec(name)![1]!.replace(/_/g, '.');
          const sql = readFileSync(join(root, name), 'utf8');
          const order = version
            .split('.')
            .map((part) => part.padStart(12, '0'))
            .join('.');
          return { id: version, path: relative(cwd, join(root, name)), sql, checksum: String(flywayChecksum(sql)), order, noTransaction: false };
        })
        .sort(byOrder);
    },
    async readHistory(query) {
      const table = 'public.flyway_schema_history';
      const { exists, rows } = await tableRows<{ version: string | null; checksum: string | null; success: boolean }>(
        query,
        table,
        `SELECT version, checksum::text, success FROM ${table} WHERE version IS NOT NULL ORDER BY installed_rank`,
      );
      return { exists, table, rows: rows.map((row) => ({ id: row.version!, checksum: row.checksum ?? undefined, succeeded: row.success })) };
    },
  },
  command: {
    runner: 'command',
    title: 'custom command',
    defaultDir: 'migrations',
    defaultCommand: () => [],
    transactionModel: 'none',
    list(dir, cwd) {
      const root = join(cwd, dir);
      return sqlFiles(root, /\.sql$/i).map((name) => ({
        id: name,
        path: relative(cwd, join(root, name)),
        sql: readFileSync(join(root, name), 'utf8'),
        order: name,
        noTransaction: true,
      }));
    },
  },
};
