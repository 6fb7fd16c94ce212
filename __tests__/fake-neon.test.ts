// Tests of the fake Neon API itself, driven through the real @neondatabase/api-client.
import { createApiClient, EndpointType, type Api } from '@neondatabase/api-client';
import pg from 'pg';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';

const postgresUrl = () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (the jest global setup starts Postgres)');
  return url;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T extends pg.QueryResultRow>(uri: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { response?: { status?: number } }).response?.status;
}

async function expectStatus(promise: Promise<unknown>, status: number): Promise<{ headers: Record<string, string>; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    expect(statusOf(error)).toBe(status);
    const response = (error as { response: { headers: Record<string, string>; data: unknown } }).response;
    return { headers: response.headers, data: response.data };
  }
  throw new Error(`expected HTTP ${status}, the call succeeded`);
}

async function waitForOperations(api: Api<unknown>, projectId: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    for (;;) {
      const { data } = await api.getProjectOperation(projectId, id);
      if (data.operation.status === 'finished') break;
      await sleep(20);
    }
  }
}

describe('fake Neon API: branches on real databases', () => {
  let fake: FakeNeon;
  let api: Api<unknown>;

  beforeAll(async () => {
    // Operations run 500 ms: long enough that the 423-while-busy checks cannot race a loaded machine.
    fake = await startFakeNeon({ postgresUrl: postgresUrl(), operationDelayMs: 500 });
    api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
  });
  afterAll(async () => {
    await fake?.close();
  });
  afterEach(() => {
    expect(fake.violations).toEqual([]);
  });

  test('default branch, project and connection URI of the root database', async () => {
    const { data: project } = await api.getProject(fake.projectId);
    expect(project.project.id).toBe(fake.projectId);
    const { data } = await api.getProjectBranch(fake.projectId, fake.defaultBranch.id);
    expect(data.branch).toMatchObject({ name: 'main', default: true, protected: false });
    const { data: dbs } = await api.listProjectBranchDatabases(fake.projectId, fake.defaultBranch.id);
    expect(dbs.databases.map((d) => [d.name, d.owner_name])).toEqual([['neondb', 'neondb_owner']]);
    const { data: roles } = await api.listProjectBranchRoles(fake.projectId, fake.defaultBranch.id);
    expect(roles.roles.map((r) => r.name)).toEqual(['neondb_owner']);
    const { data: eps } = await api.listProjectBranchEndpoints(fake.projectId, fake.defaultBranch.id);
    expect(eps.endpoints).toHaveLength(1);
    expect(eps.endpoints[0]).toMatchObject({ type: EndpointType.ReadWrite, current_state: 'active' });
    const { data: uri } = await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' });
    const rows = await query<{ db: string; usr: string }>(uri.uri, 'SELECT current_database() AS db, current_user AS usr');
    expect(rows[0]).toEqual({ db: fake.realDatabaseName(fake.defaultBranch.id, 'neondb'), usr: fake.roleName });
    const { data: pw } = await api.getProjectBranchRolePassword(fake.projectId, fake.defaultBranch.id, 'neondb_owner');
    expect(uri.uri).toContain(encodeURIComponent(pw.password));
  });

  test('create / get / list / connect / delete round trip', async () => {
    const mainUri = (await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' })).data.uri;
    await query(mainUri, 'CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, label text NOT NULL)');
    await query(mainUri, "INSERT INTO items (label) VALUES ('from-main')");

    const { data: created, status } = await api.createProjectBranch(fake.projectId, {
      branch: { name: 'preview/pr-1', parent_id: fake.defaultBranch.id },
      endpoints: [{ type: EndpointType.ReadWrite, suspend_timeout_seconds: 300 }],
      annotation_value: { 'managed-by': 'preview-db', pr: '1' },
    });
    expect(status).toBe(201);
    expect(created.branch).toMatchObject({ name: 'preview/pr-1', parent_id: fake.defaultBranch.id, current_state: 'init', default: false });
    expect(created.endpoints[0]).toMatchObject({ type: EndpointType.ReadWrite, current_state: 'init', suspend_timeout_seconds: 300 });
    expect(created.operations.length).toBeGreaterThan(0);
    expect(created.operations.every((o) => o.status === 'running')).toBe(true);
    expect(created.connection_uris).toHaveLength(1);
    await waitForOperations(
      api,
      fake.projectId,
      created.operations.map((o) => o.id),
    );

    const { data: got } = await api.getProjectBranch(fake.projectId, created.branch.id);
    expect(got.branch.current_state).toBe('ready');
    expect(got.annotation.value).toEqual({ 'managed-by': 'preview-db', pr: '1' });
    const { data: ep } = await api.getProjectEndpoint(fake.projectId, created.endpoints[0]!.id);
    expect(ep.endpoint.current_state).toBe('active');

    const { data: listed } = await api.listProjectBranches({ projectId: fake.projectId });
    expect(listed.branches.map((b) => b.name).sort()).toEqual(['main', 'preview/pr-1']);
    expect(listed.annotations[created.branch.id]?.value.pr).toBe('1');

    // direct and pooled URIs differ and both reach the child's own copy of the data
    const direct = (await api.getConnectionUri({ projectId: fake.projectId, branch_id: created.branch.id, database_name: 'neondb', role_name: 'neondb_owner' }))
      .data.uri;
    const pooled = (
      await api.getConnectionUri({ projectId: fake.projectId, branch_id: created.branch.id, database_name: 'neondb', role_name: 'neondb_owner', pooled: true })
    ).data.uri;
    expect(pooled).not.toEqual(direct);
    expect(created.connection_uris![0]!.connection_uri).toEqual(direct);
    expect(direct).toContain(fake.realDatabaseName(created.branch.id, 'neondb'));
    expect(await query<{ label: string }>(direct, 'SELECT label FROM items')).toEqual([{ label: 'from-main' }]);
    await query(pooled, "INSERT INTO items (label) VALUES ('from-child')");
    expect((await query<{ n: string }>(direct, 'SELECT count(*)::text AS n FROM items'))[0]!.n).toBe('2');
    // the write in the child is invisible in the parent
    expect(await query<{ label: string }>(mainUri, 'SELECT label FROM items ORDER BY id')).toEqual([{ label: 'from-main' }]);

    const realName = fake.realDatabaseName(created.branch.id, 'neondb');
    const { data: deleted } = await api.deleteProjectBranch({ projectId: fake.projectId, branchId: created.branch.id });
    expect(deleted.branch.id).toBe(created.branch.id);
    expect(deleted.operations.map((o) => o.action)).toContain('delete_timeline');
    await expectStatus(api.getProjectBranch(fake.projectId, created.branch.id), 404);
    await expectStatus(api.deleteProjectBranch({ projectId: fake.projectId, branchId: created.branch.id }), 404);
    const exists = await query(postgresUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [realName]);
    expect(exists).toEqual([]);
  });

  test('duplicate names answer 409; default / parent branches cannot be deleted; expires_at is checked', async () => {
    const { data: a } = await api.createProjectBranch(fake.projectId, { branch: { name: 'dup' } });
    const conflict = await expectStatus(api.createProjectBranch(fake.projectId, { branch: { name: 'dup' } }), 409);
    expect(conflict.data).toMatchObject({ code: expect.any(String), message: expect.stringContaining('already exists') });
    await expectStatus(api.deleteProjectBranch({ projectId: fake.projectId, branchId: fake.defaultBranch.id }), 422);
    const { data: child } = await api.createProjectBranch(fake.projectId, { branch: { name: 'dup-child', parent_id: a.branch.id } });
    await waitForOperations(
      api,
      fake.projectId,
      [...a.operations, ...child.operations].map((o) => o.id),
    );
    await expectStatus(api.deleteProjectBranch({ projectId: fake.projectId, branchId: a.branch.id }), 422);

    const withMillis = new Date(Date.now() + 86400_000).toISOString();
    const precision = await expectStatus(api.createProjectBranch(fake.projectId, { branch: { name: 'millis', expires_at: withMillis } }), 400);
    expect(precision.data).toMatchObject({ message: expect.stringContaining('precision up to seconds') });
    const tooFar = new Date(Date.now() + 31 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await expectStatus(api.createProjectBranch(fake.projectId, { branch: { name: 'too-far', expires_at: tooFar } }), 400);
    const ok = new Date(Date.now() + 7 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const { data: patched } = await api.updateProjectBranch(fake.projectId, child.branch.id, { branch: { expires_at: ok, name: 'dup-child-renamed' } });
    expect(patched.branch).toMatchObject({ expires_at: ok, name: 'dup-child-renamed' });
    await expectStatus(api.updateProjectBranch(fake.projectId, child.branch.id, { branch: { name: 'dup' } }), 409);
    const { data: cleared } = await api.updateProjectBranch(fake.projectId, child.branch.id, { branch: { expires_at: null } });
    expect(cleared.branch.expires_at).toBeUndefined();

    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: child.branch.id });
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: a.branch.id });
  });

  test('concurrent creates clone the same parent; a concurrent duplicate name gets 409', async () => {
    const names = ['conc-a', 'conc-b', 'conc-c', 'conc-a'];
    const results = await Promise.allSettled(
      names.map((name) => api.createProjectBranch(fake.projectId, { branch: { name }, endpoints: [{ type: EndpointType.ReadWrite }] })),
    );
    const ok = results
      .filter((r) => r.status === 'fulfilled')
      .map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof api.createProjectBranch>>>).value.data);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.map((d) => d.branch.name).sort()).toEqual(['conc-a', 'conc-b', 'conc-c']);
    expect(failed.map((r) => statusOf(r.reason))).toEqual([409]);
    for (const d of ok) {
      const rows = await query<{ n: string }>(d.connection_uris![0]!.connection_uri, 'SELECT 1::text AS n');
      expect(rows).toEqual([{ n: '1' }]);
    }
    await waitForOperations(
      api,
      fake.projectId,
      ok.flatMap((d) => d.operations.map((o) => o.id)),
    );
    await Promise.all(ok.map((d) => api.deleteProjectBranch({ projectId: fake.projectId, branchId: d.branch.id })));

    const { data: page1 } = await api.listProjectOperations({ projectId: fake.projectId, limit: 2 });
    expect(page1.operations).toHaveLength(2);
    expect(page1.operations[0]!.action).toBe('delete_timeline');
    const { data: page2 } = await api.listProjectOperations({ projectId: fake.projectId, limit: 2, cursor: page1.pagination!.cursor });
    expect(page2.operations).toHaveLength(2);
    expect(page2.operations.map((o) => o.id)).not.toContain(page1.operations[0]!.id);
  });

  test('a branch with a running operation answers 423 to delete', async () => {
    const { data } = await api.createProjectBranch(fake.projectId, { branch: { name: 'busy' } });
    const locked = await expectStatus(api.deleteProjectBranch({ projectId: fake.projectId, branchId: data.branch.id }), 423);
    expect(locked.data).toMatchObject({ message: expect.stringContaining('conflicting operations') });
    await waitForOperations(
      api,
      fake.projectId,
      data.operations.map((o) => o.id),
    );
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: data.branch.id });
  });

  test('restore re-clones the branch from its parent and keeps its id', async () => {
    const mainUri = (await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' })).data.uri;
    await query(mainUri, 'CREATE TABLE restore_probe (v text)');
    await query(mainUri, "INSERT INTO restore_probe VALUES ('v1')");
    const { data } = await api.createProjectBranch(fake.projectId, { branch: { name: 'to-restore' }, endpoints: [{ type: EndpointType.ReadWrite }] });
    await waitForOperations(
      api,
      fake.projectId,
      data.operations.map((o) => o.id),
    );
    const childUri = data.connection_uris![0]!.connection_uri;
    await query(childUri, "INSERT INTO restore_probe VALUES ('child-only')");
    await query(mainUri, "INSERT INTO restore_probe VALUES ('v2')");

    const { data: restored } = await api.restoreProjectBranch(fake.projectId, data.branch.id, { source_branch_id: fake.defaultBranch.id });
    expect(restored.branch.id).toBe(data.branch.id);
    expect(restored.branch.last_reset_at).toBeDefined();
    await expectStatus(api.deleteProjectBranch({ projectId: fake.projectId, branchId: data.branch.id }), 423);
    await waitForOperations(
      api,
      fake.projectId,
      restored.operations.map((o) => o.id),
    );
    const uri = (await api.getConnectionUri({ projectId: fake.projectId, branch_id: data.branch.id, database_name: 'neondb', role_name: 'neondb_owner' })).data
      .uri;
    const rows = await query<{ v: string }>(uri, 'SELECT v FROM restore_probe ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['v1', 'v2']);
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: data.branch.id });
    await query(mainUri, 'DROP TABLE restore_probe');
  });

  test('schema-only branches, read-only endpoints and compare_schema', async () => {
    const mainUri = (await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' })).data.uri;
    await query(mainUri, 'CREATE TABLE IF NOT EXISTS schema_probe (id int PRIMARY KEY, note text)');
    await query(mainUri, 'INSERT INTO schema_probe VALUES (1, $1) ON CONFLICT DO NOTHING', ['x']);
    const { data } = await api.createProjectBranch(fake.projectId, {
      branch: { name: 'schema-only', init_source: 'schema-only' },
      endpoints: [{ type: EndpointType.ReadWrite }],
    });
    expect(data.branch.init_source).toBe('schema-only');
    const uri = data.connection_uris![0]!.connection_uri;
    expect(await query(uri, 'SELECT * FROM schema_probe')).toEqual([]);

    const { data: ro } = await api.createProjectEndpoint(fake.projectId, { endpoint: { branch_id: data.branch.id, type: EndpointType.ReadOnly } });
    const roUri = (
      await api.getConnectionUri({
        projectId: fake.projectId,
        branch_id: data.branch.id,
        endpoint_id: ro.endpoint.id,
        database_name: 'neondb',
        role_name: 'neondb_owner',
      })
    ).data.uri;
    expect(roUri).not.toEqual(uri);
    await expect(query(roUri, 'CREATE TABLE nope (id int)')).rejects.toThrow(/read-only/);

    await query(uri, 'ALTER TABLE schema_probe ADD COLUMN added_in_child integer');
    await query(uri, 'CREATE INDEX schema_probe_note ON schema_probe (note)');
    const { data: cmp } = await api.getProjectBranchSchemaComparison({
      projectId: fake.projectId,
      branchId: data.branch.id,
      base_branch_id: fake.defaultBranch.id,
      db_name: 'neondb',
    });
    expect(cmp.diff).toMatch(/^--- a\/main\/neondb\n\+\+\+ b\/schema-only\/neondb\n@@ /);
    expect(cmp.diff).toMatch(/^\+ {4}added_in_child integer$/m);
    expect(cmp.diff).toMatch(/^\+CREATE INDEX schema_probe_note ON public\.schema_probe USING btree \(note\);$/m);
    const { data: same } = await api.getProjectBranchSchemaComparison({
      projectId: fake.projectId,
      branchId: fake.defaultBranch.id,
      base_branch_id: fake.defaultBranch.id,
      db_name: 'neondb',
    });
    expect(same.diff).toBe('');
    await waitForOperations(
      api,
      fake.projectId,
      [...data.operations, ...ro.operations].map((o) => o.id),
    );
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: data.branch.id });
  });

  test('snapshots: create, list, restore to a new branch, delete', async () => {
    const mainUri = (await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' })).data.uri;
    await query(mainUri, 'CREATE TABLE snap_probe (v text)');
    await query(mainUri, "INSERT INTO snap_probe VALUES ('before')");
    const { data: snap } = await api.createSnapshot({ projectId: fake.projectId, branchId: fake.defaultBranch.id, name: 'pre-deploy' });
    expect(snap.snapshot).toMatchObject({ name: 'pre-deploy', source_branch_id: fake.defaultBranch.id });
    await query(mainUri, "INSERT INTO snap_probe VALUES ('after')");
    const { data: list } = await api.listSnapshots(fake.projectId);
    expect(list.snapshots.map((s) => s.id)).toContain(snap.snapshot.id);

    const { data: restored } = await api.restoreSnapshot({ projectId: fake.projectId, snapshotId: snap.snapshot.id }, { name: 'from-snapshot' });
    expect(restored.branch.name).toBe('from-snapshot');
    const { data: ep } = await api.createProjectEndpoint(fake.projectId, { endpoint: { branch_id: restored.branch.id, type: EndpointType.ReadWrite } });
    const uri = (
      await api.getConnectionUri({
        projectId: fake.projectId,
        branch_id: restored.branch.id,
        endpoint_id: ep.endpoint.id,
        database_name: 'neondb',
        role_name: 'neondb_owner',
      })
    ).data.uri;
    expect((await query<{ v: string }>(uri, 'SELECT v FROM snap_probe')).map((r) => r.v)).toEqual(['before']);

    const { data: del, status } = await api.deleteSnapshot(fake.projectId, snap.snapshot.id);
    expect(status).toBe(202);
    expect(del.operations.length).toBe(1);
    expect(fake.snapshots()).toEqual([]);
    await waitForOperations(
      api,
      fake.projectId,
      [...restored.operations, ...ep.operations].map((o) => o.id),
    );
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: restored.branch.id });
    await query(mainUri, 'DROP TABLE snap_probe');
  });

  test('anonymized branches apply masking rules to the clone only', async () => {
    const mainUri = (await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' })).data.uri;
    await query(mainUri, 'CREATE TABLE people (id int, email text, name text)');
    await query(mainUri, "INSERT INTO people VALUES (1, 'alice@example.org', 'Alice')");
    const { data } = await api.createProjectBranchAnonymized(fake.projectId, {
      branch_create: { branch: { name: 'anon' }, endpoints: [{ type: EndpointType.ReadWrite }] },
      masking_rules: [
        { database_name: 'neondb', schema_name: 'public', table_name: 'people', column_name: 'email', masking_function: 'anon.fake_email()' },
        { database_name: 'neondb', schema_name: 'public', table_name: 'people', column_name: 'name', masking_value: 'REDACTED' },
      ],
      start_anonymization: true,
    });
    const states: string[] = [];
    for (;;) {
      const { data: status } = await api.getAnonymizedBranchStatus(fake.projectId, data.branch.id);
      if (states.at(-1) !== status.state) states.push(status.state);
      if (status.state === 'anonymized') {
        expect(status.last_run?.masked_columns).toBe(2);
        break;
      }
      await sleep(50);
    }
    expect(states).toEqual(['anonymizing', 'anonymized']);
    const rows = await query<{ email: string; name: string }>(data.connection_uris![0]!.connection_uri, 'SELECT email, name FROM people');
    expect(rows[0]!.name).toBe('REDACTED');
    expect(rows[0]!.email).toMatch(/^user_[0-9a-f]+@example\.com$/);
    expect(await query(mainUri, 'SELECT email, name FROM people')).toEqual([{ email: 'alice@example.org', name: 'Alice' }]);
    await waitForOperations(
      api,
      fake.projectId,
      data.operations.map((o) => o.id),
    );
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: data.branch.id });
    await query(mainUri, 'DROP TABLE people');
  });
});

describe('fake Neon API: listing, seeding, faults, limits and conformance', () => {
  let fake: FakeNeon;
  let api: Api<unknown>;

  beforeAll(async () => {
    fake = await startFakeNeon({ postgresUrl: postgresUrl(), operationDelayMs: 50 });
    api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
  });
  afterAll(async () => {
    await fake?.close();
  });

  test('cursor pagination, sorting and search over seeded virtual branches', async () => {
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 1500; i++) {
      await fake.seedBranch({
        name: `preview/pr-${String(i).padStart(4, '0')}`,
        virtual: true,
        createdAt: new Date(base + i * 60_000),
        updatedAt: new Date(base + ((i * 7) % 1500) * 60_000),
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const { data } = await api.listProjectBranches({ projectId: fake.projectId, search: 'preview/', sort_by: 'name', sort_order: 'asc', limit: 400, cursor });
      pages += 1;
      seen.push(...data.branches.map((b) => b.name));
      expect(data.pagination).toMatchObject({ sort_by: 'name', sort_order: 'asc' });
      cursor = data.pagination?.next;
      if (!cursor) break;
    }
    expect(pages).toBe(4);
    expect(seen).toHaveLength(1500);
    expect(seen).toEqual([...seen].sort());
    const { data: byCreated } = await api.listProjectBranches({ projectId: fake.projectId, sort_by: 'created_at', sort_order: 'desc', limit: 3 });
    expect(byCreated.branches.map((b) => b.name)).toEqual([expect.any(String), 'preview/pr-1499', 'preview/pr-1498']);
    const { data: one } = await api.listProjectBranches({ projectId: fake.projectId, search: 'pr-0042' });
    expect(one.branches.map((b) => b.name)).toEqual(['preview/pr-0042']);
    expect(one.pagination?.next).toBeUndefined();
    const { data: count } = await api.countProjectBranches({ projectId: fake.projectId, search: 'preview/' });
    expect(count.count).toBe(1500);
    const { data: all } = await api.listProjectBranches({ projectId: fake.projectId });
    expect(all.branches).toHaveLength(1501);
    const active = await fake.seedBranch({ name: 'seeded-active', withEndpoint: true, lastActiveAt: new Date(base) });
    const { data: activeEps } = await api.listProjectBranchEndpoints(fake.projectId, active.id);
    expect(activeEps.endpoints[0]!.last_active).toBe('2026-01-01T00:00:00Z');
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: active.id });
    const stale = fake.branches().find((b) => b.name === 'preview/pr-0000')!;
    expect(stale.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(stale.realDatabases).toEqual([]);
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: stale.id });
    expect(fake.violations).toEqual([]);
  });

  test('wrong API key → 401, other project → 404', async () => {
    const bad = createApiClient({ apiKey: 'napi_test_wrong', baseURL: fake.apiHost });
    await expectStatus(bad.listProjectBranches({ projectId: fake.projectId }), 401);
    await expectStatus(api.listProjectBranches({ projectId: 'other-project-000000' }), 404);
    expect(fake.violations).toEqual([]);
  });

  test('injected 423 / 429 / 500 / dropped connection / slow answer', async () => {
    fake.inject({ method: 'POST', path: /\/branches$/, status: 423 });
    const locked = await expectStatus(api.createProjectBranch(fake.projectId, { branch: { name: 'x' } }), 423);
    expect(locked.data).toMatchObject({ message: expect.stringContaining('conflicting operations') });

    fake.inject({ path: /\/branches/, status: 429, retryAfter: '2', times: 2 });
    const limited = await expectStatus(api.listProjectBranches({ projectId: fake.projectId, limit: 1 }), 429);
    expect(limited.headers['retry-after']).toBe('2');
    await expectStatus(api.listProjectBranches({ projectId: fake.projectId, limit: 1 }), 429);
    await api.listProjectBranches({ projectId: fake.projectId, limit: 1 });

    fake.inject({ method: 'GET', path: `/projects/${fake.projectId}`, status: 503 });
    await expectStatus(api.getProject(fake.projectId), 503);

    fake.inject({ path: /connection_uri/, dropConnection: true });
    const dropped = await api.getConnectionUri({ projectId: fake.projectId, database_name: 'neondb', role_name: 'neondb_owner' }).then(
      () => undefined,
      (error: { code?: string; response?: unknown }) => error,
    );
    expect(dropped?.response).toBeUndefined();
    expect(dropped?.code).toBe('ECONNRESET');

    fake.inject({ path: /\/branches\//, delayMs: 300 });
    const t = Date.now();
    await api.getProjectBranch(fake.projectId, fake.defaultBranch.id);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);

    fake.lockProject(800);
    await expectStatus(api.createProjectBranch(fake.projectId, { branch: { name: 'during-lock' } }), 423);
    await api.listProjectBranches({ projectId: fake.projectId, limit: 1 }); // reads still work
    await sleep(850);
    const { data } = await api.createProjectBranch(fake.projectId, { branch: { name: 'after-lock' } });
    expect(data.branch.name).toBe('after-lock');
    expect(fake.requests.filter((r) => r.status === 423)).toHaveLength(2);
    expect(fake.violations).toEqual([]);
  });

  test('the validator catches a response that breaks the spec', async () => {
    expect(fake.violations).toEqual([]);
    fake.breakResponses({ dropBranchField: 'project_id' });
    try {
      await api.getProjectBranch(fake.projectId, fake.defaultBranch.id);
    } finally {
      fake.breakResponses(null);
    }
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatch(/getProjectBranch.*project_id/);
    fake.violations.length = 0;
  });

  test('the validator rejects a request that breaks the spec with 400', async () => {
    const response = await fetch(`${fake.apiHost}/projects/${fake.projectId}/branches?limit=0`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(response.status).toBe(400);
    expect(fake.violations.some((v) => /limit/.test(v))).toBe(true);
    fake.violations.length = 0;
  });
});

describe('fake Neon API: rate limit', () => {
  test('answers 429 with Retry-After over the per-route limit', async () => {
    const fake = await startFakeNeon({ postgresUrl: postgresUrl(), rateLimit: { perRoutePerSecond: 5, perMinute: 700 } });
    try {
      const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => api.getProjectBranch(fake.projectId, fake.defaultBranch.id)));
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      expect(rejected).toHaveLength(3);
      expect(rejected.every((r) => statusOf(r.reason) === 429)).toBe(true);
      expect(Number((rejected[0]!.reason as { response: { headers: Record<string, string> } }).response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // another route has its own budget
      await api.listProjectBranches({ projectId: fake.projectId });
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('fake Neon API: clean-up', () => {
  test('close() drops every real database and the role it created', async () => {
    const fake = await startFakeNeon({ postgresUrl: postgresUrl(), operationDelayMs: 10 });
    const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
    const { data } = await api.createProjectBranch(fake.projectId, { branch: { name: 'leftover' } });
    await api.createSnapshot({ projectId: fake.projectId, branchId: data.branch.id });
    const realDbs = [...fake.branches().flatMap((b) => b.realDatabases), ...fake.snapshots().flatMap((s) => s.databases.map((d) => d.realName!))];
    expect(realDbs).toHaveLength(3);
    await fake.close();
    expect(await query(postgresUrl(), 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [realDbs])).toEqual([]);
    expect(await query(postgresUrl(), 'SELECT rolname FROM pg_roles WHERE rolname = $1', [fake.roleName])).toEqual([]);
  });
});
