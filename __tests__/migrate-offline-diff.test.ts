// Offline lint of a pull request checks only the migrations it adds or changes: earlier (merged)
// migrations count as applied, so a table they create is an existing table. A real temporary git
// repository; without the base's history (or git) the run lints every file and says why.
import { expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { changedMigrations } from '../src/migrate/offline.js';
import { readRunFacts } from '../src/actions/context.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings, workspace, writeFiles } from './fixtures/migrate/support.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** A repository whose base commit creates `accounts`; the pull request's commit adds a column to it and touches a README. */
function repository(): { cwd: string; base: string } {
  const cwd = workspace({
    'migrations/0001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n',
    'migrations/0002_index.sql': 'CREATE INDEX accounts_id ON accounts (id);\n',
  });
  git(cwd, 'init', '-q', '-b', 'main');
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', 'base');
  const base = git(cwd, 'rev-parse', 'HEAD');
  git(cwd, 'checkout', '-q', '-b', 'feature');
  writeFiles(cwd, {
    'migrations/0003_email.sql': 'ALTER TABLE accounts ADD COLUMN email text NOT NULL;\n',
    'README.md': 'notes\n',
  });
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', 'pull request');
  return { cwd, base };
}

test("with the base's history, only the pull request's migration is linted, on a table that already exists", async () => {
  const { cwd, base } = repository();
  expect(changedMigrations(cwd, base, 'migrations')).toEqual({ paths: new Set(['migrations/0003_email.sql']) });
  const result = await migrate(settings('', cwd, { lintOnly: true, baseSha: base }), new MemoryLog());
  expect(result.pendingMigrations.map((m) => m.file)).toEqual(['migrations/0003_email.sql']);
  // accounts was created by a merged migration: adding a NOT NULL column without a default to it is a finding.
  expect(result.findings.map((f) => [f.file, f.rule])).toContainEqual(['migrations/0003_email.sql', 'adding-required-field']);
  expect(result.findings.every((f) => f.file === 'migrations/0003_email.sql')).toBe(true);
  expect(result.reportMarkdown).toContain('Linted the 1 migration(s) this pull request adds or changes');

  // Without a base, as before: every file, and accounts counts as new (so no finding on it).
  const all = await migrate(settings('', cwd, { lintOnly: true }), new MemoryLog());
  expect(all.pendingMigrations).toHaveLength(3);
  expect(all.findings.map((f) => f.rule)).not.toContain('adding-required-field');
});

test('without the base in the checkout, or outside a repository, every file is linted and the report says why', async () => {
  const { cwd } = repository();
  const unknown = 'f'.repeat(40);
  const log = new MemoryLog();
  const result = await migrate(settings('', cwd, { lintOnly: true, baseSha: unknown }), log);
  expect(result.pendingMigrations).toHaveLength(3);
  expect(result.reportMarkdown).toMatch(
    /Linted every migration in migrations \(3\), as if none were applied: the checkout has no history for the pull request's base ffffffffffff \(actions\/checkout fetches it with fetch-depth: 0\)/,
  );
  expect(log.text('warning')).toContain('Linted every migration');

  const plain = workspace({ 'migrations/0001_a.sql': 'CREATE TABLE a (id int);\n' });
  expect(changedMigrations(plain, unknown, 'migrations')).toEqual({ reason: 'the working directory is not a git checkout' });
  // Not a commit id (the event is data, never an argument git could read as an option).
  expect(changedMigrations(cwd, '--output=/tmp/x', 'migrations')).toEqual({ reason: expect.stringContaining('is not a commit id') });
});

test("the run facts carry the pull request's base commit from the event", () => {
  const dir = workspace({});
  const event = join(dir, 'event.json');
  writeFileSync(event, JSON.stringify({ number: 7, pull_request: { number: 7, head: { sha: 'a'.repeat(40) }, base: { sha: 'b'.repeat(40) } } }));
  expect(readRunFacts({ GITHUB_EVENT_PATH: event }).pullRequest!.baseSha).toBe('b'.repeat(40));
});
