// create-branch with the Postgres provider, run as the GitHub runner runs the bundle,
// against the real test Postgres.
import { sql } from './support/sql.js';
import { runAction, pullRequestEvent, leakedSecrets, maskedValues, inputErrorAnnotation, NODES, type ActionRun } from './support/run-action.js';
import { contractDifferences } from './support/contract.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const runs: ActionRun[] = [];
const TEMPLATE = 'cbpg_template';

async function databaseComment(name: string): Promise<string | null | undefined> {
  const rows = await sql<{ comment: string | null }>(
    adminUrl,
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = '${name}'`,
  );
  return rows[0]?.comment;
}

async function create(inputs: Record<string, string>, event: Record<string, unknown> = pullRequestEvent(101), node?: string) {
  const run = await runAction('create-branch', { inputs: { provider: 'postgres', 'postgres-url': adminUrl, ...inputs }, event, node });
  runs.push(run);
  return run;
}

beforeAll(async () => {
  await sql(adminUrl, `DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await sql(adminUrl, `CREATE DATABASE ${TEMPLATE}`);
  const templateUrl = adminUrl.replace(/\/postgres$/, `/${TEMPLATE}`);
  await sql(
    templateUrl,
    "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL); INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 500) g;",
  );
});

afterAll(async () => {
  const rows = await sql<{ datname: string }>(adminUrl, "SELECT datname FROM pg_database WHERE datname LIKE 'preview_cbpg%' OR datname = 'cbpg_template'");
  for (const { datname } of rows) await sql(adminUrl, `DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  const roles = await sql<{ rolname: string }>(adminUrl, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'preview_cbpg%'");
  for (const { rolname } of roles) await sql(adminUrl, `DROP ROLE IF EXISTS ${rolname}`);
});

describe.each(NODES)('create-branch (postgres) under %s', (label, node) => {
  const suffix = label === 'node 24' ? 'n24' : 'n';
  const branch = `preview/cbpg-${suffix}-1`;
  const database = `preview_cbpg_${suffix}_1`;

  test('creates a marked clone of the template, and a second push reuses it', async () => {
    const first = await create({ 'branch-name': branch, template: TEMPLATE, 'expires-in': '7d' }, pullRequestEvent(101), node);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.outputs).toMatchObject({
      'branch-name': branch,
      'branch-id': database,
      database,
      created: 'true',
      skipped: 'false',
      host: '127.0.0.1',
      role: `${database}_owner`,
    });
    expect(new Date(first.outputs['expires-at']!).getTime()).toBeGreaterThan(Date.now() + 6 * 86400_000);
    const comment = await databaseComment(database);
    expect(comment).toContain('managed-by=preview-db');
    expect(comment).toContain(`branch=${encodeURIComponent(branch)}`);

    // The preview holds the template's data, and a write to it stays in the preview.
    const url = first.outputs['database-url']!;
    expect((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM customers'))[0]!.n).toBe('500');
    await sql(url, "INSERT INTO customers VALUES (9999, 'only in the preview')");
    const templateUrl = adminUrl.replace(/\/postgres$/, `/${TEMPLATE}`);
    expect(await sql(templateUrl, 'SELECT 1 FROM customers WHERE id = 9999')).toHaveLength(0);

    // Its own role owns what was cloned (so migrations may alter it), may not enter another
    // preview, and may not drop what is not its own.
    await sql(url, 'ALTER TABLE customers ADD COLUMN note text');
    const other = await create({ 'branch-name': `${branch}-other` }, pullRequestEvent(102), node);
    expect(other.status).toBe(0);
    const intoOther = new URL(url);
    intoOther.pathname = `/${other.outputs.database}`;
    await expect(sql(intoOther.toString(), 'SELECT 1')).rejects.toThrow(/permission denied for database/);
    intoOther.pathname = '/postgres';
    await expect(sql(intoOther.toString(), `DROP DATABASE ${TEMPLATE}`)).rejects.toThrow(/must be owner|permission denied/);

    const second = await create({ 'branch-name': branch, template: TEMPLATE }, pullRequestEvent(101, { action: 'synchronize' }), node);
    expect(second.status).toBe(0);
    expect(second.outputs.created).toBe('false');
    expect(second.outputs['database-url']).toBe(url);
    expect(await sql(url, 'SELECT 1 FROM customers WHERE id = 9999')).toHaveLength(1);

    const secrets = [first.outputs.password!, url, first.outputs['database-url-direct']!, adminUrl];
    expect(leakedSecrets(first, secrets)).toEqual([]);
    expect(leakedSecrets(second, secrets)).toEqual([]);
    expect(first.summary).toContain(branch);
  });
});

describe('create-branch (postgres) behaviour', () => {
  test('the default name comes from the pull request, and export-env reaches the job environment', async () => {
    const run = await create({ 'export-env': 'DATABASE_URL=pooled\nMIGRATE_URL=direct' }, pullRequestEvent(4242));
    expect(run.status).toBe(0);
    expect(run.outputs['branch-name']).toBe('preview/pr-4242');
    expect(run.exportedEnv.DATABASE_URL).toBe(run.outputs['database-url']);
    expect(run.exportedEnv.MIGRATE_URL).toBe(run.outputs['database-url-direct']);
    expect(leakedSecrets(run, [run.outputs.password!, run.outputs['database-url']!])).toEqual([]);
    await sql(adminUrl, 'DROP DATABASE preview_pr_4242 WITH (FORCE)');
  });

  test('a least-privilege role (CREATEDB only, owning its template) works, and its password never prints, encoded or decoded', async () => {
    const password = 'Adm1n@pa$s/w:rd%x';
    await sql(adminUrl, 'DROP DATABASE IF EXISTS cbpg_own_template');
    await sql(adminUrl, 'DROP ROLE IF EXISTS cbpg_admin');
    await sql(adminUrl, `CREATE ROLE cbpg_admin LOGIN CREATEDB PASSWORD '${password}'`);
    await sql(adminUrl, 'CREATE DATABASE cbpg_own_template OWNER cbpg_admin');
    const { host } = new URL(adminUrl);
    const url = `postgres://cbpg_admin:${encodeURIComponent(password)}@${host}/postgres`;
    await sql(url.replace(/\/postgres$/, '/cbpg_own_template'), 'CREATE TABLE plans (id int PRIMARY KEY); INSERT INTO plans VALUES (1), (2)');
    try {
      const run = await create({ 'postgres-url': url, 'branch-name': 'preview/cbpg-special', template: 'cbpg_own_template' });
      expect(run.status).toBe(0);
      // Without CREATEROLE there is no role per preview: the run says so.
      expect(run.outputs).toMatchObject({ password, role: 'cbpg_admin', created: 'true' });
      expect(run.stdout).toContain('::warning title=Preview shares the admin credentials::');
      // The preview's tables belong to the role, so migrations there may alter them.
      await sql(run.outputs['database-url']!, 'ALTER TABLE plans ADD COLUMN name text');
      expect(leakedSecrets(run, [password, url, run.outputs['database-url']!])).toEqual([]);
      expect(maskedValues(run)).toEqual(expect.arrayContaining([password, encodeURIComponent(password)]));
    } finally {
      await sql(adminUrl, 'DROP DATABASE IF EXISTS preview_cbpg_special WITH (FORCE)');
      await sql(adminUrl, 'DROP DATABASE IF EXISTS cbpg_own_template WITH (FORCE)');
      await sql(adminUrl, 'DROP ROLE IF EXISTS cbpg_admin');
    }
  });

  test('with CREATEROLE (not superuser) each preview gets its own role, owning the cloned objects', async () => {
    await sql(adminUrl, 'DROP DATABASE IF EXISTS cbpg_creator_template');
    await sql(adminUrl, 'DROP ROLE IF EXISTS cbpg_creator');
    await sql(adminUrl, "CREATE ROLE cbpg_creator LOGIN CREATEDB CREATEROLE PASSWORD 'creator-password-not-secret'");
    await sql(adminUrl, 'CREATE DATABASE cbpg_creator_template OWNER cbpg_creator');
    const { host } = new URL(adminUrl);
    const creatorUrl = `postgres://cbpg_creator:creator-password-not-secret@${host}/postgres`;
    await sql(
      creatorUrl.replace(/\/postgres$/, '/cbpg_creator_template'),
      "CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE moods (id serial PRIMARY KEY, mood mood); CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'",
    );
    try {
      const run = await create({ 'postgres-url': creatorUrl, 'branch-name': 'preview/cbpg-creator', template: 'cbpg_creator_template' });
      expect(run.status).toBe(0);
      expect(run.outputs.role).toBe('preview_cbpg_creator_owner');
      const owners = await sql<{ owner: string }>(
        run.outputs['database-url']!,
        `
        SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname IN ('moods', 'moods_id_seq')
        UNION ALL SELECT pg_get_userbyid(typowner) FROM pg_type WHERE typname = 'mood'
        UNION ALL SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'answer'`,
      );
      expect(owners.map((row) => row.owner)).toEqual([
        'preview_cbpg_creator_owner',
        'preview_cbpg_creator_owner',
        'preview_cbpg_creator_owner',
        'preview_cbpg_creator_owner',
      ]);
      await sql(run.outputs['database-url']!, "ALTER TYPE mood ADD VALUE 'great'; ALTER TABLE moods ADD COLUMN note text");
      expect(leakedSecrets(run, [run.outputs.password!, creatorUrl])).toEqual([]);
    } finally {
      await sql(adminUrl, 'DROP DATABASE IF EXISTS preview_cbpg_creator WITH (FORCE)');
      await sql(adminUrl, 'DROP DATABASE IF EXISTS cbpg_creator_template WITH (FORCE)');
      await sql(adminUrl, 'DROP ROLE IF EXISTS preview_cbpg_creator_owner');
      await sql(adminUrl, 'DROP ROLE IF EXISTS cbpg_creator');
    }
  });

  test('two racing runs for one pull request end with one database, both succeeding', async () => {
    const [a, b] = await Promise.all([
      create({ 'branch-name': 'preview/cbpg-race', template: TEMPLATE }),
      create({ 'branch-name': 'preview/cbpg-race', template: TEMPLATE }),
    ]);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect([a.outputs.created, b.outputs.created].sort()).toEqual(['false', 'true']);
    expect(a.outputs['database-url']).toBe(b.outputs['database-url']);
    expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname LIKE 'preview_cbpg_race%'")).toHaveLength(1);
  });

  test('reset drops local changes and re-clones; recreate does the same', async () => {
    const branch = 'preview/cbpg-reset';
    const first = await create({ 'branch-name': branch, template: TEMPLATE });
    const url = first.outputs['database-url']!;
    await sql(url, 'DELETE FROM customers');
    const reset = await create({ 'branch-name': branch, template: TEMPLATE, 'on-existing': 'reset', 'expires-in': '1d' });
    expect(reset.status).toBe(0);
    expect(reset.outputs.created).toBe('false');
    expect(reset.outputs['expires-at']).not.toBe('');
    expect((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM customers'))[0]!.n).toBe('500');
    await sql(url, 'DELETE FROM customers');
    const recreate = await create({ 'branch-name': branch, template: TEMPLATE, 'on-existing': 'recreate' });
    expect(recreate.status).toBe(0);
    expect(recreate.outputs.created).toBe('true');
    expect((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM customers'))[0]!.n).toBe('500');
  });

  test('an existing database without the preview-db mark is never taken over', async () => {
    await sql(adminUrl, 'CREATE DATABASE preview_cbpg_foreign');
    const run = await create({ 'branch-name': 'preview/cbpg-foreign', 'on-existing': 'recreate' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('branch-name'));
    expect(run.stdout).toContain('not a preview made by preview-db');
    expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'preview_cbpg_foreign'")).toHaveLength(1);
  });

  test.each([
    [{ provider: 'mysql' }, 'provider', 'neon, postgres'],
    [{ 'wait-timeout': '5 minutes' }, 'wait-timeout', 'is not a duration'],
    [{ 'expires-in': '7x' }, 'expires-in', 'is not a duration'],
    [{ template: 'no_such_database' }, 'template', 'does not exist'],
    [{ 'branch-name': 'preview/bad\tname' }, 'branch-name', 'control characters'],
    [{ 'on-existing': 'overwrite' }, 'on-existing', 'reuse, reset, recreate'],
    [{ 'postgres-url': '' }, 'postgres-url', 'is required'],
    [{ 'postgres-url': 'mysql://u:p@127.0.0.1/db' }, 'postgres-url', 'postgres://'],
    [
      { 'masking-rules': '[{"database_name":"d","schema_name":"s","table_name":"t","column_name":"c","masking_value":"x"}]' },
      'masking-rules',
      'not supported yet',
    ],
    [{ 'export-env': 'DATABASE_URL=sometimes' }, 'export-env', 'pooled or direct'],
  ])('bad input %j fails naming %s, and creates nothing', async (inputs, input, message) => {
    const run = await create({ 'branch-name': 'preview/cbpg-bad', ...inputs });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation(input));
    expect(run.stdout).toContain(message);
    expect(run.stdout).not.toMatch(/\n\s+at /); // no stack trace
    expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'preview_cbpg_bad'")).toHaveLength(0);
  });

  test('without a pull request, branch-name is required', async () => {
    const run = await create({}, { ref: 'refs/heads/main' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('branch-name'));
  });

  test('a pull request from a fork (no secrets) is skipped with a notice, not a failure', async () => {
    const run = await create({ 'postgres-url': '' }, pullRequestEvent(77, { fork: true }));
    expect(run.status).toBe(0);
    expect(run.outputs.skipped).toBe('true');
    expect(run.outputs['database-url']).toBe('');
    expect(run.stdout).toContain('::notice title=Preview database skipped::');
    expect(run.stdout).toContain('fork');
  });
});

afterAll(() => {
  // The create-branch contract is checked in create-branch-neon.test.ts with these runs' reads as well.
  const differences = contractDifferences('create-branch', runs);
  expect(differences.inputsReadButNotDeclared).toEqual([]);
  expect(differences.outputsSetButNotDeclared).toEqual([]);
});
