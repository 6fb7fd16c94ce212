// actions/restore as the runner runs it: the bundle, INPUT_* variables, the outputs, state and
// summary files, AWS_ENDPOINT_URL_RDS pointing the real SDK at the fake RDS (which reports the
// real test Postgres as the restored endpoint), and the post step after a cancelled drill.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, NODES, ROOT, leakedSecrets, parseCommandFile, inputErrorAnnotation, type ActionRun, type RunOptions } from './support/run-action.js';
import { contractDifferences, readManifest } from './support/contract.js';
import { startFakeRds, type FakeRds } from './fakes/rds/server.js';
import { startFakeNeon } from './fakes/neon/server.js';
import { sql, databaseUrl } from './support/sql.js';

let fake: FakeRds;
let verifyUrl: string;
let workspace: string;
const runs: ActionRun[] = [];
const HOUR = 3_600_000;
const PASSWORD = 'test-password-not-secret';
/** Not the database's password: a wrong one, with every character a URL or a shell treats specially. */
const ODD_PASSWORD = `wrong pa$(id)'"ss@w/rd%#?:`;
const marked = (extra: Record<string, string> = {}) =>
  Object.entries({ 'managed-by': 'preview-db', repository: 'example-org/example-app', 'workflow-run': '1', ...extra }).map(([Key, Value]) => ({ Key, Value }));
let counter = 0;

beforeAll(async () => {
  const admin = process.env.TEST_DATABASE_URL!;
  await sql(admin, 'DROP DATABASE IF EXISTS restore_action');
  await sql(admin, 'CREATE DATABASE restore_action');
  verifyUrl = databaseUrl(admin, 'restore_action');
  expect(new URL(verifyUrl).password).toBe(PASSWORD);
  await sql(verifyUrl, 'CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 4)');
  const pgUrl = new URL(admin);
  fake = await startFakeRds({ instanceDelayMs: 300, restoredEndpoint: { address: pgUrl.hostname, port: Number(pgUrl.port) } });
  workspace = mkdtempSync(join(tmpdir(), 'restore-action-'));
  writeFileSync(join(workspace, 'checks.sql'), 'SELECT count(*) = 4 AS all_orders FROM orders;');
});
afterAll(async () => {
  await fake.close();
  await sql(process.env.TEST_DATABASE_URL!, 'DROP DATABASE IF EXISTS restore_action WITH (FORCE)');
});
afterEach(() => {
  fake.clearFaults();
  fake.setInstanceDelay(300);
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_RDS: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_SESSION_TOKEN: 'fake-session-token',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    PREVIEW_DB_SNAPSHOT_POLL_MS: '25',
    GITHUB_WORKSPACE: workspace,
    ...extra,
  };
}

function source(snapshotTags: Record<string, string> = {}): string {
  const id = `shop-${++counter}`;
  fake.addInstance({ id, subnetGroup: 'shop-private', securityGroups: ['sg-0shop'], parameterGroup: 'shop-pg16' });
  fake.addSnapshot({ id: `pre-deploy-${id}`, sourceId: id, createdAt: Date.now() - HOUR, tags: marked(snapshotTags) });
  return id;
}

async function restore(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const run = await runAction('restore', { inputs, eventName: 'schedule', timeoutMs: 60_000, cwd: workspace, ...options, env: env(options.env) });
  runs.push(run);
  return run;
}

describe.each(NODES)('under %s', (_label, node) => {
  test('a drill: restored with the source settings, verified (counts and SQL checks), deleted; the password never printed', async () => {
    const id = source();
    const run = await restore(
      {
        'db-instance-identifier': id,
        drill: 'true',
        'verify-url': verifyUrl,
        'expect-counts': '{"orders": 4}',
        'verify-sql': 'checks.sql',
        tags: 'purpose=drill',
      },
      { node },
    );
    expect(run.stderr).not.toMatch(/::error/);
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ 'snapshot-identifier': `pre-deploy-${id}`, verified: 'true', deleted: 'true' });
    expect(run.outputs['restored-identifier']).toMatch(new RegExp(`^${id}-drill-\\d{8}-\\d{6}$`));
    expect(run.outputs.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(run.outputs['recovery-seconds'])).toBeGreaterThan(0);
    expect(run.summary).toContain('### Restore drill: passed');
    expect(run.summary).toMatch(/\| rows in orders \| ok: 4, as recorded \|/);
    expect(run.summary).toMatch(/\| checks in checks\.sql \| ok/);
    expect(run.summary).toContain('| Drill copy deleted | yes |');
    const call = fake.calls('RestoreDBInstanceFromDBSnapshot').find((c) => c.params.DBInstanceIdentifier === run.outputs['restored-identifier'])!;
    expect(call.params).toMatchObject({
      DBSubnetGroupName: 'shop-private',
      'VpcSecurityGroupIds.VpcSecurityGroupId.1': 'sg-0shop',
      DBParameterGroupName: 'shop-pg16',
    });
    expect(fake.calls('DeleteDBInstance').some((c) => c.params.DBInstanceIdentifier === run.outputs['restored-identifier'] && c.status === 200)).toBe(true);
    expect(leakedSecrets(run, [verifyUrl, PASSWORD])).toEqual([]);
  });
});

test('a restore (not a drill) with recorded counts keeps the restored instance', async () => {
  const id = source({ 'row-count:orders': '4' });
  const run = await restore({ 'db-instance-identifier': id, 'verify-url': verifyUrl, 'expect-counts': 'recorded', 'target-identifier': `${id}-back` });
  expect(run.status).toBe(0);
  expect(run.outputs).toMatchObject({ 'restored-identifier': `${id}-back`, verified: 'true', deleted: 'false' });
  expect(fake.instance(`${id}-back`)?.deletingUntil).toBeUndefined();
  expect(run.summary).toContain('### Restore: done');
});

test('round trip: the snapshot action records row counts in its tags, the restore checks the copy against them', async () => {
  const id = `counted-${++counter}`;
  fake.addInstance({ id });
  const snap = await runAction('snapshot', {
    inputs: { 'db-instance-identifier': id, 'record-counts': 'orders', 'database-url': verifyUrl },
    eventName: 'workflow_dispatch',
    timeoutMs: 60_000,
    env: env({ GITHUB_RUN_ID: '9810000001' }),
  });
  expect(snap.stderr).not.toMatch(/::error/);
  expect(snap.status).toBe(0);
  expect(snap.summary).toContain('| Row counts recorded | `orders` 4 |');
  expect(fake.snapshot(snap.outputs['snapshot-id']!)!.tags).toContainEqual({ Key: 'row-count:orders', Value: '4' });
  expect(leakedSecrets(snap, [verifyUrl, PASSWORD])).toEqual([]);
  const run = await restore({ 'db-instance-identifier': id, drill: 'true', 'verify-url': verifyUrl, 'expect-counts': 'recorded' });
  expect(run.status).toBe(0);
  expect(run.outputs).toMatchObject({ 'snapshot-identifier': snap.outputs['snapshot-id'], verified: 'true', deleted: 'true' });
  expect(run.summary).toMatch(/\| rows in orders \| ok: 4, as recorded \|/);

  const noUrl = await runAction('snapshot', {
    inputs: { 'db-instance-identifier': id, 'record-counts': 'orders' },
    eventName: 'workflow_dispatch',
    env: env(),
  });
  expect(noUrl.stdout).toContain(inputErrorAnnotation('database-url'));
  const badTable = await runAction('snapshot', {
    inputs: { 'db-instance-identifier': id, 'record-counts': 'orders; drop table x', 'database-url': verifyUrl },
    eventName: 'workflow_dispatch',
    env: env(),
  });
  expect(badTable.stdout).toContain(inputErrorAnnotation('record-counts'));
});

test('a drill whose verification fails: the copy is deleted and the run fails, outputs still set', async () => {
  const id = source();
  const run = await restore({ 'db-instance-identifier': id, drill: 'true', 'verify-url': verifyUrl, 'expect-counts': '{"orders": 5}' });
  expect(run.status).toBe(1);
  expect(run.outputs).toMatchObject({ verified: 'false', deleted: 'true' });
  expect(run.stdout).toMatch(/::error::verification of \S+ failed: rows in orders: 4, expected 5/);
  expect(run.summary).toContain('### Restore drill: FAILED');
  expect(fake.calls('DeleteDBInstance').some((c) => c.params.DBInstanceIdentifier === run.outputs['restored-identifier'] && c.status === 200)).toBe(true);
});

test('bad inputs fail before any RDS call, naming the input', async () => {
  const id = source();
  const before = fake.requests.length;
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ 'db-instance-identifier': id, 'db-cluster-identifier': 'x' }, "db-instance-identifier' or 'db-cluster-identifier", /set only one of/],
    [{ 'db-instance-identifier': id, 'verify-sql': 'checks.sql' }, 'verify-sql', /needs verify-url/],
    [{ 'db-instance-identifier': id, 'target-identifier': 'Bad_Name--' }, 'target-identifier', /not a legal RDS identifier/],
    [{ 'db-instance-identifier': id, 'target-identifier': id }, 'target-identifier', /never overwrites the source/],
    [{ 'db-instance-identifier': id, 'verify-url': verifyUrl, 'expect-counts': '{orders: 4}' }, 'expect-counts', /neither JSON nor `recorded`/],
    [{ 'db-instance-identifier': id, 'restore-time': 'yesterday' }, 'restore-time', /not an RFC 3339 time/],
    [{ 'db-instance-identifier': id, 'verify-url': verifyUrl, 'verify-sql': 'missing.sql' }, 'verify-sql', /no file at missing\.sql/],
    [{ 'db-instance-identifier': id, 'verify-url': verifyUrl, 'verify-sql': '../../../etc/passwd' }, 'verify-sql', /outside the workspace/],
    [{ 'db-instance-identifier': id, 'verify-url': verifyUrl, 'verify-sql': '/etc/passwd' }, 'verify-sql', /outside the workspace/],
    [{ 'db-instance-identifier': id, 'wait-timeout': '10s' }, 'wait-timeout', /outside the allowed range/],
  ];
  for (const [inputs, input, message] of cases) {
    const run = await restore(inputs);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation(input));
    expect(run.stdout).toMatch(message);
    expect(leakedSecrets(run, [PASSWORD])).toEqual([]);
  }
  expect(fake.requests.length).toBe(before);
});

/** Runs the bundle like the runner, with a state file; `onStart` gets the child process. */
function spawnRestore(inputs: Record<string, string>, extra: { state?: Record<string, string>; onStart?: (child: ReturnType<typeof spawn>) => void } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'restore-cancel-'));
  const files = {
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary'),
    env: join(dir, 'env'),
    event: join(dir, 'event.json'),
  };
  for (const file of Object.values(files)) writeFileSync(file, file.endsWith('.json') ? '{}' : '');
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_REPOSITORY: 'example-org/example-app',
    GITHUB_SHA: 'abc1234def5678abc1234def5678abc1234def56',
    GITHUB_RUN_ID: '9800000001',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: dir,
    ...env(),
  };
  for (const [key, value] of Object.entries(inputs)) childEnv[`INPUT_${key.toUpperCase()}`] = value;
  for (const [key, value] of Object.entries(extra.state ?? {})) childEnv[`STATE_${key}`] = value;
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'restore', 'index.js')], { cwd: workspace, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stdout += chunk));
  extra.onStart?.(child);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; state: Record<string, string> }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, state: parseCommandFile(readFileSync(files.state, 'utf8')) }));
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test.each(['SIGINT', 'SIGTERM'] as const)('a drill cancelled with %s: the post step deletes the restored copy', async (signal) => {
  const id = source();
  // The copy stays creating until the test lets it finish: the signal lands while it is creating, whatever the load.
  fake.setInstanceDelay(600_000);
  const inputs = { 'db-instance-identifier': id, drill: 'true', 'wait-timeout': '2m' };
  const main = await spawnRestore(inputs, {
    onStart: (child) => {
      void until(
        () => fake.calls('RestoreDBInstanceFromDBSnapshot').some((c) => c.params.DBInstanceIdentifier?.startsWith(`${id}-drill-`) && c.status === 200),
        'the restore call',
      ).then(() => child.kill(signal));
    },
  });
  expect(main.signal).toBe(signal);
  const target = JSON.parse(main.state['drill-target']!) as { id: string; kind: string; region: string };
  expect(target).toMatchObject({ provider: 'rds', kind: 'instance', region: 'us-east-1' });
  expect(target.id).toMatch(new RegExp(`^${id}-drill-`));
  expect(main.state['drill-deleted']).toBeUndefined();
  expect(fake.instance(target.id)).toBeDefined();

  // The runner runs the post step with the main step's inputs and saved state.
  const posting = spawnRestore(inputs, { state: main.state });
  // RDS refuses to delete an instance that is still creating; once the post step has been refused, let the copy finish.
  await until(() => fake.calls('DeleteDBInstance').some((c) => c.params.DBInstanceIdentifier === target.id && c.status === 400), 'a refused delete');
  fake.instance(target.id)!.readyAt = Date.now();
  const post = await posting;
  expect(post.code).toBe(0);
  expect(post.stdout).toContain(`The drill did not finish: deleting its restored copy ${target.id}`);
  expect(fake.calls('DeleteDBInstance').some((c) => c.params.DBInstanceIdentifier === target.id && c.status === 200)).toBe(true);
  expect(post.stdout).toMatch(/DeleteDBInstance: busy: Instance \S+ is not in available state/);

  // A drill that finished leaves nothing for the post step.
  const finishedState = { isPost: 'true', 'drill-target': main.state['drill-target']!, 'drill-deleted': 'true' };
  const deletesBefore = fake.calls('DeleteDBInstance').length;
  const idle = await spawnRestore(inputs, { state: finishedState });
  expect(idle.code).toBe(0);
  expect(fake.calls('DeleteDBInstance').length).toBe(deletesBefore);
});

test('provider neon: a drill of the default branch, through the Neon API', async () => {
  const neon = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL!, operationDelayMs: 100 });
  try {
    const api = (await import('@neondatabase/api-client')).createApiClient({ apiKey: neon.apiKey, baseURL: neon.apiHost });
    await api.createSnapshot({
      projectId: neon.projectId,
      branchId: neon.defaultBranch.id,
      name: 'pre-deploy-1 (preview-db example-org/example-app run 1 attempt 1)',
    });
    const run = await restore({
      provider: 'neon',
      'neon-api-key': neon.apiKey,
      'neon-project-id': neon.projectId,
      'api-host': neon.apiHost,
      drill: 'true',
      'verify-url': 'postgres://neondb_owner@ignored/neondb',
    });
    expect(run.stderr).not.toMatch(/::error/);
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ verified: 'true', deleted: 'true' });
    expect(neon.branches().some((b) => b.id === run.outputs['restored-identifier'])).toBe(false);
    expect(leakedSecrets(run, [neon.apiKey])).toEqual([]);
    expect(neon.violations).toEqual([]);
  } finally {
    await neon.close();
  }
});

test('a verify-url whose odd password is wrong: the drill fails and deletes its copy, and neither form of the password prints', async () => {
  const id = source();
  const url = new URL(verifyUrl);
  url.password = encodeURIComponent(ODD_PASSWORD);
  expect(url.password).not.toBe(ODD_PASSWORD);
  const run = await restore({ 'db-instance-identifier': id, drill: 'true', 'verify-url': url.toString(), 'expect-counts': '{"orders": 4}' });
  expect(run.status).toBe(1);
  expect(run.outputs).toMatchObject({ verified: 'false', deleted: 'true' });
  expect(run.stdout).toMatch(/password authentication failed|verification of \S+ failed/);
  expect(leakedSecrets(run, [url.toString(), url.password, ODD_PASSWORD], { outputFiles: true })).toEqual([]);
});

test('no run of this file printed a secret, nor set one as an output', () => {
  // Drills and failures, RDS and Neon: the restore's outputs are identifiers, never credentials.
  expect(runs.length).toBeGreaterThanOrEqual(10);
  for (const run of runs)
    expect(leakedSecrets(run, [verifyUrl, PASSWORD, 'fake-secret-key-for-tests', 'fake-session-token'], { outputFiles: true })).toEqual([]);
});

test('the action reads and sets exactly what action.yml declares', () => {
  expect(contractDifferences('restore', runs)).toEqual({
    inputsReadButNotDeclared: [],
    inputsDeclaredButNeverRead: [],
    outputsSetButNotDeclared: [],
    outputsDeclaredButNeverSet: [],
  });
  const manifest = readManifest('restore');
  expect(manifest.runs.post).toBe(manifest.runs.main);
});
