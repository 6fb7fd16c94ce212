// Bad input caught where the inputs pass through one place: every duration has a range, the
// event file and branch names are checked, a connection error names the input holding the
// URL, cleanup's connections wait a bounded time, and an unreachable GitHub API says so.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { useInputSource } from '../src/actions/runtime.js';
import { readRunFacts, EventFileError } from '../src/actions/context.js';
import { getCreateBranchInputs } from '../src/actions/create-branch/inputs.js';
import { getCleanupInputs } from '../src/actions/cleanup/inputs.js';
import { getMigrateInputs } from '../src/actions/migrate/inputs.js';
import { getSnapshotInputs } from '../src/actions/snapshot/inputs.js';
import { InputError, SettingError } from '../src/shared/errors.js';
import { MemoryLog } from './support/memory-log.js';
import { PostgresPreviewStore } from '../src/providers/postgres/sweep.js';
import { upsertStickyComment } from '../src/github/sticky-comment.js';
import { closedPullRequestNumbers } from '../src/github/pull-requests.js';
import { withCredentials } from '../src/shared/postgres.js';
import { freePort } from './support/test-postgres.mjs';
import { runAction, inputErrorAnnotation, pullRequestEvent, leakedSecrets } from './support/run-action.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const facts = {
  eventName: 'pull_request',
  repository: 'example-org/example-repo',
  sha: 'a'.repeat(40),
  runId: '1',
  runAttempt: '1',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  pullRequest: { number: 7, headSha: 'b'.repeat(40), headRef: 'feature', fromFork: false, body: '', state: 'open', merged: false },
};

function given(values: Record<string, string>): void {
  useInputSource({ get: (name) => values[name] ?? '', mask: () => {} });
}

function inputError(read: () => unknown): InputError {
  try {
    read();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

const postgres = { provider: 'postgres', 'postgres-url': 'postgres://admin:example-password@db.example.test:5432/postgres' };

describe('every duration input has a range, named in the error', () => {
  test.each([
    ['0', "Input 'wait-timeout': '0' is outside the allowed range: use 1s to 6h."],
    ['15650w', "Input 'wait-timeout': '15650w' is outside the allowed range: use 1s to 6h."],
    ['99999999999999w', "Input 'wait-timeout': '99999999999999w' is far too long a duration. Use units s, m, h, d, w such as 30s, 5m, 7d."],
  ])('create-branch wait-timeout %s', (value, message) => {
    given({ ...postgres, 'wait-timeout': value });
    expect(inputError(() => getCreateBranchInputs(facts)).message).toBe(message);
  });

  test('expires-in: far too long names the input instead of "Invalid time value"', () => {
    given({ ...postgres, 'expires-in': '99999999999999w' });
    expect(inputError(() => getCreateBranchInputs(facts)).input).toBe('expires-in');
    given({ ...postgres, 'expires-in': '30s' });
    expect(inputError(() => getCreateBranchInputs(facts)).message).toBe("Input 'expires-in': '30s' is outside the allowed range: use 1m to 365d.");
  });

  test('snapshot wait-timeout', () => {
    given({ provider: 'rds', 'db-instance-identifier': 'example-db', region: 'us-east-1', 'wait-timeout': '0' });
    expect(inputError(() => getSnapshotInputs(facts, {})).message).toBe("Input 'wait-timeout': '0' is outside the allowed range: use 1s to 5d.");
    given({ provider: 'rds', 'db-instance-identifier': 'example-db', region: 'us-east-1', 'wait-timeout': '6d' });
    expect(inputError(() => getSnapshotInputs(facts, {})).input).toBe('wait-timeout');
  });

  test('cleanup older-than, migrate lock-timeout, statement-timeout and lock-threshold', () => {
    given({ ...postgres, mode: 'stale', 'older-than': '20000d' });
    expect(inputError(() => getCleanupInputs(facts)).message).toBe("Input 'older-than': '20000d' is outside the allowed range: use 1m to 3650d.");
    const migrate = { 'database-url': 'postgres://app:example-password@db.example.test/app' };
    for (const [input, value, range] of [
      ['lock-timeout', '0', '1s to 1d'],
      ['statement-timeout', '2d', '1s to 1d'],
      ['lock-threshold', '0ms', '1ms to 1h'],
      ['lock-threshold', '2h', '1ms to 1h'],
    ] as const) {
      given({ ...migrate, [input]: value });
      expect(inputError(() => getMigrateInputs(facts, {})).message).toBe(`Input '${input}': '${value}' is outside the allowed range: use ${range}.`);
    }
    given({ ...migrate, 'lock-timeout': '5s', 'statement-timeout': '10m', 'lock-threshold': '500ms' });
    // The built-in runner's directory is checked with the inputs too (before the core loads).
    const workspace = mkdtempSync(join(tmpdir(), 'preview-db-bounds-'));
    expect(inputError(() => getMigrateInputs(facts, { GITHUB_WORKSPACE: workspace })).message).toMatch(
      /^Input 'migrations-dir': 'migrations' is not a readable directory/,
    );
    mkdirSync(join(workspace, 'migrations'));
    expect(getMigrateInputs(facts, { GITHUB_WORKSPACE: workspace })).toMatchObject({
      lockTimeoutSeconds: 5,
      statementTimeoutSeconds: 600,
      lockThresholdMs: 500,
    });
  });

  test('a count too large for a number is refused', () => {
    given({ ...postgres, mode: 'stale', 'max-deletions': '99999999999999999999' });
    expect(inputError(() => getCleanupInputs(facts)).input).toBe('max-deletions');
  });
});

describe('the event and the branch name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-event-'));

  test('an event file that is not JSON names the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"pull_request": ');
    expect(() => readRunFacts({ GITHUB_EVENT_PATH: path })).toThrow(EventFileError);
    expect(() => readRunFacts({ GITHUB_EVENT_PATH: path })).toThrow(`The event file ${path} (GITHUB_EVENT_PATH) is not JSON`);
  });

  test('a pull-request event without a number is refused instead of naming a preview preview_pr_nan', () => {
    const path = join(dir, 'no-number.json');
    writeFileSync(path, JSON.stringify({ action: 'opened', pull_request: { head: { sha: 'c'.repeat(40) } } }));
    expect(() => readRunFacts({ GITHUB_EVENT_PATH: path })).toThrow(/has a pull_request without a valid number \(null\)/);
    writeFileSync(path, JSON.stringify({ number: 12, pull_request: { head: { sha: 'c'.repeat(40) } } }));
    expect(readRunFacts({ GITHUB_EVENT_PATH: path }).pullRequest?.number).toBe(12);
  });

  test('a branch name that reduces to nothing is refused', () => {
    given({ ...postgres, 'branch-name': '///' });
    expect(inputError(() => getCreateBranchInputs(facts)).message).toBe(
      "Input 'branch-name': '///' has no letter or digit, so no preview can be named after it. Use a name such as preview/pr-42.",
    );
    given({ ...postgres, mode: 'pr', 'branch-name': '-_.' });
    expect(inputError(() => getCleanupInputs(facts)).input).toBe('branch-name');
  });
});

describe('a Postgres connection error names the input that holds the URL', () => {
  const password = 'not-the-real-password-4242';
  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['a wrong password', async () => withCredentials(adminUrl, 'nobody_here', password), /the server refused its user name or password/],
    ['an unknown host', async () => `postgres://admin:${password}@db.invalid:5432/postgres`, /its host name does not resolve/],
    ['a refused port', async () => `postgres://admin:${password}@127.0.0.1:${await freePort()}/postgres`, /nothing accepts connections at its host and port/],
  ];

  test.each(cases)('create-branch: %s', async (_label, url, why) => {
    const run = await runAction('create-branch', {
      inputs: { provider: 'postgres', 'postgres-url': await url(), 'branch-name': 'preview/bounds', 'wait-timeout': '3s' },
      event: pullRequestEvent(5),
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('postgres-url'));
    expect(run.stdout).toMatch(why);
    expect(leakedSecrets(run, [password])).toEqual([]);
  });

  test('migrate: a wrong password names database-url', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'preview-db-bounds-'));
    mkdirSync(join(cwd, 'migrations'));
    writeFileSync(join(cwd, 'migrations', '1_a.sql'), 'CREATE TABLE a (id int);\n');
    const url = withCredentials(adminUrl, 'nobody_here', password);
    const run = await runAction('migrate', { inputs: { 'database-url': url }, cwd });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('database-url'));
    expect(run.stdout).toMatch(/cannot connect to 127\.0\.0\.1:\d+\/postgres \(the database to migrate\): .*the server refused its user name or password/);
    expect(leakedSecrets(run, [password])).toEqual([]);
  });
});

describe('bounded waits', () => {
  let blackHole: Server;
  const sockets: Socket[] = [];
  let port: number;
  beforeAll(async () => {
    // Accepts connections and never answers: the worst a firewall or a hung server does.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    port = (blackHole.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  });

  test("cleanup's connections give up at the store's deadline, not after a fixed 10 s per attempt", async () => {
    const store = new PostgresPreviewStore(
      { adminUrl: `postgres://admin:example-password@127.0.0.1:${port}/postgres`, callTimeoutSeconds: 1 },
      new MemoryLog(),
    );
    const started = Date.now();
    const error = await store.list({ mode: 'stale', olderThanSeconds: 3600, now: new Date() }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(SettingError);
    expect((error as SettingError).setting).toBe('postgresAdminUrl');
    expect((error as Error).message).toMatch(/did not answer in time/);
    // One attempt alone used to wait 10 s; the deadline is 1 s (and each attempt at least 1 s).
    expect(elapsed).toBeLessThan(8_000);
    await store.close();
  });

  test('an unreachable GitHub API is reported as unreachable, not as an HTTP 500 from GitHub', async () => {
    const closed = await freePort();
    const octokit = getOctokit('ghs_example_token_0000', { baseUrl: `http://127.0.0.1:${closed}` });
    const log = new MemoryLog();
    const result = await upsertStickyComment({
      octokit,
      owner: 'example-org',
      repo: 'example-repo',
      issueNumber: 1,
      marker: '<!-- preview-db:test -->',
      body: 'hello',
      log,
      ownLogin: 'github-actions[bot]',
      timeoutMs: 1_000,
      baseDelayMs: 50,
    });
    expect(result.action).toBe('failed');
    expect(result).toMatchObject({ status: undefined });
    const warning = (result as { warning: string }).warning;
    expect(warning).toMatch(/the GitHub API could not be reached: .*ECONNREFUSED/);
    expect(warning).not.toMatch(/HTTP 500/);
    await expect(
      closedPullRequestNumbers({ octokit, owner: 'example-org', repo: 'example-repo', numbers: [1], timeoutMs: 1_000, baseDelayMs: 50 }),
    ).rejects.toThrow(/could not be reached/);
  });
});
