// The developer commands on Neon, end to end against the fake Neon API (checked against
// Neon's OpenAPI spec) backed by the real test Postgres: create from the git branch, list,
// switch, url, reset, delete, the protected path, each refusal, and settings precedence.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { cli, tempProject } from './support/cli.js';
import { sql } from './support/sql.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
let fake: FakeNeon;
let env: Record<string, string>;

function parentUrl(): string {
  return adminUrl.replace(/\/postgres$/, `/${fake.realDatabaseName(fake.defaultBranch.id, 'neondb')}`);
}

/** A repository on `branch` whose config names the project (not a secret); the key comes from the environment. */
function project(branch = 'main', config: Record<string, unknown> = {}): string {
  const dir = tempProject('preview-db-cli-neon-');
  execFileSync('git', ['init', '-q', '-b', branch, dir]);
  writeFileSync(join(dir, 'preview-db.config.json'), JSON.stringify({ 'neon-project-id': fake.projectId, 'wait-timeout': '60s', ...config }));
  return dir;
}

const named = (name: string) => fake.branches().filter((branch) => branch.name === name);

beforeAll(async () => {
  fake = await startFakeNeon({ postgresUrl: adminUrl, operationDelayMs: 50 });
  env = { NEON_API_KEY: fake.apiKey, NEON_API_HOST: fake.apiHost };
  await sql(parentUrl(), "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'production row')");
  await sql(parentUrl(), `ALTER TABLE notes OWNER TO ${fake.roleName}`);
});

afterAll(async () => {
  await fake?.close();
});

afterEach(() => {
  expect(fake.violations).toEqual([]);
});

test('create (git branch name) → list → switch → url → reset → delete', async () => {
  const dir = project('feature/neon-dev');
  const created = await cli(['create', '--expires-in', '2d', '--json'], { cwd: dir, env });
  expect(created.stderr).not.toContain(fake.apiKey);
  expect(created.status).toBe(0);
  const [branch] = named('feature/neon-dev');
  expect(branch).toBeDefined();
  expect(branch!.parentId).toBe(fake.defaultBranch.id);
  expect(branch!.annotations).toMatchObject({ 'managed-by': 'preview-db', 'created-by': 'preview-db-cli' });
  expect(created.json()).toEqual({
    command: 'create',
    ok: true,
    branch: {
      name: 'feature/neon-dev',
      id: branch!.id,
      provider: 'neon',
      outcome: 'created',
      created: true,
      host: expect.any(String),
      database: 'neondb',
      role: 'neondb_owner',
      parent: fake.defaultBranch.name,
      expiresAt: expect.any(String),
      consoleUrl: expect.stringContaining(branch!.id),
      databaseUrl: expect.stringMatching(/^postgres/),
      databaseUrlDirect: expect.stringMatching(/^postgres/),
    },
    migrate: null,
    envFile: null,
  });

  const listed = await cli(['list', '--json'], { cwd: dir, env });
  expect(listed.json()).toEqual({
    command: 'list',
    ok: true,
    provider: 'neon',
    hidden: expect.any(Number),
    branches: [
      expect.objectContaining({
        name: 'feature/neon-dev',
        kind: 'developer',
        parent: fake.defaultBranch.name,
        madeByPreviewDb: true,
        expiresAt: expect.any(String),
      }),
    ],
  });
  const all = (await cli(['list', '--all', '--json'], { cwd: dir, env })).json();
  expect(all.branches).toContainEqual(
    expect.objectContaining({ name: fake.defaultBranch.name, kind: 'default', madeByPreviewDb: false, children: expect.arrayContaining(['feature/neon-dev']) }),
  );
  const table = await cli(['list'], { cwd: dir, env });
  expect(table.stdout).toMatch(/^NAME\s+KIND\s+PARENT\s+CREATED\s+LAST ACTIVE\s+EXPIRES\s+SIZE\s+BY\nfeature\/neon-dev\s+developer\s+\S+\s+\d+s ago/);

  const switched = await cli(['switch', 'feature/neon-dev', '--env-vars', 'DATABASE_URL=pooled,DIRECT_URL=direct'], { cwd: dir, env });
  expect(switched.status).toBe(0);
  const written = readFileSync(join(dir, '.env.local'), 'utf8');
  const direct = /^DIRECT_URL=(.*)$/m.exec(written)![1]!;
  const pooled = /^DATABASE_URL=(.*)$/m.exec(written)![1]!;
  expect(pooled).not.toBe(direct);
  expect(switched.stderr).not.toContain(direct);
  expect((await cli(['url', '--direct'], { cwd: dir, env })).stdout).toBe(`${direct}\n`);
  expect(await sql(direct, 'SELECT body FROM notes')).toEqual([{ body: 'production row' }]);

  // reset: the branch's own changes are gone, the branch (id, name) stays.
  await sql(direct, "INSERT INTO notes VALUES (2, 'my local change')");
  const reset = await cli(['reset', '--json'], { cwd: dir, env });
  expect(reset.status).toBe(0);
  expect(reset.json()).toMatchObject({ command: 'reset', ok: true, branch: { name: 'feature/neon-dev', id: branch!.id, outcome: 'reset' } });
  const afterReset = (await cli(['url', '--direct'], { cwd: dir, env })).stdout.trim();
  expect(await sql(afterReset, 'SELECT id FROM notes ORDER BY id')).toEqual([{ id: 1 }]);

  const deleted = await cli(['delete', 'feature/neon-dev'], { cwd: dir, env });
  expect(deleted.status).toBe(0);
  expect(named('feature/neon-dev')).toEqual([]);
});

test('the protected path: switch to the default branch needs --allow-protected and then writes a read-only URL', async () => {
  const dir = project();
  writeFileSync(join(dir, '.env.local'), '# mine\nDATABASE_URL=postgres://dev@localhost/dev\n');
  const refused = await cli(['switch', fake.defaultBranch.name, '--json'], { cwd: dir, env });
  expect(refused.status).toBe(3);
  expect(refused.json()).toEqual({
    command: 'switch',
    ok: false,
    error: { kind: 'refused', exitCode: 3, message: expect.stringContaining('--allow-protected') },
  });
  expect(readFileSync(join(dir, '.env.local'), 'utf8')).toBe('# mine\nDATABASE_URL=postgres://dev@localhost/dev\n');

  const allowed = await cli(['switch', fake.defaultBranch.name, '--allow-protected', '--json'], { cwd: dir, env });
  expect(allowed.status).toBe(0);
  expect(allowed.json()).toMatchObject({
    branch: { name: fake.defaultBranch.name, kind: 'default', readOnly: true },
    envFile: { variables: [{ name: 'DATABASE_URL', kind: 'pooled' }] },
  });
  const text = readFileSync(join(dir, '.env.local'), 'utf8');
  expect(text.startsWith('# mine\nDATABASE_URL=')).toBe(true);
  const url = /^DATABASE_URL="?([^"\n]*)"?$/m.exec(text)![1]!;
  expect(
    fake
      .branches()
      .find((b) => b.id === fake.defaultBranch.id)!
      .endpoints.map((e) => e.type),
  ).toContain('read_only');
  expect(await sql(url, 'SELECT body FROM notes WHERE id = 1')).toEqual([{ body: 'production row' }]);
  await expect(sql(url, "INSERT INTO notes VALUES (99, 'write through a read-only URL')")).rejects.toThrow(/read-only/);
  // url hands out the same read-only access, never the owner's read-write one.
  const printed = await cli(['url', fake.defaultBranch.name, '--allow-protected', '--format', 'json'], { cwd: dir, env });
  expect(printed.json()).toMatchObject({ readOnly: true, branch: { kind: 'default' } });
});

test('delete and reset refuse the default branch, a protected branch, a parent, and branches preview-db did not make', async () => {
  const dir = project();
  const prod = await fake.seedBranch({ name: 'cli-prod', protected: true, virtual: true });
  const parent = await fake.seedBranch({ name: 'cli-parent', virtual: true, annotations: { 'managed-by': 'preview-db' } });
  await fake.seedBranch({ name: 'cli-child', parentId: parent.id, virtual: true, annotations: { 'managed-by': 'preview-db' } });
  await fake.seedBranch({ name: 'cli-by-hand', virtual: true });
  const cases: Array<[string[], string]> = [
    [['delete', fake.defaultBranch.name], 'is the default branch'],
    [['delete', 'cli-prod'], 'is a protected branch'],
    [['delete', 'cli-parent'], 'has branches made from it (cli-child)'],
    [['delete', 'cli-by-hand'], 'was not made by preview-db'],
    [['reset', 'cli-by-hand'], 'only resets databases preview-db made'],
    [['reset', fake.defaultBranch.name], 'the default branch'],
    [['create', 'cli-prod'], 'a protected branch'],
  ];
  for (const [args, message] of cases) {
    const run = await cli(args, { cwd: dir, env });
    expect([args, run.status, run.stderr]).toEqual([args, 3, expect.stringContaining(message)]);
  }
  expect(fake.branches().map((b) => b.name)).toEqual(expect.arrayContaining([fake.defaultBranch.name, 'cli-prod', 'cli-parent', 'cli-child', 'cli-by-hand']));
  expect(prod.protected).toBe(true);
  const forced = await cli(['delete', 'cli-by-hand', '--force', 'cli-by-hand'], { cwd: dir, env });
  expect(forced.status).toBe(0);
  expect(named('cli-by-hand')).toEqual([]);
});

test('precedence: a flag beats the environment, which beats the config file; errors name where the value came from', async () => {
  const dir = project('main', { 'neon-project-id': 'wrong-project-1' });
  const fromEnv = await cli(['list', '--json'], { cwd: dir, env: { ...env, NEON_PROJECT_ID: fake.projectId } });
  expect(fromEnv.status).toBe(0);
  const fromConfig = await cli(['list'], { cwd: dir, env });
  expect(fromConfig.status).toBe(2);
  expect(fromConfig.stderr).toContain('"neon-project-id" in preview-db.config.json: project \'wrong-project-1\' was not found');
  const fromFlag = await cli(['list', '--neon-project-id', 'other-project-2'], { cwd: dir, env: { ...env, NEON_PROJECT_ID: fake.projectId } });
  expect(fromFlag.status).toBe(2);
  expect(fromFlag.stderr).toContain("--neon-project-id: project 'other-project-2' was not found");
  const flagWins = await cli(['list', '--neon-project-id', fake.projectId], { cwd: dir, env: { ...env, NEON_PROJECT_ID: 'other-project-2' } });
  expect(flagWins.status).toBe(0);
  expect(existsSync(join(dir, '.env.local'))).toBe(false);
});

test('snapshot and cleanup do what their actions do, with --json shapes', async () => {
  const dir = project();
  const snap = await cli(['snapshot', '--provider', 'neon', '--json'], { cwd: dir, env: { ...env, PREVIEW_DB_SNAPSHOT_POLL_MS: '20' } });
  expect(snap.stderr).not.toContain(fake.apiKey);
  expect(snap.status).toBe(0);
  const taken = snap.json();
  expect(taken).toEqual({
    command: 'snapshot',
    ok: true,
    snapshot: {
      id: expect.any(String),
      arn: expect.any(String),
      status: 'available',
      createdAt: expect.any(String),
      reused: false,
      pruned: [],
      restoreCommand: expect.stringContaining('$NEON_API_KEY'),
      copyArn: null,
    },
  });
  expect(fake.snapshots().map((s) => s.id)).toContain(taken.snapshot.id);

  const old = new Date(Date.now() - 30 * 86400_000);
  await fake.seedBranch({ name: 'preview/pr-5', virtual: true, createdAt: old, updatedAt: old, lastActiveAt: old, withEndpoint: true });
  const dry = await cli(['cleanup', '--dry-run', '--older-than', '7d', '--json'], { cwd: dir, env });
  expect(dry.status).toBe(0);
  expect(dry.json()).toMatchObject({
    command: 'cleanup',
    ok: true,
    cleanup: { provider: 'neon', mode: 'stale', dryRun: true, candidates: ['preview/pr-5'], deleted: [] },
  });
  expect(named('preview/pr-5')).toHaveLength(1);
  const swept = await cli(['cleanup', '--older-than', '7d'], { cwd: dir, env });
  expect(swept.status).toBe(0);
  expect(named('preview/pr-5')).toEqual([]);
});
