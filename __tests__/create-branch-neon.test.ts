// create-branch with the Neon provider, run as the GitHub runner runs the bundle, against
// the fake Neon API (checked against Neon's OpenAPI spec) backed by the real test Postgres.
import { sql } from './support/sql.js';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { runAction, pullRequestEvent, leakedSecrets, outputSecrets, inputErrorAnnotation, NODES, type ActionRun } from './support/run-action.js';
import { contractDifferences } from './support/contract.js';

let fake: FakeNeon;
const runs: ActionRun[] = [];
const adminUrl = process.env.TEST_DATABASE_URL!;

function parentUrl(): string {
  return adminUrl.replace(/\/postgres$/, `/${fake.realDatabaseName(fake.defaultBranch.id, 'neondb')}`);
}

async function create(inputs: Record<string, string>, options: { event?: Record<string, unknown>; node?: string } = {}) {
  const run = await runAction('create-branch', {
    inputs: { 'neon-api-key': fake.apiKey, 'neon-project-id': fake.projectId, 'api-host': fake.apiHost, 'wait-timeout': '60s', ...inputs },
    event: options.event ?? pullRequestEvent(7),
    node: options.node,
  });
  runs.push(run);
  return run;
}

function branchNamed(name: string) {
  return fake.branches().filter((branch) => branch.name === name);
}

beforeAll(async () => {
  fake = await startFakeNeon({ postgresUrl: adminUrl, operationDelayMs: 100 });
  await sql(
    parentUrl(),
    "CREATE TABLE orders (id int PRIMARY KEY, email text NOT NULL); INSERT INTO orders SELECT g, 'person' || g || '@example.com' FROM generate_series(1, 200) g",
  );
  await sql(parentUrl(), `ALTER TABLE orders OWNER TO ${fake.roleName}`);
});

afterAll(async () => {
  await fake?.close();
});

afterEach(() => {
  expect(fake.violations).toEqual([]);
});

describe.each(NODES)('create-branch (neon) under %s', (label, node) => {
  const name = `preview/neon-${label === 'node 24' ? 'n24' : 'n'}`;

  test('creates a copy-on-write branch with its own compute; a later push reuses it', async () => {
    const first = await create({ 'branch-name': name, 'expires-in': '7d', 'suspend-timeout': '5m' }, { node });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const [branch] = branchNamed(name);
    expect(branch).toBeDefined();
    expect(branch!.parentId).toBe(fake.defaultBranch.id);
    expect(first.outputs).toMatchObject({
      'branch-id': branch!.id,
      'branch-name': name,
      created: 'true',
      skipped: 'false',
      database: 'neondb',
      role: 'neondb_owner',
    });
    expect(branch!.endpoints.map((endpoint) => [endpoint.type, endpoint.suspendTimeoutSeconds])).toEqual([['read_write', 300]]);
    expect(branch!.annotations).toMatchObject({ 'github-repo': 'example-org/example-app', 'github-pr-number': '7', 'managed-by': 'preview-db' });
    const expiresAt = Date.parse(first.outputs['expires-at']!);
    expect(expiresAt).toBeGreaterThan(Date.now() + 6.9 * 86400_000);
    expect(expiresAt).toBeLessThan(Date.now() + 7.1 * 86400_000);

    // Pooled and direct URLs are the preview's, both work, and a write there stays there.
    const pooled = first.outputs['database-url']!;
    const direct = first.outputs['database-url-direct']!;
    expect(pooled).not.toBe(direct);
    expect((await sql<{ n: string }>(pooled, 'SELECT count(*) AS n FROM orders'))[0]!.n).toBe('200');
    await sql(pooled, "INSERT INTO orders VALUES (1000, 'preview-only@example.com')");
    expect(await sql(direct, 'SELECT 1 FROM orders WHERE id = 1000')).toHaveLength(1);
    expect(await sql(parentUrl(), 'SELECT 1 FROM orders WHERE id = 1000')).toHaveLength(0);

    const second = await create(
      { 'branch-name': name, 'expires-in': '7d', 'suspend-timeout': '5m' },
      { node, event: pullRequestEvent(7, { action: 'synchronize' }) },
    );
    expect(second.status).toBe(0);
    expect(second.outputs.created).toBe('false');
    expect(second.outputs['branch-id']).toBe(first.outputs['branch-id']);
    expect(second.outputs['database-url']).toBe(pooled);
    expect(branchNamed(name)).toHaveLength(1);

    const secrets = [pooled, direct, first.outputs.password!, fake.apiKey];
    expect(leakedSecrets(first, secrets)).toEqual([]);
    expect(leakedSecrets(second, secrets)).toEqual([]);
    expect(first.summary).toContain(name);
    expect(first.summary).toContain(`console.neon.tech/app/projects/${fake.projectId}/branches/${branch!.id}`);
  });
});

describe('create-branch (neon) behaviour', () => {
  test('two racing runs end with one branch and both succeed', async () => {
    const [a, b] = await Promise.all([create({ 'branch-name': 'preview/neon-race' }), create({ 'branch-name': 'preview/neon-race' })]);
    expect([a.status, b.status, a.status ? a.stdout : b.status ? b.stdout : '']).toEqual([0, 0, '']);
    expect([a.outputs.created, b.outputs.created].sort()).toEqual(['false', 'true']);
    expect(branchNamed('preview/neon-race')).toHaveLength(1);
    expect(a.outputs['branch-id']).toBe(b.outputs['branch-id']);
    expect(a.outputs['database-url']).toBe(b.outputs['database-url']);
  });

  test('transient answers (locked project, 429, 503, dropped connection) are retried', async () => {
    // Long enough to outlast a slow process start and the 429 pause before the first mutation.
    fake.lockProject(6000);
    fake.inject({ method: 'GET', path: '/branches', status: 429, retryAfter: '1' });
    fake.inject({ method: 'GET', path: /connection_uri/, status: 503, times: 2 });
    fake.inject({ method: 'GET', path: /endpoints/, dropConnection: true });
    const run = await create({ 'branch-name': 'preview/neon-flaky' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/HTTP 423/);
    expect(run.stdout).toMatch(/HTTP 429/);
    expect(run.stdout).toMatch(/HTTP 503/);
    expect(branchNamed('preview/neon-flaky')).toHaveLength(1);
  });

  test('a refused API key fails at once with what to fix, and nothing is created', async () => {
    const before = fake.requests.length;
    const run = await create({ 'branch-name': 'preview/neon-badkey', 'neon-api-key': 'napi_not_a_real_key_000' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('neon-api-key'));
    expect(run.stdout).toContain('API key was refused');
    expect(fake.requests.length - before).toBe(1); // no retries of a permanent 401
    expect(branchNamed('preview/neon-badkey')).toHaveLength(0);
  });

  test.each([
    [{ 'neon-project-id': 'no-such-project-000' }, 'neon-project-id', 'was not found'],
    [{ parent: 'staging-that-does-not-exist' }, 'parent', 'no branch named'],
    [{ database: 'nodb' }, 'database', "has no database 'nodb'"],
    [{ role: 'norole' }, 'role', "has no role 'norole'"],
    [{ 'branch-name': 'main' }, 'branch-name', 'default branch'],
    [{ 'expires-in': '31d' }, 'expires-in', 'at most 30 days'],
    [{ 'suspend-timeout': '30s' }, 'suspend-timeout', "outside Neon's range"],
    [{ 'parent-at': 'yesterday' }, 'parent-at', 'RFC 3339'],
    [{ 'branch-type': 'full' }, 'branch-type', 'data, schema-only'],
    [{ 'masking-rules': '{"not":"a list"}' }, 'masking-rules', 'JSON list'],
    [{ 'neon-project-id': '' }, 'neon-project-id', 'is required'],
    [{ 'api-host': 'console.neon.tech' }, 'api-host', 'http(s) URL'],
  ])('bad input %j fails naming %s before any change', async (inputs, input, message) => {
    const mutationsBefore = fake.requests.filter((request) => request.method !== 'GET').length;
    const run = await create({ 'branch-name': 'preview/neon-bad', ...inputs });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation(input));
    expect(run.stdout).toContain(message);
    expect(fake.requests.filter((request) => request.method !== 'GET').length).toBe(mutationsBefore);
  });

  test('reset restores the parent state and refreshes the expiry; recreate makes a new branch', async () => {
    const name = 'preview/neon-reset';
    const first = await create({ 'branch-name': name });
    await sql(first.outputs['database-url-direct']!, 'DELETE FROM orders');
    const reset = await create({ 'branch-name': name, 'on-existing': 'reset', 'expires-in': '2d' });
    expect(reset.status).toBe(0);
    expect(reset.outputs.created).toBe('false');
    expect(reset.outputs['branch-id']).toBe(first.outputs['branch-id']);
    expect(Date.parse(reset.outputs['expires-at']!)).toBeGreaterThan(Date.now() + 1.9 * 86400_000);
    expect((await sql<{ n: string }>(reset.outputs['database-url-direct']!, 'SELECT count(*) AS n FROM orders'))[0]!.n).toBe('200');

    const recreated = await create({ 'branch-name': name, 'on-existing': 'recreate' });
    expect(recreated.status).toBe(0);
    expect(recreated.outputs.created).toBe('true');
    expect(recreated.outputs['branch-id']).not.toBe(first.outputs['branch-id']);
    expect(branchNamed(name)).toHaveLength(1);
  });

  test('schema-only branches have the tables but not the rows, with a warning about root-branch limits', async () => {
    const run = await create({ 'branch-name': 'preview/neon-schema', 'branch-type': 'schema-only' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/::warning::.*root branch/);
    expect((await sql<{ n: string }>(run.outputs['database-url-direct']!, 'SELECT count(*) AS n FROM orders'))[0]!.n).toBe('0');
  });

  test('masking rules create an anonymized branch: personal data never reaches the preview', async () => {
    const rules = JSON.stringify([
      { database_name: 'neondb', schema_name: 'public', table_name: 'orders', column_name: 'email', masking_value: 'masked@example.invalid' },
    ]);
    const run = await create({ 'branch-name': 'preview/neon-masked', 'masking-rules': rules });
    expect(run.status).toBe(0);
    const emails = await sql<{ email: string }>(run.outputs['database-url-direct']!, 'SELECT DISTINCT email FROM orders');
    expect(emails.map((row) => row.email)).toEqual(['masked@example.invalid']);
    expect(branchNamed('preview/neon-masked')[0]!.anonymized).toBe(true);
  });

  test('a request that hangs is cut off by wait-timeout, not by a long per-request timeout', async () => {
    // The request hangs far longer than wait-timeout; the margin between them absorbs a loaded
    // machine's slow process start (the bound only has to tell 2 s from 30 s).
    fake.inject({ method: 'GET', path: '/branches', delayMs: 30_000 });
    const started = Date.now();
    const run = await create({ 'branch-name': 'preview/neon-hang', 'wait-timeout': '2s' });
    expect(run.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.stdout).toMatch(/timeout|gave up/i);
    expect(branchNamed('preview/neon-hang')).toHaveLength(0);
  });

  test('no run of this file printed a secret', () => {
    // The runs of the tests above: run with the file, this check is never vacuous.
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(leakedSecrets(run, [fake.apiKey, ...outputSecrets(run)])).toEqual([]);
  });

  test('the contract: action.yml declares exactly what the code reads and sets', () => {
    expect(contractDifferences('create-branch', runs)).toEqual({
      inputsReadButNotDeclared: [],
      inputsDeclaredButNeverRead: [],
      outputsSetButNotDeclared: [],
      outputsDeclaredButNeverSet: [],
    });
  });
});
