// Creating a Neon preview spends few requests: the preflight's listing doubles as the
// "does it exist" check, databases and roles are read together, the connection URIs are
// read while Neon's operations run, and the wait for the compute polls connections (which
// cost no API requests) instead of operations. Counts and order, never timings.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { answersNow } from './support/sql.js';
import { createApiClient, EndpointType } from '@neondatabase/api-client';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { NeonPreviews } from '../src/providers/neon/preview.js';
import { MemoryLog } from './support/memory-log.js';

const postgresUrl = process.env.TEST_DATABASE_URL!;
let fake: FakeNeon;

beforeAll(async () => {
  // A compute that refuses connections until 500 ms after the branch's operations end.
  fake = await startFakeNeon({ postgresUrl, operationDelayMs: 800, computeStartMs: 500 });
});
afterAll(() => fake.close());
afterEach(() => expect(fake.violations).toEqual([]));

const request = (branchName: string) => ({ branchName, onExisting: 'reuse' as const, waitTimeoutSeconds: 60, annotations: { 'managed-by': 'preview-db' } });
const previews = () =>
  new NeonPreviews(
    { apiKey: fake.apiKey, projectId: fake.projectId, apiHost: fake.apiHost, parent: 'main', database: 'neondb', role: 'neondb_owner', branchType: 'data' },
    new MemoryLog(),
  );
const route = (entry: { method: string; path: string }) =>
  `${entry.method} ${entry.path
    .replace(/^\/api\/v2\/projects\/[^/]+/, '')
    .replace(/\?.*$/, '')
    .replace(/\/br-[\w-]+/, '/{branch}')}`;

test('the fake compute refuses connections while it starts, then answers (what the create waits for)', async () => {
  const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
  const { data } = await api.createProjectBranch(fake.projectId, { branch: { name: 'preview/gate' }, endpoints: [{ type: EndpointType.ReadWrite }] });
  const uri = (pooled: boolean) =>
    api
      .getConnectionUri({ projectId: fake.projectId, branch_id: data.branch.id, database_name: 'neondb', role_name: 'neondb_owner', pooled })
      .then((response) => response.data.uri);
  const [direct, pooled] = await Promise.all([uri(false), uri(true)]);
  expect(await answersNow(direct)).toBe(false);
  expect(await answersNow(pooled)).toBe(false);
  let answered = false;
  for (let attempt = 0; attempt < 100 && !answered; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answered = await answersNow(direct);
  }
  expect(answered).toBe(true);
  expect(await answersNow(pooled)).toBe(true);
  // It answered only once its operations were over.
  const { data: ops } = await api.listProjectOperations({ projectId: fake.projectId });
  expect(ops.operations.filter((operation) => operation.branch_id === data.branch.id).map((operation) => operation.status)).toEqual(['finished', 'finished']);
});

test('a new preview takes 6 requests (it took 14): list, databases ∥ roles, create, both URIs; no operation polling when the compute is up in time', async () => {
  const api = previews();
  const before = fake.requests.length;
  await api.preflight(request('preview/count'));
  const preview = await api.ensurePreview(request('preview/count'));
  const made = fake.requests.slice(before).map(route);
  expect(made.slice(0, 3).sort()).toEqual(['GET /branches', 'GET /branches/{branch}/databases', 'GET /branches/{branch}/roles']);
  expect(made[0]).toBe('GET /branches');
  expect(made[3]).toBe('POST /branches');
  expect(made.slice(4, 6)).toEqual(['GET /connection_uri', 'GET /connection_uri']);
  // Only when the compute is not up 2 s after the create are the operations read (a loaded machine).
  expect(made.slice(6).every((entry) => entry === 'GET /operations/{id}' || /^GET \/operations\//.test(entry))).toBe(true);
  expect(made.length).toBeLessThanOrEqual(8);
  expect(preview.outcome).toBe('created');
  expect(await answersNow(preview.databaseUrlDirect)).toBe(true);
});

test('reusing an existing preview: list, databases ∥ roles, its computes, both URIs', async () => {
  const api = previews();
  const before = fake.requests.length;
  await api.preflight(request('preview/count'));
  const preview = await api.ensurePreview(request('preview/count'));
  expect(preview.outcome).toBe('reused');
  const made = fake.requests.slice(before).map(route);
  expect(made).toHaveLength(6);
  expect(made).toContain('GET /branches/{branch}/endpoints');
  expect(made.filter((entry) => entry === 'POST /branches')).toEqual([]);
});
