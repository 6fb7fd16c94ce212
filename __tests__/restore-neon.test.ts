// Neon restores through the real @neondatabase/api-client against the fake Neon API (every
// exchange checked against Neon's OpenAPI spec; branches are real databases on the test Postgres).
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { takeNeonSnapshot } from '../src/snapshot/neon.js';
import { restoreNeon, deleteNeonTarget, RestoreFailedError, type NeonRestoreRequest } from '../src/restore/index.js';
import { InputError } from '../src/shared/errors.js';
import { validateTargetIdentifier } from '../src/restore/identifier.js';
import { MemoryLog } from './support/memory-log.js';
import { sql, databaseUrl } from './support/sql.js';

let fake: FakeNeon;
const RUN = { repository: 'example-org/example-app', sha: 'abc1234def5678abc1234def5678abc1234def56', runId: '9700000001', runAttempt: '1' };
const VERIFY = { url: 'postgres://neondb_owner@restored.invalid/neondb' };
let production: { id: string; name: string };
let snapshotId: string;

beforeAll(async () => {
  fake = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL!, operationDelayMs: 150 });
  production = await fake.seedBranch({ name: 'production', withEndpoint: true });
  const real = databaseUrl(process.env.TEST_DATABASE_URL!, fake.realDatabaseName(production.id, 'neondb'));
  await sql(real, `CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2); ALTER TABLE items OWNER TO "${fake.roleName}"`);
  const log = new MemoryLog();
  const taken = await takeNeonSnapshot(
    {
      apiKey: fake.apiKey,
      projectId: fake.projectId,
      apiHost: fake.apiHost,
      branch: 'production',
      wait: true,
      waitTimeoutSeconds: 30,
      userTags: [],
      pruneDryRun: false,
      run: RUN,
      timing: { pollFloorMs: 20 },
    },
    { log },
  );
  snapshotId = taken.snapshotId;
  // Written after the snapshot: a restore must not have it.
  await sql(real, 'INSERT INTO items VALUES (3)');
});
afterAll(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

function request(overrides: Partial<NeonRestoreRequest> = {}): NeonRestoreRequest {
  return {
    apiKey: fake.apiKey,
    projectId: fake.projectId,
    apiHost: fake.apiHost,
    branch: 'production',
    drill: false,
    waitTimeoutSeconds: 30,
    userTags: [],
    run: RUN,
    timing: { pollFloorMs: 20 },
    ...overrides,
  };
}

async function restore(req: NeonRestoreRequest) {
  const log = new MemoryLog();
  try {
    return { result: await restoreNeon(req, { log }), log, error: undefined };
  } catch (error) {
    return { result: undefined, log, error: error as Error };
  }
}

test('the newest pre-deploy snapshot as a new branch with its own compute, verified against snapshot-time data', async () => {
  const { result, log, error } = await restore(request({ targetIdentifier: 'production-restored-a', verify: { ...VERIFY, expectCounts: { items: 2 } } }));
  expect(error).toBeUndefined();
  expect(result).toMatchObject({ provider: 'neon', kind: 'branch', snapshotIdentifier: snapshotId, verified: true, deleted: false });
  const branch = fake.branches().find((b) => b.id === result!.restoredIdentifier)!;
  expect(branch.name).toBe('production-restored-a');
  expect(result!.restoredName).toBe('production-restored-a');
  expect(branch.endpoints.length).toBe(1);
  // The source keeps its name and compute: nothing was restored over it.
  expect(fake.branches().find((b) => b.id === production.id)!.name).toBe('production');
  expect(result!.endpoint).toMatch(/:5432$/);
  expect(log.secrets.some((s) => s.includes('neondb'))).toBe(true);
});

test('a drill: an expiring -drill- branch, verified, deleted; a failed check still deletes it', async () => {
  const ok = await restore(request({ drill: true, verify: { ...VERIFY, expectCounts: { items: 2 } } }));
  expect(ok.error).toBeUndefined();
  expect(ok.result).toMatchObject({ drill: true, verified: true, deleted: true });
  expect(fake.branches().some((b) => b.id === ok.result!.restoredIdentifier)).toBe(false);
  expect(ok.result!.restoredIdentifier).toBeTruthy();
  // expires_at was set, so Neon removes the branch itself should this run die before deleting it.
  expect(fake.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/branches/${ok.result!.restoredIdentifier}`) && r.status === 200)).toBe(true);
  await new Promise((r) => setTimeout(r, 1100)); // a new default name (second resolution)
  const bad = await restore(request({ drill: true, verify: { ...VERIFY, expectCounts: { items: 3 } } }));
  expect(bad.error).toBeInstanceOf(RestoreFailedError);
  expect(bad.error!.message).toMatch(/rows in items: 2, expected 3/);
  expect((bad.error as RestoreFailedError).result.deleted).toBe(true);
  expect(fake.branches().some((b) => b.id === (bad.error as RestoreFailedError).result.restoredIdentifier)).toBe(false);
});

test('a point in time of the source branch as a new branch', async () => {
  const at = new Date(Date.now() - 60_000);
  const { result, error } = await restore(request({ restoreTime: at, targetIdentifier: 'production-at-time' }));
  expect(error).toBeUndefined();
  expect(result!.snapshotIdentifier).toBe(`production@${at.toISOString()}`);
  const branch = fake.branches().find((b) => b.id === result!.restoredIdentifier)!;
  expect(branch).toMatchObject({ name: 'production-at-time', parentId: production.id });
});

test('pre-flight: unknown snapshot, taken target name, recorded counts are refused before anything is created', async () => {
  const before = fake.branches().length;
  const missing = await restore(request({ snapshotIdentifier: 'no-such-snapshot' }));
  expect(missing.error).toBeInstanceOf(InputError);
  expect(missing.error!.message).toMatch(/Input 'snapshot-identifier': no snapshot with id or name 'no-such-snapshot'/);
  const taken = await restore(request({ targetIdentifier: 'production' }));
  expect(taken.error!.message).toMatch(/Input 'target-identifier': a branch named production already exists/);
  const recorded = await restore(request({ verify: { ...VERIFY, expectCounts: 'recorded' } }));
  expect(recorded.error!.message).toMatch(/Input 'expect-counts': 'recorded' applies to RDS snapshots/);
  expect(fake.branches().length).toBe(before);
});

test('the post step deletes a drill branch left behind', async () => {
  const { result } = await restore(request({ targetIdentifier: 'production-left-behind' }));
  const log = new MemoryLog();
  const deleted = await deleteNeonTarget(
    { provider: 'neon', kind: 'branch', id: result!.restoredIdentifier, projectId: fake.projectId, apiHost: fake.apiHost },
    { apiKey: fake.apiKey, waitTimeoutSeconds: 30, log },
  );
  expect(deleted).toBe(true);
  expect(fake.branches().some((b) => b.id === result!.restoredIdentifier)).toBe(false);
  const again = await deleteNeonTarget(
    { provider: 'neon', kind: 'branch', id: result!.restoredIdentifier, projectId: fake.projectId, apiHost: fake.apiHost },
    { apiKey: fake.apiKey, waitTimeoutSeconds: 30, log },
  );
  expect(again).toBe(false);
  // Cancelled while the restore call was in flight: the post step knows only the planned name.
  const { result: second } = await restore(request({ targetIdentifier: 'production-in-flight' }));
  const byName = await deleteNeonTarget(
    { provider: 'neon', kind: 'branch', id: '', name: 'production-in-flight', projectId: fake.projectId, apiHost: fake.apiHost },
    { apiKey: fake.apiKey, waitTimeoutSeconds: 30, log },
  );
  expect(byName).toBe(true);
  expect(fake.branches().some((b) => b.id === second!.restoredIdentifier)).toBe(false);
});

test('a target branch name with a control character (a newline), or padded with spaces, is refused naming target-identifier', () => {
  for (const bad of ['drill\nnext', 'drill\u0007', ' drill', '', 'x'.repeat(257)]) {
    expect(() => validateTargetIdentifier(bad, 'branch', 'production')).toThrow(/Input 'target-identifier': .*not a usable Neon branch name/);
  }
  // Quotes and shell syntax are only characters in a name that goes nowhere near a shell.
  expect(validateTargetIdentifier(`drill $(id) "x"`, 'branch', 'production')).toBe(`drill $(id) "x"`);
  expect(() => validateTargetIdentifier('production', 'branch', 'production')).toThrow(/is the source branch itself/);
});

describe("the request's timing paces the polling of the restore's Neon operations", () => {
  // As for snapshots: an operation that runs for seconds and a first poll interval longer than
  // wait-timeout leave no second look, so the wait stops at once. Ignoring the timing (Neon's
  // 100 ms pace) would see the restore finish and succeed.
  let slow: FakeNeon;
  beforeAll(async () => {
    slow = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL!, operationDelayMs: 6_000 });
    await slow.seedBranch({ name: 'production', withEndpoint: true });
  });
  afterAll(async () => {
    expect(slow.violations).toEqual([]);
    await slow.close();
  });

  test('a poll interval beyond wait-timeout stops the wait after the first look', async () => {
    const { error } = await restore(
      request({
        apiKey: slow.apiKey,
        projectId: slow.projectId,
        apiHost: slow.apiHost,
        restoreTime: new Date(Date.now() - 1000),
        targetIdentifier: 'production-paced',
        waitTimeoutSeconds: 30,
        timing: { pollFloorMs: 120_000 },
      }),
    );
    expect(error?.message).toMatch(/wait-timeout|not finished|did not finish|timed out/i);
  });
});
