// Down-migrations, checked on the preview (`check-down`): after this run's migrations are
// applied, their down steps run in reverse, the schema is compared with the one before the
// run, the ups are applied again and the schema is compared with the one after the run.
// A down step that fails, or a difference either way, is a finding that names the objects.
// Migrations without a down step are listed (a failure only with `require-down`).
//
// Down steps, in each layout the built-in runner reads (see LAYOUTS in files.ts): flat files'
// `<name>.down.sql` beside `<name>.sql` or a `-- preview-db: down` section (sections.ts),
// golang-migrate's `<n>_<name>.down.sql` beside `.up.sql`, Diesel's `<dir>/down.sql` (with the
// directory's metadata.toml), dbmate's `-- migrate:down` section. Prisma and Flyway keep none.
// The ups run again exactly as the runner ran them (read through readMigrations).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { readSchema, type SchemaObject } from '../schema/catalog.js';
import { diffSchemas, type SchemaChange } from '../schema/diff.js';
import { escapeTableCell as cell } from '../shared/markdown.js';
import { acquireAdvisoryLock, advisoryLockKey, connect, parseTableName, releaseAdvisoryLock, type Client } from './db.js';
import { decodeSql, hasNoTransactionMarker, parseSqlFile, readMigrations, type Layout } from './files.js';
import { dbmateDown, splitPreviewDown, DOWN_MARKER, type DownSection } from './sections.js';
import type { SqlStatement } from './sql.js';
import { runStatement } from './measure.js';

export interface MigrationRef {
  version: string;
  name: string;
  /** The up file, relative to the working directory. */
  file: string;
}

export interface SqlFile {
  path: string;
  sql: string;
  statements: SqlStatement[];
  noTransaction: boolean;
}

export interface DownStep {
  migration: MigrationRef;
  up: SqlFile;
  /** Undefined when the migration has no down step. */
  down?: SqlFile;
  /** Where the layout keeps this migration's down step, for the report when there is none. */
  expected: string;
  /** The down step (or the up) cannot be read or parsed: why. */
  problem?: { file: string; message: string };
}

export interface DownCheckResult {
  /** The migrations whose down steps ran, in the order they ran (newest first). */
  checked: string[];
  /** Migrations of this run without a down step. */
  missing: string[];
  /** For each migration without a down step: where its layout would keep one. */
  expected?: Record<string, string>;
  /** The round trip did not run, and why (a missing down step, nothing applied). */
  skipped?: string;
  /** A down (or re-applied up) step that failed, with Postgres's message. */
  failure?: { file: string; message: string; phase: 'down' | 'up again' };
  /** After the downs: what differs from the schema before the run (objects left behind or not restored). */
  afterDown: SchemaChange[];
  /** After the ups again: what differs from the schema after the run. */
  afterReapply: SchemaChange[];
  requireDown: boolean;
  ok: boolean;
}

/** The built-in runner's down file for an up file: `0007_add_users.sql` → `0007_add_users.down.sql`. */
export function downPathFor(upPath: string): string {
  return upPath.replace(/\.sql$/i, '.down.sql');
}

export function isDownFile(fileName: string): boolean {
  return /\.down\.sql$/i.test(fileName);
}

/** The history table as the catalog reader names tables: `schema.table`, unquoted. */
function catalogName(historyTable: string): string {
  const { schema, table } = parseTableName(historyTable, 'history-table');
  return `${schema}.${table}`;
}

function readText(path: string, workingDirectory: string): string {
  return decodeSql(readFileSync(join(workingDirectory, path)), path);
}

async function sqlFile(path: string, sql: string, noTransaction = false): Promise<SqlFile> {
  const statements = await parseSqlFile(sql, path, 'migrations-dir');
  return { path, sql, statements, noTransaction: noTransaction || hasNoTransactionMarker(sql, statements) };
}

async function fromSection(path: string, section: DownSection): Promise<SqlFile> {
  return sqlFile(path, section.text, section.noTransaction);
}

/** Where a layout keeps the down step of the migration whose up file is `upPath`, and the step itself when there is one. */
async function downStepOf(layout: Layout, upPath: string, workingDirectory: string): Promise<{ down?: SqlFile; expected: string }> {
  const exists = (path: string) => existsSync(join(workingDirectory, path));
  switch (layout.name) {
    case 'flat': {
      const side = downPathFor(upPath);
      const expected = `\`${side}\` or a \`${DOWN_MARKER}\` section`;
      if (exists(side)) return { down: await sqlFile(side, readText(side, workingDirectory)), expected };
      const section = splitPreviewDown(readText(upPath, workingDirectory)).down;
      return { down: section ? await fromSection(upPath, section) : undefined, expected };
    }
    case 'golang-migrate': {
      const side = upPath.replace(/\.up\.sql$/i, '.down.sql');
      return { down: exists(side) ? await sqlFile(side, readText(side, workingDirectory)) : undefined, expected: `\`${side}\`` };
    }
    case 'diesel': {
      const side = join(dirname(upPath), 'down.sql');
      if (!exists(side)) return { expected: `\`${side}\`` };
      // metadata.toml's run_in_transaction = false covers the down step too, as in Diesel.
      const rule = layout.noTransactionFile;
      const metadata = rule ? join(dirname(upPath), rule.name) : undefined;
      const outside = Boolean(rule && metadata && exists(metadata) && rule.pattern.test(readFileSync(join(workingDirectory, metadata), 'utf8')));
      return { down: await sqlFile(side, readText(side, workingDirectory), outside), expected: `\`${side}\`` };
    }
    case 'dbmate': {
      const section = dbmateDown(readText(upPath, workingDirectory));
      return { down: section ? await fromSection(upPath, section) : undefined, expected: `a \`-- migrate:down\` section in \`${upPath}\`` };
    }
    default:
      return { expected: `none: ${layout.title.split(' (')[0]} keeps no down steps beside its migrations` };
  }
}

/**
 * The up and down SQL of each applied migration (down undefined when there is none), in the
 * layout of the migrations directory. The up is the SQL the runner sent (a dbmate down section
 * or an outer BEGIN/COMMIT blanked), read again the way the runner reads it.
 */
export async function readDownSteps(applied: MigrationRef[], workingDirectory: string, migrationsDir = 'migrations'): Promise<DownStep[]> {
  const set = await readMigrations(migrationsDir, workingDirectory);
  const byPath = new Map(set.files.map((file) => [file.path, file]));
  const steps: DownStep[] = [];
  for (const migration of applied) {
    const read = byPath.get(migration.file);
    const up: SqlFile = read
      ? { path: read.path, sql: read.sql, statements: read.statements, noTransaction: read.noTransaction }
      : { path: migration.file, sql: '', statements: [], noTransaction: false };
    try {
      const { down, expected } = await downStepOf(set.layout, migration.file, workingDirectory);
      steps.push({ migration, up, down, expected, problem: read ? undefined : { file: migration.file, message: 'the runner can no longer read this file' } });
    } catch (error) {
      steps.push({ migration, up, expected: migration.file, problem: { file: migration.file, message: errorMessage(error) } });
    }
  }
  return steps;
}

/** One file, the way the runner runs it: in a transaction, or statement by statement with the no-transaction marker. */
async function runFile(client: Client, file: SqlFile): Promise<void> {
  if (file.noTransaction) {
    for (const statement of file.statements) await runStatement(client, statement);
    return;
  }
  await client.query('BEGIN');
  try {
    // COPY ... FROM stdin rows travel in COPY's protocol (from the file, for a large one): such a file goes statement by statement.
    if (file.statements.some((statement) => statement.copyData !== undefined)) for (const statement of file.statements) await runStatement(client, statement);
    else await client.query(file.sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export async function readSchemaAt(url: string, historyTable: string, log: Log, deadlineMs = 60_000): Promise<SchemaObject[]> {
  const client = await connect(url, log, { deadlineMs });
  try {
    return await readSchema(client, { ignoreTables: [catalogName(historyTable)] });
  } finally {
    await client.end().catch(() => {});
  }
}

export interface DownCheckRequest {
  databaseUrl: string;
  workingDirectory: string;
  historyTable: string;
  /** The migrations directory, relative to workingDirectory (default `migrations`). */
  migrationsDir?: string;
  requireDown: boolean;
  /** This run's migrations, in the order they were applied. */
  applied: MigrationRef[];
  /** The schema before this run applied anything. */
  before: SchemaObject[];
  lockWaitSeconds?: number;
}

export async function checkDownMigrations(request: DownCheckRequest, log: Log): Promise<DownCheckResult> {
  const result: DownCheckResult = { checked: [], missing: [], afterDown: [], afterReapply: [], requireDown: request.requireDown, ok: true };
  const finish = () => {
    result.ok = !result.failure && result.afterDown.length === 0 && result.afterReapply.length === 0 && !(request.requireDown && result.missing.length > 0);
    return result;
  };
  if (request.applied.length === 0) {
    result.skipped = 'this run applied no migration';
    return finish();
  }
  const steps = await readDownSteps(request.applied, request.workingDirectory, request.migrationsDir);
  const broken = steps.find((s) => s.problem);
  if (broken) {
    result.failure = { ...broken.problem!, phase: 'down' };
    log.error(`${broken.problem!.file}: the down step cannot be read: ${broken.problem!.message}`, {
      file: broken.problem!.file,
      title: 'Down migration failed',
    });
    return finish();
  }
  const withoutDown = steps.filter((s) => !s.down);
  result.missing = withoutDown.map((s) => s.migration.file);
  if (withoutDown.length > 0) result.expected = Object.fromEntries(withoutDown.map((s) => [s.migration.file, s.expected]));
  for (const step of withoutDown) log.info(`${step.migration.file} has no down step (expected: ${step.expected}).`);
  if (result.missing.length > 0) {
    result.skipped = `the round trip needs a down step for every migration this run applied; missing: ${result.missing.join(', ')}`;
    return finish();
  }

  const table = parseTableName(request.historyTable, 'history-table');
  const client = await connect(request.databaseUrl, log, {});
  const lockKey = advisoryLockKey(table.qualified);
  try {
    // The same lock as the runner: no other run migrates this database meanwhile.
    await acquireAdvisoryLock(client, lockKey, log, { timeoutMs: (request.lockWaitSeconds ?? 600) * 1000 });
    const ignore = { ignoreTables: [catalogName(request.historyTable)] };
    const after = await readSchema(client, ignore);
    const reverted: DownStep[] = [];
    for (const step of [...steps].reverse()) {
      try {
        await runFile(client, step.down!);
        reverted.push(step);
        result.checked.push(step.migration.file);
        log.info(`Ran ${step.down!.path}.`);
      } catch (error) {
        result.failure = { file: step.down!.path, message: errorMessage(error), phase: 'down' };
        log.error(`${step.down!.path}: the down step failed: ${errorMessage(error)}`, { file: step.down!.path, title: 'Down migration failed' });
        break;
      }
    }
    if (!result.failure) {
      result.afterDown = diffSchemas(request.before, await readSchema(client, ignore));
      for (const change of result.afterDown)
        log.error(`After the down steps: ${describeChange(change, 'down')}`, { title: 'Down migration leaves a difference' });
    }
    // Back to where the run left the preview: the ups of what was reverted, oldest first.
    for (const step of reverted.reverse()) {
      try {
        await runFile(client, step.up);
      } catch (error) {
        result.failure ??= { file: step.up.path, message: errorMessage(error), phase: 'up again' };
        log.error(`${step.up.path}: applying it again after its down step failed: ${errorMessage(error)}`, {
          file: step.up.path,
          title: 'Re-applying a migration failed',
        });
        return finish();
      }
    }
    if (reverted.length > 0) {
      result.afterReapply = diffSchemas(after, await readSchema(client, ignore));
      for (const change of result.afterReapply)
        log.error(`After the ups again: ${describeChange(change, 'reapply')}`, { title: 'Down and up again leave a difference' });
    }
  } finally {
    await releaseAdvisoryLock(client, lockKey).catch(() => {});
    await client.end().catch(() => {});
  }
  return finish();
}

function describeChange(change: SchemaChange, phase: 'down' | 'reapply'): string {
  const what = `${change.kind} ${change.name}`;
  if (phase === 'down') {
    if (change.change === 'added') return `${what} is left behind (it was not there before this run)`;
    if (change.change === 'removed') return `${what} is gone (it was there before this run: the down step dropped what it did not create)`;
    return `${what} differs from before this run: ${change.before} → ${change.after}`;
  }
  if (change.change === 'added') return `${what} appears that the first apply did not make`;
  if (change.change === 'removed') return `${what} is missing that the first apply made`;
  return `${what} differs from the first apply: ${change.before} → ${change.after}`;
}

/** The report section (step summary and pull-request comment). */
export function renderDownCheck(check: DownCheckResult): string[] {
  const out = ['#### Down-migrations', ''];
  if (check.ok && !check.skipped)
    out.push(`✅ ${check.checked.length} down step(s) undo this run's migrations, and the ups apply again to the same schema.`, '');
  if (check.skipped) out.push(`Round trip not run: ${cell(check.skipped)}.`, '');
  if (check.failure) out.push(`🛑 \`${cell(check.failure.file)}\` failed (${check.failure.phase}): ${cell(check.failure.message)}`, '');
  if (check.afterDown.length > 0) {
    out.push('🛑 After the down steps, the schema differs from before this run:', '');
    for (const change of check.afterDown) out.push(`- ${cell(describeChange(change, 'down'))}`);
    out.push('');
  }
  if (check.afterReapply.length > 0) {
    out.push('🛑 After down and up again, the schema differs from the first apply:', '');
    for (const change of check.afterReapply) out.push(`- ${cell(describeChange(change, 'reapply'))}`);
    out.push('');
  }
  if (check.missing.length > 0) {
    out.push(
      `${check.requireDown ? '🛑' : 'ℹ️'} No down step${check.requireDown ? ' (require-down)' : ''}:`,
      ...check.missing.map((file) => `- \`${cell(file)}\` (expected: ${cell(check.expected?.[file] ?? downPathFor(file))})`),
      '',
    );
  }
  return out;
}
