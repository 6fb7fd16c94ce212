// Every developer command end to end on the real test Postgres (provider postgres): the
// git-branch default name, create with migrations and seeds, switch into an env file, url
// formats, status, reset, list, delete and each refusal, with the exit codes and --json shapes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempProject } from './support/cli.js';
import { sql, databaseUrl } from './support/sql.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const env = { PREVIEW_DB_POSTGRES_URL: adminUrl };
const TEMPLATE = 'cli_pg_template';

/** A repository on a git branch, with migrations, a seed and a config file naming the template. */
function gitProject(branch: string): string {
  const project = tempProject('preview-db-cli-pg-');
  execFileSync('git', ['init', '-q', '-b', branch, project]);
  mkdirSync(join(project, 'migrations'));
  writeFileSync(join(project, 'migrations', '001_items.sql'), 'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);\n');
  mkdirSync(join(project, 'seeds'));
  writeFileSync(join(project, 'seeds', 'dev.sql'), "INSERT INTO items VALUES (1, 'seeded');\n");
  writeFileSync(
    join(project, 'preview-db.config.json'),
    JSON.stringify({ provider: 'postgres', template: TEMPLATE, 'env-vars': { DATABASE_URL: 'pooled', DIRECT_URL: 'direct' } }),
  );
  return project;
}

async function drop(...names: string[]) {
  for (const name of names) await sql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

beforeAll(async () => {
  await drop(TEMPLATE, 'feature_cli_login', 'cli_not_ours', 'cli_reset_me');
  await sql(adminUrl, 'DROP ROLE IF EXISTS cli_not_ours_readonly');
  await sql(adminUrl, `CREATE DATABASE ${TEMPLATE}`);
  await sql(databaseUrl(adminUrl, TEMPLATE), "CREATE TABLE origin (note text); INSERT INTO origin VALUES ('from the template')");
});

afterAll(async () => {
  await drop(TEMPLATE, 'feature_cli_login', 'cli_not_ours', 'cli_reset_me');
  await sql(adminUrl, 'DROP ROLE IF EXISTS cli_not_ours_readonly');
});

test('create (name from the git branch) → migrate + seed → switch → url → status → reset → delete', async () => {
  const project = gitProject('feature/cli-login');
  writeFileSync(
    join(project, '.env.local'),
    '# local settings\nAPP_PORT=3000\nDATABASE_URL=postgres://old@localhost/old # previous\n\nexport SECRET_TOKEN="keep me"\n',
  );

  const created = await cli(['create', '--migrate', '--seed', 'seeds/dev.sql', '--switch', '--dotenv', '.env.local'], { cwd: project, env });
  expect(created.stderr).not.toContain(adminUrl);
  expect(created.status).toBe(0);
  expect(created.stdout).toBe('created feature/cli-login\n');
  expect(created.stderr).toContain('Connection URLs are not printed');
  const [row] = await sql(adminUrl, "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = 'feature_cli_login'");
  expect(row!.comment).toContain('branch=feature%2Fcli-login');

  // The env file: our two variables written, everything else (comments, order, blank line) kept.
  const envText = readFileSync(join(project, '.env.local'), 'utf8');
  const lines = envText.split('\n');
  expect(lines[0]).toBe('# local settings');
  expect(lines[1]).toBe('APP_PORT=3000');
  expect(lines[2]).toMatch(/^DATABASE_URL=postgres(ql)?:\/\/feature_cli_login_owner:[^@]+@[^/]+\/feature_cli_login$/);
  expect(lines.slice(3, 5)).toEqual(['', 'export SECRET_TOKEN="keep me"']);
  expect(lines[5]).toMatch(/^DIRECT_URL=postgres/);
  const url = lines[2]!.slice('DATABASE_URL='.length);
  expect(created.stderr).not.toContain(url);
  expect(await sql(url, 'SELECT name FROM items')).toEqual([{ name: 'seeded' }]);
  expect(await sql(url, 'SELECT note FROM origin')).toEqual([{ note: 'from the template' }]);

  // url: the same URL, in each format; --json carries the URLs.
  const uri = await cli(['url'], { cwd: project, env });
  expect(uri).toMatchObject({ status: 0, stdout: `${url}\n` });
  const psql = await cli(['url', '--format', 'psql', '--direct'], { cwd: project, env });
  expect(psql.stdout).toMatch(/^host=\S+ port=\d+ dbname=feature_cli_login user=feature_cli_login_owner password=\S+\n$/);
  const prisma = await cli(['url', '--format', 'prisma'], { cwd: project, env });
  expect(prisma.stdout).toBe(`DATABASE_URL=${JSON.stringify(url)}\nDIRECT_URL=${JSON.stringify(url)}\n`);
  const asJson = (await cli(['url', '--json'], { cwd: project, env })).json();
  expect(asJson).toEqual({
    command: 'url',
    ok: true,
    branch: { name: 'feature/cli-login', id: 'feature_cli_login', kind: 'developer' },
    kind: 'pooled',
    url,
    pooled: url,
    direct: url,
    host: expect.any(String),
    database: 'feature_cli_login',
    role: 'feature_cli_login_owner',
    readOnly: false,
  });

  // status: the env file's database answers, nothing pending; a new migration shows as pending.
  writeFileSync(join(project, 'migrations', '002_more.sql'), 'ALTER TABLE items ADD COLUMN added_at timestamptz;\n');
  const status = await cli(['status', '--json'], { cwd: project, env });
  expect(status.status).toBe(0);
  expect(status.json()).toMatchObject({
    command: 'status',
    ok: true,
    variable: 'DIRECT_URL',
    answers: true,
    target: { database: 'feature_cli_login', role: 'feature_cli_login_owner', branch: 'feature/cli-login' },
    migrations: { dir: 'migrations', files: 2, applied: 1, pending: 1, pendingFiles: ['002_more.sql'] },
  });
  expect(status.stdout).not.toContain(url);

  // migrate reads the env file's URL.
  const migrated = await cli(['migrate'], { cwd: project, env: {} });
  expect(migrated.status).toBe(0);
  expect(migrated.stdout).toContain('002_more.sql');
  expect(migrated.stderr).not.toContain(url);

  // reset: back to the template, same URL and role; migrations re-applied on request.
  await sql(url, "INSERT INTO items VALUES (2, 'local change')");
  const reset = await cli(['reset', '--migrate', '--json'], { cwd: project, env });
  expect(reset.status).toBe(0);
  expect(reset.json()).toMatchObject({
    command: 'reset',
    ok: true,
    branch: { name: 'feature/cli-login', outcome: 'reset', database: 'feature_cli_login', role: 'feature_cli_login_owner' },
    migrate: { ok: true, applied: [{ version: '001' }, { version: '002' }] },
  });
  expect(JSON.stringify(reset.json())).not.toContain(url);
  expect(await sql(url, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 0 }]);

  // list: ours, as a developer database; the rest only with --all.
  const listed = (await cli(['list', '--json'], { cwd: project, env })).json();
  expect(listed.branches).toContainEqual({
    name: 'feature/cli-login',
    id: 'feature_cli_login',
    kind: 'developer',
    parent: null,
    createdAt: expect.any(String),
    lastActiveAt: expect.any(String),
    expiresAt: null,
    sizeBytes: expect.any(Number),
    madeByPreviewDb: true,
    children: [],
  });
  expect(listed.branches.map((b: { id: string }) => b.id)).not.toContain(TEMPLATE);
  const all = (await cli(['list', '--all', '--json'], { cwd: project, env })).json();
  expect(all.branches).toContainEqual(expect.objectContaining({ id: TEMPLATE, kind: 'other', madeByPreviewDb: false }));

  const deleted = await cli(['delete', 'feature/cli-login', '--json'], { cwd: project, env });
  expect(deleted.json()).toEqual({
    command: 'delete',
    ok: true,
    branch: { name: 'feature/cli-login', id: 'feature_cli_login', kind: 'developer' },
    deleted: true,
    alreadyGone: false,
  });
  expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'feature_cli_login'")).toEqual([]);
  const again = await cli(['delete', 'feature/cli-login'], { cwd: project, env });
  expect(again.status).toBe(0);
  expect(again.stderr).toContain('nothing to delete');
});

test('create --show-secrets prints the URLs; --json includes them; neither leaks the admin URL', async () => {
  const project = gitProject('main');
  const shown = await cli(['create', 'cli-reset-me', '--show-secrets'], { cwd: project, env });
  expect(shown.status).toBe(0);
  expect(shown.stdout).toMatch(/DATABASE_URL \(pooled\)\s+postgres/);
  const json = await cli(['create', 'cli-reset-me', '--json'], { cwd: project, env });
  expect(json.json()).toMatchObject({
    command: 'create',
    ok: true,
    branch: { name: 'cli-reset-me', outcome: 'reused', databaseUrl: expect.stringMatching(/cli_reset_me_owner/) },
    migrate: null,
    envFile: null,
  });
  // On a terminal: a spinner, colours; still no secret, and the URLs stay off the screen.
  const tty = await cli(['create', 'cli-reset-me'], { cwd: project, env, tty: true });
  expect(tty.status).toBe(0);
  expect(tty.stderr).toMatch(/\r\u001b\[2K\u001b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\u001b\[0m Looking up 'cli-reset-me'/);
  expect(tty.stderr).not.toContain(json.json().branch.databaseUrl);
  const noColor = await cli(['create', 'cli-reset-me'], { cwd: project, env: { ...env, NO_COLOR: '1' }, tty: true });
  expect(noColor.stderr).not.toMatch(/\u001b\[\d+m/);
  for (const run of [shown, json, tty, noColor]) expect(run.stdout + run.stderr).not.toContain(new URL(adminUrl).password);
});

test('refusals exit 3 and change nothing; --force must repeat the name', async () => {
  const project = gitProject('main');
  await sql(adminUrl, 'CREATE DATABASE cli_not_ours');
  const refusedDelete = await cli(['delete', 'cli_not_ours', '--json'], { cwd: project, env });
  expect(refusedDelete.status).toBe(3);
  expect(refusedDelete.json()).toEqual({
    command: 'delete',
    ok: false,
    error: { kind: 'refused', exitCode: 3, message: expect.stringContaining('--force cli_not_ours') },
  });
  const wrongForce = await cli(['delete', 'cli_not_ours', '--force', 'cli-not-ours'], { cwd: project, env });
  expect(wrongForce.status).toBe(2);
  expect(wrongForce.stderr).toContain('--force must repeat the name exactly');

  const refusedCreate = await cli(['create', 'cli_not_ours'], { cwd: project, env });
  expect(refusedCreate.status).toBe(3);
  expect(refusedCreate.stderr).toContain('a database preview-db did not make');
  const refusedSwitch = await cli(['switch', 'cli_not_ours'], { cwd: project, env });
  expect(refusedSwitch.status).toBe(3);
  expect(refusedSwitch.stderr).toContain('--allow-protected');
  // The protected path: a read-only role of its own, which may read and not write.
  await sql(databaseUrl(adminUrl, 'cli_not_ours'), 'CREATE TABLE accounts (id int PRIMARY KEY); INSERT INTO accounts VALUES (1)');
  const readOnly = await cli(['switch', 'cli_not_ours', '--allow-protected', '--dotenv', 'ro.env', '--json'], { cwd: project, env });
  expect(readOnly.status).toBe(0);
  expect(readOnly.json()).toMatchObject({ branch: { id: 'cli_not_ours', kind: 'other', role: 'cli_not_ours_readonly', readOnly: true } });
  const roUrl = /^DATABASE_URL=(.*)$/m.exec(readFileSync(join(project, 'ro.env'), 'utf8'))![1]!;
  expect(await sql(roUrl, 'SELECT id FROM accounts')).toEqual([{ id: 1 }]);
  await expect(sql(roUrl, 'INSERT INTO accounts VALUES (2)')).rejects.toThrow(/read-only|permission denied/);
  await expect(sql(roUrl, 'BEGIN READ WRITE; INSERT INTO accounts VALUES (2); COMMIT')).rejects.toThrow(/permission denied/);
  const refusedReset = await cli(['reset', 'cli_not_ours'], { cwd: project, env });
  expect(refusedReset.status).toBe(3);
  const adminDatabase = new URL(adminUrl).pathname.slice(1);
  const refusedAdmin = await cli(['delete', adminDatabase, '--force', adminDatabase], { cwd: project, env });
  expect(refusedAdmin.status).toBe(3);
  expect(refusedAdmin.stderr).toContain('admin connection');
  expect(await sql(adminUrl, "SELECT 1 AS one FROM pg_database WHERE datname = 'cli_not_ours'")).toEqual([{ one: 1 }]);

  const forced = await cli(['delete', 'cli_not_ours', '--force', 'cli_not_ours'], { cwd: project, env });
  expect(forced.status).toBe(0);
  expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'cli_not_ours'")).toEqual([]);
  expect(await sql(adminUrl, "SELECT 1 FROM pg_roles WHERE rolname = 'cli_not_ours_readonly'")).toEqual([]);
});

test('status of an env file whose database does not answer: exit 1, answers false, the password masked', async () => {
  const project = gitProject('main');
  writeFileSync(join(project, '.env.local'), 'DATABASE_URL=postgres://someone:pw-not-shown-42@127.0.0.1:1/gone\n');
  const status = await cli(['status', '--json'], { cwd: project, env: {} });
  expect(status.status).toBe(1);
  expect(status.json()).toMatchObject({
    command: 'status',
    ok: false,
    variable: 'DATABASE_URL',
    answers: false,
    error: expect.any(String),
    target: { host: '127.0.0.1', port: '1', database: 'gone', role: 'someone' },
    migrations: null,
  });
  expect(status.stdout + status.stderr).not.toContain('pw-not-shown-42');
  const none = await cli(['status'], { cwd: tempProject(), env: {} });
  expect(none.status).toBe(1);
  expect(none.stderr).toContain('.env.local has no DATABASE_URL');
});

test('the env file: a new one is created with mode 0600; an existing one keeps its mode and is replaced, not rewritten in place', async () => {
  const project = gitProject('main');
  const created = await cli(
    ['create', 'cli-reset-me', '--switch', '--dotenv', 'fresh.env', '--env-vars', 'POSTGRES_PRISMA_URL=pooled,POSTGRES_URL_NON_POOLING=direct'],
    { cwd: project, env },
  );
  expect(created.status).toBe(0);
  const fresh = join(project, 'fresh.env');
  expect(statSync(fresh).mode & 0o777).toBe(0o600);
  expect(readFileSync(fresh, 'utf8')).toMatch(/^POSTGRES_PRISMA_URL=postgres\S+\nPOSTGRES_URL_NON_POOLING=postgres\S+\n$/);

  const existing = join(project, 'existing.env');
  writeFileSync(existing, 'A=1\r\nDATABASE_URL=old\r\n', { mode: 0o640 });
  const inodeBefore = statSync(existing).ino;
  const switched = await cli(['switch', 'cli-reset-me', '--dotenv', existing, '--env-vars', 'DATABASE_URL'], { cwd: project, env });
  expect(switched.status).toBe(0);
  expect(statSync(existing).mode & 0o777).toBe(0o640);
  expect(statSync(existing).ino).not.toBe(inodeBefore);
  expect(readFileSync(existing, 'utf8')).toMatch(/^A=1\r\nDATABASE_URL=postgres\S+\r\n$/);
});

test('url --format env uses env-vars; a missing branch fails (1); a failing migration makes create exit 1 with the report in --json', async () => {
  const project = gitProject('main');
  const missing = await cli(['url', 'cli-never-made', '--json'], { cwd: project, env });
  expect(missing.status).toBe(1);
  expect(missing.json()).toEqual({
    command: 'url',
    ok: false,
    error: { kind: 'failed', exitCode: 1, message: expect.stringContaining("there is no branch named 'cli-never-made'") },
  });

  writeFileSync(join(project, 'migrations', '002_broken.sql'), 'ALTER TABLE no_such_table ADD COLUMN x int;\n');
  const created = await cli(['create', 'cli-reset-me', '--migrate', '--json'], { cwd: project, env });
  expect(created.status).toBe(1);
  const result = created.json();
  expect(result).toMatchObject({
    command: 'create',
    ok: false,
    branch: { name: 'cli-reset-me' },
    migrate: { ok: false, error: { file: 'migrations/002_broken.sql', code: '42P01' } },
  });

  const envFormat = await cli(['url', 'cli-reset-me', '--format', 'env'], { cwd: project, env });
  expect(envFormat.status).toBe(0);
  expect(envFormat.stdout).toBe(`DATABASE_URL=${JSON.stringify(result.branch.databaseUrl)}\nDIRECT_URL=${JSON.stringify(result.branch.databaseUrlDirect)}\n`);
});
