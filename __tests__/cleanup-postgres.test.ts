// Cleanup with the Postgres provider against the real test Postgres: marked databases are
// previews, everything else is left alone; open connections are terminated and reported.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pg from 'pg';
import { runCleanup, type CleanupSettings } from '../src/cleanup/index.js';
import { PostgresPreviewStore } from '../src/providers/postgres/sweep.js';
import { PostgresPreviews } from '../src/providers/postgres/preview.js';
import { formatMarker } from '../src/providers/postgres/marker.js';
import { withDatabase } from '../src/shared/postgres.js';
import { databaseNameForBranch, quoteIdent, quoteLiteral } from '../src/shared/naming.js';
import { MemoryLog } from './support/memory-log.js';
import { sql } from './support/sql.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
// Unique per run: the test server is shared with other test files, whose previews must never match.
const PREFIX = `cupg${Date.now().toString(36).slice(-5)}/`;
const DB_PREFIX = databaseNameForBranch(`${PREFIX}x`).slice(0, -1);
const DAY = 86_400_000;
const held: pg.Client[] = [];

async function databases(): Promise<string[]> {
  return (await sql<{ datname: string }>(adminUrl, 'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname', [`${DB_PREFIX}%`])).map(
    (row) => row.datname,
  );
}

/** A database as create-branch marks it, created `ageDays` ago as far as the mark says. */
async function preview(branch: string, ageDays: number, options: { database?: string; mark?: boolean } = {}): Promise<string> {
  const name = options.database ?? databaseNameForBranch(branch);
  await sql(adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
  if (options.mark !== false)
    await sql(
      adminUrl,
      `COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(formatMarker({ branch, createdAt: new Date(Date.now() - ageDays * DAY).toISOString() }))}`,
    );
  return name;
}

async function hold(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
  client.on('error', () => {});
  await client.connect();
  held.push(client);
  return client;
}

function settings(overrides: Partial<CleanupSettings>): CleanupSettings {
  return { mode: 'stale', prefixes: [PREFIX], olderThanSeconds: 7 * 86400, closedPrs: false, dryRun: false, maxDeletions: 50, ...overrides };
}

const store = (log: MemoryLog) => new PostgresPreviewStore({ adminUrl }, log);

beforeAll(async () => {
  for (const name of await databases()) await sql(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
});

afterAll(async () => {
  for (const client of held) await client.end().catch(() => {});
  for (const name of await databases()) await sql(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
});

test('PR mode drops the preview create-branch made, terminating open connections and saying so; a re-run is a no-op', async () => {
  const branch = `${PREFIX}pr-1`;
  const log = new MemoryLog();
  const made = await new PostgresPreviews({ adminUrl }, log).ensurePreview({
    branchName: branch,
    onExisting: 'reuse',
    waitTimeoutSeconds: 30,
    annotations: {},
  });
  const session = await hold(made.database);
  const ended = new Promise<void>((resolve) => session.on('end', () => resolve()));

  const report = await runCleanup(settings({ mode: 'pr', branchName: branch }), store(log), log);
  expect(report).toMatchObject({ candidates: [branch], deleted: [branch], alreadyGone: [], failed: [], skipped: [] });
  expect(report.failure).toBeUndefined();
  expect(await databases()).not.toContain(made.database);
  expect(log.text()).toMatch(new RegExp(`Database '${made.database}' has 1 open connection\\(s\\); DROP DATABASE \\.\\.\\. WITH \\(FORCE\\) terminates them`));
  expect(report.rows[0]!.detail).toMatch(/terminated 1 open connection/);
  await ended;

  const again = new MemoryLog();
  const rerun = await runCleanup(settings({ mode: 'pr', branchName: branch }), store(again), again);
  expect(rerun).toMatchObject({ candidates: [], deleted: [], alreadyGone: [branch], failed: [] });
  expect(again.text('notice')).toMatch(/does not exist \(already deleted, or never created\)/);
});

test('PR mode refuses a database without the mark, even under the preview name', async () => {
  const branch = `${PREFIX}pr-2`;
  const name = await preview(branch, 30, { mark: false });
  const log = new MemoryLog();
  const report = await runCleanup(settings({ mode: 'pr', branchName: branch }), store(log), log);
  expect(report).toMatchObject({ candidates: [], deleted: [], alreadyGone: [] });
  expect(report.skipped).toEqual([{ name: branch, reason: expect.stringMatching(/^not a preview: it does not carry the managed-by=preview-db mark/) }]);
  expect(log.text('warning')).toMatch(/Not deleting/);
  expect(await databases()).toContain(name);
});

test('a stale sweep drops only idle marked previews under the prefixes; dry run and the cap delete nothing', async () => {
  const idle = await preview(`${PREFIX}pr-10`, 10);
  const idle2 = await preview(`${PREFIX}pr-11`, 9);
  const fresh = await preview(`${PREFIX}pr-12`, 1);
  const connected = await preview(`${PREFIX}pr-13`, 10);
  const readRecently = await preview(`${PREFIX}pr-14`, 10);
  const unmarked = await preview(`${PREFIX}pr-15`, 10, { mark: false });
  const renamed = await preview(`${PREFIX}pr-16`, 10, { database: `${DB_PREFIX}renamed` });
  const otherPrefix = await preview(`other-${PREFIX}pr-17`, 10, { database: `${DB_PREFIX}other` });
  await hold(connected);
  // A table read an hour ago (Postgres 16+ reports it): the preview is in use.
  const reader = new pg.Client({ connectionString: withDatabase(adminUrl, readRecently) });
  await reader.connect();
  await reader.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1); SELECT count(*) FROM t');
  await reader.end();
  for (let i = 0; i < 50; i++) {
    const [row] = await sql<{ scanned: boolean }>(
      withDatabase(adminUrl, readRecently),
      "SELECT last_seq_scan IS NOT NULL AS scanned FROM pg_stat_user_tables WHERE relname = 't'",
    );
    if (row?.scanned) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const dryLog = new MemoryLog();
  const dry = await runCleanup(settings({ dryRun: true }), store(dryLog), dryLog);
  expect(dry.candidates.sort()).toEqual([`${PREFIX}pr-10`, `${PREFIX}pr-11`]);
  expect(dry.deleted).toEqual([]);
  expect(await databases()).toEqual(expect.arrayContaining([idle, idle2]));

  const capLog = new MemoryLog();
  const capped = await runCleanup(settings({ maxDeletions: 1 }), store(capLog), capLog);
  expect(capped.failure).toMatch(/2 previews were selected for deletion, more than max-deletions \(1\); nothing was deleted/);
  expect(capped.deleted).toEqual([]);
  expect(await databases()).toEqual(expect.arrayContaining([idle, idle2]));

  const log = new MemoryLog();
  const report = await runCleanup(settings({}), store(log), log);
  expect(report.deleted.sort()).toEqual([`${PREFIX}pr-10`, `${PREFIX}pr-11`]);
  expect(report.failed).toEqual([]);
  const kept = Object.fromEntries(report.skipped.map((entry) => [entry.name, entry.reason]));
  expect(kept[`${PREFIX}pr-12`]).toMatch(/^active 1d ago \(created\), within older-than 7d$/);
  expect(kept[`${PREFIX}pr-13`]).toMatch(/\(1 open connection\(s\)\)/);
  expect(kept[`${PREFIX}pr-14`]).toMatch(/\(a table last read\)/);
  // Not previews: never even reported as kept.
  expect(Object.keys(kept)).not.toContain(`${PREFIX}pr-15`);
  expect(Object.keys(kept)).not.toContain(`${PREFIX}pr-16`);
  const left = await databases();
  expect(left).not.toContain(idle);
  expect(left).not.toContain(idle2);
  expect(left).toEqual(expect.arrayContaining([fresh, connected, readRecently, unmarked, renamed, otherPrefix]));
  expect((await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'postgres'")).length).toBe(1);
});

test('a database recreated between listing and dropping is left alone and reported as failed', async () => {
  const branch = `${PREFIX}pr-20`;
  const name = await preview(branch, 10);
  const log = new MemoryLog();
  const sweep = store(log);
  const [listed] = await sweep.list({ mode: 'pr', branchName: branch, olderThanSeconds: 1, now: new Date() });
  // Another run recreates it meanwhile (a new mark with a new created-at).
  await sql(adminUrl, `COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(formatMarker({ branch, createdAt: new Date().toISOString() }))}`);
  await expect(sweep.remove(listed!)).rejects.toThrow(/changed since it was listed/);
  expect(await databases()).toContain(name);
});

test('a preview marked by another repository is never matched to our closed pull requests', async () => {
  const branch = `${PREFIX}pr-77`;
  const name = databaseNameForBranch(branch);
  const stale = new Date(Date.now() - 30 * DAY).toISOString();
  await sql(adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
  await sql(
    adminUrl,
    `COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(formatMarker({ branch, createdAt: stale, repository: 'another-org/another-app', pullRequest: 77 }))}`,
  );
  const rules: CleanupSettings = { mode: 'stale', prefixes: [PREFIX], olderThanSeconds: (60 * DAY) / 1000, closedPrs: true, dryRun: true, maxDeletions: 50 };
  const closed = async () => new Set([77]);
  const ours = new PostgresPreviewStore({ adminUrl, repository: 'example-org/example-app' }, new MemoryLog());
  const theirs = new PostgresPreviewStore({ adminUrl, repository: 'another-org/another-app' }, new MemoryLog());
  try {
    expect((await runCleanup(rules, ours, new MemoryLog(), { closedPullRequests: closed })).candidates).not.toContain(branch);
    expect((await runCleanup(rules, theirs, new MemoryLog(), { closedPullRequests: closed })).candidates).toContain(branch);
  } finally {
    await ours.close();
    await theirs.close();
    await sql(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  }
});
