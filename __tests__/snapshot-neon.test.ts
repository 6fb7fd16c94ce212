// Neon snapshots through the real @neondatabase/api-client against the fake Neon API (which
// checks every exchange against Neon's OpenAPI spec and keeps real copies of the databases).
import { createApiClient } from '@neondatabase/api-client';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { neonOperationPolling, takeNeonSnapshot, neonSnapshotName, neonSnapshotTags, type NeonSnapshotRequest } from '../src/snapshot/neon.js';
import { SnapshotIncompleteError } from '../src/snapshot/types.js';
import { InputError } from '../src/shared/errors.js';
import { MemoryLog } from './support/memory-log.js';

let fake: FakeNeon;
const RUN = { repository: 'example-org/example-app', sha: 'abc1234def5678abc1234def5678abc1234def56', runId: '9500000001', runAttempt: '1' };

beforeAll(async () => {
  fake = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL! });
});
afterAll(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

function request(overrides: Partial<NeonSnapshotRequest> = {}): NeonSnapshotRequest {
  return {
    apiKey: fake.apiKey,
    projectId: fake.projectId,
    apiHost: fake.apiHost,
    wait: true,
    waitTimeoutSeconds: 30,
    userTags: [],
    pruneDryRun: false,
    run: RUN,
    timing: { pollFloorMs: 20 },
    ...overrides,
  };
}

async function take(req: NeonSnapshotRequest) {
  const log = new MemoryLog();
  try {
    return { result: await takeNeonSnapshot(req, { log }), log, error: undefined };
  } catch (error) {
    return { result: undefined, log, error: error as Error };
  }
}

test('the name carries what RDS keeps in tags', () => {
  const name = neonSnapshotName('pre-deploy-20261122-014509-abc1234-9500000001-1', RUN);
  expect(name).toBe('pre-deploy-20261122-014509-abc1234-9500000001-1 (preview-db example-org/example-app run 9500000001 attempt 1)');
  expect(neonSnapshotTags(name)).toEqual({
    'managed-by': 'preview-db',
    repository: 'example-org/example-app',
    'workflow-run': '9500000001',
    'run-attempt': '1',
  });
  expect(neonSnapshotTags('nightly backup')).toEqual({});
});

test('a snapshot of the default branch, reused by a re-run, with a restore command', async () => {
  fake.inject({ method: 'POST', path: /\/snapshot/, status: 503, times: 1 });
  const first = await take(request());
  expect(first.error).toBeUndefined();
  expect(first.result).toMatchObject({ provider: 'neon', status: 'available', reused: false });
  expect(first.log.text()).toMatch(/retry 1/);
  const stored = fake.snapshots().find((s) => s.id === first.result!.snapshotId)!;
  expect(stored.sourceBranchId).toBe(fake.defaultBranch.id);
  expect(stored.name).toMatch(/^pre-deploy-\d{8}-\d{6}-abc1234-9500000001-1 \(preview-db example-org\/example-app run 9500000001 attempt 1\)$/);
  expect(first.result!.restoreCommand).toBe(
    `curl -sS -X POST -H "Authorization: Bearer $NEON_API_KEY" -H 'Content-Type: application/json' -d '{"name":"${fake.defaultBranch.name}-restored","finalize_restore":false}' ${fake.apiHost}/projects/${fake.projectId}/snapshots/${first.result!.snapshotId}/restore`,
  );

  const again = await take(request({ run: { ...RUN, runAttempt: '2' } }));
  expect(again.result).toMatchObject({ snapshotId: first.result!.snapshotId, reused: true, status: 'available' });
  expect(fake.snapshots().filter((s) => s.sourceBranchId === fake.defaultBranch.id)).toHaveLength(1);
});

test('pruning removes only our old snapshots of the same branch; dry run removes nothing', async () => {
  const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
  const branch = await fake.seedBranch({ name: 'production-like', withEndpoint: false });
  const ours = async (runId: string) =>
    (await api.createSnapshot({ projectId: fake.projectId, branchId: branch.id, name: neonSnapshotName(`pre-deploy-${runId}`, { ...RUN, runId }) })).data
      .snapshot.id;
  const older = await ours('100');
  await new Promise((r) => setTimeout(r, 1100)); // distinct creation seconds
  const newer = await ours('200');
  const byHand = (await api.createSnapshot({ projectId: fake.projectId, branchId: branch.id, name: 'before-manual-fix' })).data.snapshot.id;
  // Neon's timestamps have whole seconds: the next snapshot must be newer than `newer`, not tied with it.
  await new Promise((r) => setTimeout(r, 1100));

  const dry = await take(request({ branch: 'production-like', retainCount: 2, pruneDryRun: true, run: { ...RUN, runId: '300' } }));
  expect(dry.error).toBeUndefined();
  expect(dry.result!.pruned).toEqual([older]);
  expect(fake.snapshots().map((s) => s.id)).toContain(older);

  const real = await take(request({ branch: branch.id, retainCount: 2, run: { ...RUN, runId: '400' } }));
  expect(real.result!.pruned.sort()).toEqual([older, newer].sort());
  const left = fake
    .snapshots()
    .filter((s) => s.sourceBranchId === branch.id)
    .map((s) => s.id)
    .sort();
  expect(left).toEqual([byHand, dry.result!.snapshotId, real.result!.snapshotId].sort());
  expect(real.result!.pruneDecisions.find((d) => d.id === byHand)!.reason).toMatch(/no managed-by=preview-db tag/);
});

test('an unknown branch is an input error; a snapshot that disappears is not success', async () => {
  const missing = await take(request({ branch: 'no-such-branch' }));
  expect(missing.error).toBeInstanceOf(InputError);
  expect(missing.error!.message).toContain("no branch named or with id 'no-such-branch'");

  // The snapshot list no longer shows it once its operations finish.
  fake.inject({ method: 'GET', path: /\/snapshots$/, status: 200, times: 2, body: { snapshots: [] } });
  const gone = await take(request({ run: { ...RUN, runId: '500' } }));
  expect(gone.error).toBeInstanceOf(SnapshotIncompleteError);
  expect(gone.error!.message).toMatch(/was not found after it was taken/);
});

describe("the request's timing paces the polling of Neon's operations", () => {
  // An operation that runs for seconds: a first poll interval longer than wait-timeout leaves no
  // second look, so the wait stops at once. Ignoring the timing (Neon's 100 ms pace) would see
  // the snapshot finish and succeed.
  let slow: FakeNeon;
  beforeAll(async () => {
    slow = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL!, operationDelayMs: 8_000 });
  });
  afterAll(async () => {
    expect(slow.violations).toEqual([]);
    await slow.close();
  });

  test('a poll interval beyond wait-timeout stops the wait after the first look', async () => {
    const { error, log } = await take({
      ...request(),
      apiKey: slow.apiKey,
      projectId: slow.projectId,
      apiHost: slow.apiHost,
      waitTimeoutSeconds: 30,
      timing: { pollFloorMs: 120_000 },
    });
    expect(error).toBeInstanceOf(SnapshotIncompleteError);
    expect((error as SnapshotIncompleteError).partial.status).toBe('creating');
    expect(error!.message).toMatch(/not finished within wait-timeout \(30s\)/);
    expect(log.lines.map((l) => l.message).join('\n')).not.toMatch(/is available/);
  });

  test('without timing, Neon keeps its own pace', () => {
    expect(neonOperationPolling(undefined)).toEqual({});
    expect(neonOperationPolling({ pollFloorMs: 20 })).toEqual({ initialIntervalMs: 20, maxIntervalMs: 100 });
  });
});
