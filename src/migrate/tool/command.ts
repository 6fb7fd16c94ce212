// The project's own migration tool: read its history read-only, say what is pending,
// failed, edited or out of order (most tools never check), then run its command with the
// database URL exported, output streamed, and its exit status kept.
import { spawn } from 'node:child_process';
import type { Log } from '../../shared/log.js';
import type { ToolHistory, ToolMigration } from './profiles.js';
import type { CommandLine } from './command-line.js';

export { parseCommand, showCommand, type CommandLine } from './command-line.js';

export interface ToolStatus {
  historyTable?: string;
  historyExists: boolean;
  applied: ToolMigration[];
  pending: ToolMigration[];
  /** History rows that started and never finished (or are marked dirty / unsuccessful). */
  failed: string[];
  /** Applied, but the file's checksum differs from the one recorded. */
  edited: ToolMigration[];
  /** Pending, yet older than something already applied: many tools skip or refuse these. */
  outOfOrder: ToolMigration[];
  /** In the history, not on disk. */
  missing: string[];
}

function compareOrder(a: string | bigint, b: string | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function compareWithHistory(migrations: ToolMigration[], history: ToolHistory | undefined): ToolStatus {
  const status: ToolStatus = {
    historyTable: history?.table,
    historyExists: history?.exists ?? false,
    applied: [],
    pending: [],
    failed: [],
    edited: [],
    outOfOrder: [],
    missing: [],
  };
  if (!history) {
    status.pending = [...migrations];
    return status;
  }
  const rows = new Map(history.rows.map((row) => [row.id, row]));
  status.failed = history.rows.filter((row) => !row.succeeded && !row.rolledBack).map((row) => row.id);
  const failed = new Set(status.failed);
  for (const migration of migrations) {
    const row = rows.get(migration.id);
    const applied =
      history.upToVersion !== undefined
        ? typeof migration.order === 'bigint' && migration.order <= history.upToVersion && !failed.has(migration.id)
        : Boolean(row && row.succeeded && !row.rolledBack);
    if (applied) {
      status.applied.push(migration);
      if (row?.checksum !== undefined && migration.checksum !== undefined && row.checksum !== migration.checksum) status.edited.push(migration);
    } else if (!failed.has(migration.id)) {
      status.pending.push(migration);
    }
  }
  const newest = status.applied.reduce<ToolMigration | undefined>((max, m) => (!max || compareOrder(m.order, max.order) > 0 ? m : max), undefined);
  if (newest) status.outOfOrder = status.pending.filter((m) => compareOrder(m.order, newest.order) < 0);
  const onDisk = new Set(migrations.map((m) => m.id));
  if (history.upToVersion === undefined)
    status.missing = history.rows.filter((row) => row.succeeded && !row.rolledBack && !onDisk.has(row.id)).map((row) => row.id);
  return status;
}

/** Splits a postgres:// URL into the JDBC URL, user and password Flyway reads from its environment. */
export function flywayEnvironment(url: string): Record<string, string> {
  try {
    const parsed = new URL(url);
    const query = parsed.search ? parsed.search : '';
    return {
      FLYWAY_URL: `jdbc:postgresql://${parsed.host}${parsed.pathname}${query}`,
      FLYWAY_USER: decodeURIComponent(parsed.username),
      FLYWAY_PASSWORD: decodeURIComponent(parsed.password),
    };
  } catch {
    return {};
  }
}

/**
 * Runs the tool without a shell (an argument array) in the working directory, streaming its
 * output line by line into the log. Resolves with its exit status (signals count as failure;
 * a program that cannot be started is 127, as a shell would say).
 */
export async function runCommand(command: CommandLine, options: { cwd: string; env: Record<string, string>; log: Log }): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command.program, command.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, ...command.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const forward = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) options.log.info(line);
      });
      stream.on('end', () => {
        if (rest) options.log.info(rest);
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    let started = true;
    child.on('error', (error: NodeJS.ErrnoException) => {
      started = false;
      options.log.error(
        `Cannot run ${command.program}: ${error.code === 'ENOENT' ? 'no such program on PATH or in the working directory' : error.message}. Install it in an earlier step, or give its path.`,
      );
      resolve(127);
    });
    child.on('close', (code, signal) => {
      if (started) resolve(code ?? (signal ? 128 : 1));
    });
  });
}
