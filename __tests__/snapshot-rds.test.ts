// The RDS snapshot core driven over HTTP: the real @aws-sdk/client-rds against the fake
// RDS endpoint (AWS_ENDPOINT_URL_RDS), with faults injected the way RDS produces them.
import { startFakeRds, type FakeRds } from './fakes/rds/server.js';
import { takeRdsSnapshot, type RdsSnapshotRequest } from '../src/snapshot/rds.js';
import { SnapshotIncompleteError } from '../src/snapshot/types.js';
import { InputError, PermanentError } from '../src/shared/errors.js';
import { MemoryLog } from './support/memory-log.js';

let fake: FakeRds;
const RUN = { repository: 'example-org/example-app', sha: 'abc1234def5678abc1234def5678abc1234def56', runId: '9000000001', runAttempt: '1' };
const DAY = 86_400_000;
let counter = 0;

beforeAll(async () => {
  // Small pages, so every listing walks Marker pagination as it would past 100 snapshots.
  // Long enough that the first poll sees the snapshot creating even on a loaded machine.
  fake = await startFakeRds({ snapshotDelayMs: 600, pageSize: 2 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_RDS: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
  });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.clearFaults();
  fake.setSnapshotDelay(150);
});

/** A fresh instance (and run id) per test, so tests do not see each other's snapshots. */
function instance(prefix = 'app'): string {
  const id = `${prefix}-${++counter}`;
  fake.addInstance({ id });
  return id;
}

function request(overrides: Partial<RdsSnapshotRequest> & { target: RdsSnapshotRequest['target'] }): RdsSnapshotRequest {
  return {
    wait: true,
    waitTimeoutSeconds: 20,
    userTags: [],
    pruneDryRun: false,
    run: { ...RUN, runId: String(9_100_000_000 + counter) },
    timing: { pollFloorMs: 20 },
    ...overrides,
  };
}

async function take(req: RdsSnapshotRequest) {
  const log = new MemoryLog();
  try {
    return { result: await takeRdsSnapshot(req, { log }), log, error: undefined };
  } catch (error) {
    return { result: undefined, log, error: error as Error };
  }
}

const marked = (extra: Record<string, string> = {}) =>
  Object.entries({ 'managed-by': 'preview-db', repository: 'example-org/example-app', 'workflow-run': '1', ...extra }).map(([Key, Value]) => ({ Key, Value }));

test('happy path, instance: tagged, waited for with progress, restore command', async () => {
  const id = instance();
  const req = request({ target: { kind: 'instance', id }, userTags: [['team', 'payments']] });
  const { result, log, error } = await take(req);
  expect(error).toBeUndefined();
  expect(result).toMatchObject({ provider: 'rds', status: 'available', reused: false, pruned: [] });
  expect(result!.snapshotId).toMatch(new RegExp(`^pre-deploy-\\d{8}-\\d{6}-abc1234-${req.run.runId}-1$`));
  expect(result!.snapshotArn).toBe(`arn:aws:rds:us-east-1:123456789012:snapshot:${result!.snapshotId}`);
  expect(Date.parse(result!.createdAt!)).toBeGreaterThan(Date.now() - 60_000);
  expect(result!.restoreCommand).toBe(
    `aws rds restore-db-instance-from-db-snapshot --region us-east-1 --db-snapshot-identifier ${result!.snapshotId} --db-instance-identifier ${id}-restored`,
  );
  const tags = Object.fromEntries(fake.snapshot(result!.snapshotId)!.tags.map((t) => [t.Key, t.Value]));
  expect(tags).toEqual({
    team: 'payments',
    'managed-by': 'preview-db',
    repository: 'example-org/example-app',
    commit: RUN.sha,
    'workflow-run': req.run.runId,
    'run-attempt': '1',
  });
  expect(log.text()).toMatch(/creating \d+%/);
  expect(log.text()).toMatch(/available 100%/);
  expect(fake.calls('CreateDBSnapshot').filter((r) => r.params.DBInstanceIdentifier === id)).toHaveLength(1);
});

test('happy path, cluster: a cluster snapshot and the cluster restore command', async () => {
  const id = `orders-cluster-${++counter}`;
  fake.addCluster({ id, members: [`${id}-a`, `${id}-b`] });
  const { result, error } = await take(request({ target: { kind: 'cluster', id }, snapshotIdentifier: `before-release-${counter}` }));
  expect(error).toBeUndefined();
  expect(result).toMatchObject({
    status: 'available',
    snapshotId: `before-release-${counter}`,
    snapshotArn: `arn:aws:rds:us-east-1:123456789012:cluster-snapshot:before-release-${counter}`,
  });
  expect(result!.restoreCommand).toContain(
    `aws rds restore-db-cluster-from-snapshot --region us-east-1 --snapshot-identifier before-release-${counter} --db-cluster-identifier ${id}-restored --engine aurora-postgresql`,
  );
  expect(fake.snapshot(result!.snapshotId, 'us-east-1', 'cluster')!.sourceId).toBe(id);
});

test('an Aurora member instance is refused with the cluster to name instead, before any snapshot', async () => {
  const id = `aurora-${++counter}`;
  fake.addCluster({ id, members: [`${id}-writer`] });
  const before = fake.calls('CreateDBSnapshot').length + fake.calls('CreateDBClusterSnapshot').length;
  const { error } = await take(request({ target: { kind: 'instance', id: `${id}-writer` } }));
  expect(error).toBeInstanceOf(InputError);
  expect(error!.message).toContain(`Set db-cluster-identifier: ${id}`);
  expect(fake.calls('CreateDBSnapshot').length + fake.calls('CreateDBClusterSnapshot').length).toBe(before);
});

test('an unknown instance and an illegal explicit identifier are input errors; the identifier is checked before any call', async () => {
  const missing = await take(request({ target: { kind: 'instance', id: 'no-such-db' } }));
  expect(missing.error).toBeInstanceOf(InputError);
  expect(missing.error!.message).toMatch(/db-instance-identifier.*no DB instance no-such-db in us-east-1/);
  const calls = fake.requests.length;
  const illegal = await take(request({ target: { kind: 'cluster', id: instance() }, snapshotIdentifier: '1-bad--i_d-' }));
  expect(illegal.error).toBeInstanceOf(InputError);
  expect(illegal.error!.message).toMatch(/snapshot-identifier.*must start with a letter.*'_'.*two hyphens.*ends with a hyphen/);
  expect(fake.requests.length).toBe(calls);
  const long = await take(request({ target: { kind: 'cluster', id: instance() }, snapshotIdentifier: `a${'b'.repeat(63)}` }));
  expect(long.error!.message).toMatch(/64 characters long; cluster snapshots allow at most 63/);
});

test('a full snapshot quota fails before snapshotting, listing what pruning would remove', async () => {
  const region = 'ap-south-1';
  fake.addInstance({ id: 'quota-db', region });
  fake.setQuotaMax(4, region);
  const now = Date.now();
  fake.addSnapshot({ id: 'q-old-1', sourceId: 'quota-db', region, createdAt: now - 30 * DAY, tags: marked() });
  fake.addSnapshot({ id: 'q-old-2', sourceId: 'quota-db', region, createdAt: now - 20 * DAY, tags: marked() });
  fake.addSnapshot({ id: 'q-new', sourceId: 'quota-db', region, createdAt: now - 1 * DAY, tags: marked() });
  fake.addSnapshot({ id: 'q-by-hand', sourceId: 'quota-db', region, createdAt: now - 40 * DAY });
  const { error } = await take(request({ target: { kind: 'instance', id: 'quota-db' }, region, retainCount: 2 }));
  expect(error).toBeInstanceOf(PermanentError);
  expect(error!.message).toContain('quota in ap-south-1 is full (4 of 4 used)');
  expect(error!.message).toMatch(/- q-old-2 .*not among the 2 newest \(#3\)/);
  expect(error!.message).toMatch(/- q-old-1 .*not among the 2 newest \(#4\)/);
  expect(error!.message).not.toContain('q-by-hand');
  expect(error!.message).not.toMatch(/- q-new/);
  expect(fake.calls('CreateDBSnapshot').filter((r) => r.region === region)).toHaveLength(0);
  const noRules = await take(request({ target: { kind: 'instance', id: 'quota-db' }, region }));
  expect(noRules.error!.message).toContain('Set retain-count and/or retain-days');
});

test('a busy instance (backing-up, then InvalidDBInstanceState) is waited out', async () => {
  const id = instance('busy');
  fake.lockInstance(id, 1000);
  fake.inject({
    action: 'CreateDBSnapshot',
    code: 'InvalidDBInstanceState',
    message: `Cannot create a snapshot because the database instance ${id} is not currently in the available state.`,
    times: 2,
  });
  const { result, log, error } = await take(request({ target: { kind: 'instance', id } }));
  expect(error).toBeUndefined();
  expect(result!.status).toBe('available');
  expect(log.text()).toContain("is 'backing-up'");
  expect(log.text()).toMatch(/CreateDBSnapshot: busy: Cannot create a snapshot.*attempt 2/);
  expect(
    fake
      .calls('CreateDBSnapshot')
      .filter((r) => r.params.DBInstanceIdentifier === id)
      .map((r) => r.status),
  ).toEqual([400, 400, 200]);
});

test('throttling and 5xx are retried', async () => {
  const id = instance('throttled');
  fake.inject({ action: 'DescribeDBSnapshots', code: 'Throttling', message: 'Rate exceeded', times: 3 });
  fake.inject({ action: 'CreateDBSnapshot', code: 'InternalFailure', status: 503, message: 'Service unavailable' });
  const { result, log, error } = await take(request({ target: { kind: 'instance', id } }));
  expect(error).toBeUndefined();
  expect(result!.status).toBe('available');
  expect(log.text()).toContain('throttled by RDS (Throttling)');
  expect(log.text()).toContain('RDS answered 503');
});

test('a snapshot that ends failed fails the run, names the snapshot, and nothing is pruned', async () => {
  const id = instance('failing');
  fake.addSnapshot({ id: `${id}-old`, sourceId: id, createdAt: Date.now() - 10 * DAY, tags: marked() });
  fake.setSnapshotFate('failed');
  const { error } = await take(request({ target: { kind: 'instance', id }, retainCount: 1 }));
  expect(error).toBeInstanceOf(SnapshotIncompleteError);
  expect(error!.message).toMatch(/snapshot pre-deploy-.* ended in state 'failed'/);
  expect((error as SnapshotIncompleteError).partial.status).toBe('failed');
  expect(fake.snapshot(`${id}-old`)).toBeDefined();
  expect(fake.calls('DeleteDBSnapshot').filter((call) => JSON.stringify(call).includes(id))).toHaveLength(0);
});

test('a snapshot that vanishes while waiting is an error, never success', async () => {
  const id = instance('vanishing');
  fake.setSnapshotDelay(400);
  fake.setSnapshotFate('vanish');
  const { error } = await take(request({ target: { kind: 'instance', id } }));
  expect(error).toBeInstanceOf(SnapshotIncompleteError);
  expect(error!.message).toContain('was not found while waiting for it');
  expect((error as SnapshotIncompleteError).partial.status).toBe('not-found');
});

test('a re-run of the same workflow run finds its snapshot by tags and reuses it', async () => {
  const id = instance('rerun');
  const first = await take(request({ target: { kind: 'instance', id }, wait: false }));
  expect(first.result!.status).toBe('creating');
  const req = request({ target: { kind: 'instance', id } });
  const second = await take({ ...req, run: { ...req.run, runAttempt: '2' } });
  expect(second.error).toBeUndefined();
  expect(second.result).toMatchObject({ snapshotId: first.result!.snapshotId, reused: true, status: 'available' });
  expect(second.log.text()).toMatch(/already took .*attempt 1.*reusing it/);
  expect(fake.calls('CreateDBSnapshot').filter((r) => r.params.DBInstanceIdentifier === id)).toHaveLength(1);
  // Another run of the workflow takes its own.
  const other = await take(request({ target: { kind: 'instance', id }, run: { ...RUN, runId: '777' } }));
  expect(other.result!.reused).toBe(false);
  expect(other.result!.snapshotId).not.toBe(first.result!.snapshotId);
});

test('an explicit identifier that exists and is not ours is an error; ours is reused', async () => {
  const id = instance('taken');
  fake.addSnapshot({ id: `taken-name-${counter}`, sourceId: id, tags: [{ Key: 'owner', Value: 'dba' }] });
  const { error } = await take(request({ target: { kind: 'instance', id }, snapshotIdentifier: `taken-name-${counter}` }));
  expect(error).toBeInstanceOf(InputError);
  expect(error!.message).toMatch(/snapshot-identifier.*already exists in us-east-1 .*not taken by this workflow run/);
  expect(fake.snapshot(`taken-name-${counter}`)!.tags).toEqual([{ Key: 'owner', Value: 'dba' }]);
  const req = request({ target: { kind: 'instance', id }, snapshotIdentifier: `ours-${counter}` });
  fake.addSnapshot({ id: `ours-${counter}`, sourceId: id, tags: marked({ 'workflow-run': req.run.runId, 'run-attempt': '1' }) });
  const ours = await take({ ...req, run: { ...req.run, runAttempt: '2' } });
  expect(ours.result).toMatchObject({ snapshotId: `ours-${counter}`, reused: true, status: 'available' });
});

test('pruning over RDS: count and days combined, unmarked and the new one never removed; dry run removes nothing', async () => {
  const id = instance('prune');
  const now = Date.now();
  const seed = () => {
    for (const [name, days] of [
      ['p-1d', 1],
      ['p-5d', 5],
      ['p-10d', 10],
      ['p-40d', 40],
    ] as const)
      fake.addSnapshot({ id: `${id}-${name}`, sourceId: id, createdAt: now - days * DAY, tags: marked() });
    fake.addSnapshot({ id: `${id}-by-hand`, sourceId: id, createdAt: now - 400 * DAY });
    fake.addSnapshot({ id: `${id}-other-db`, sourceId: 'someone-else', createdAt: now - 400 * DAY, tags: marked() });
  };
  seed();
  const dry = await take(request({ target: { kind: 'instance', id }, retainCount: 2, retainDays: 7, pruneDryRun: true }));
  expect(dry.error).toBeUndefined();
  expect(dry.result!.pruned).toEqual([`${id}-p-10d`, `${id}-p-40d`]);
  expect(dry.log.text()).toContain(`would remove ${id}-p-40d: not among the 2 newest (#5) and older than 7d`);
  expect(fake.calls('DeleteDBSnapshot').filter((call) => JSON.stringify(call).includes(id))).toHaveLength(0);

  // A later workflow run (a different run id) prunes for real.
  const real = await take(request({ target: { kind: 'instance', id }, retainCount: 2, retainDays: 7, run: { ...RUN, runId: '9200000001' } }));
  expect(real.result!.pruned).toEqual([`${id}-p-10d`, `${id}-p-40d`]);
  const left = [...fake.state.snapshots.values()]
    .filter((s) => s.sourceId === id)
    .map((s) => s.id)
    .sort();
  expect(left).toEqual([dry.result!.snapshotId, real.result!.snapshotId, `${id}-by-hand`, `${id}-p-1d`, `${id}-p-5d`].sort());
  expect(fake.snapshot(`${id}-other-db`)).toBeDefined();
  const byId = Object.fromEntries(real.result!.pruneDecisions.map((d) => [d.id, d]));
  expect(byId[real.result!.snapshotId]!.reason).toBe('the snapshot just taken');
  expect(byId[`${id}-by-hand`]!.reason).toMatch(/no managed-by=preview-db tag/);
  expect(byId[`${id}-p-5d`]!.reason).toMatch(/younger than 7d/);
  expect(fake.calls('DescribeDBSnapshots').filter((r) => r.params.DBInstanceIdentifier === id && r.params.Marker).length).toBeGreaterThan(2);
});

test('a pruning failure (no permission to delete) is a warning; the new snapshot still counts', async () => {
  const id = instance('no-delete');
  fake.addSnapshot({ id: `${id}-old`, sourceId: id, createdAt: Date.now() - 30 * DAY, tags: marked() });
  fake.inject({ action: 'DeleteDBSnapshot', code: 'AccessDenied', status: 403, message: 'User is not authorized to perform: rds:DeleteDBSnapshot' });
  const { result, log, error } = await take(request({ target: { kind: 'instance', id }, retainDays: 7 }));
  expect(error).toBeUndefined();
  expect(result).toMatchObject({ status: 'available', pruned: [] });
  expect(log.text('warning')).toMatch(/Pruning stopped: User is not authorized to perform: rds:DeleteDBSnapshot\. Snapshot pre-deploy-\S+ itself is available/);
  expect(fake.snapshot(`${id}-old`)).toBeDefined();
});

test('copy-to-region copies the snapshot with its tags and waits for the copy', async () => {
  const id = instance('dr');
  const { result, log, error } = await take(request({ target: { kind: 'instance', id }, copyToRegion: 'eu-west-1' }));
  expect(error).toBeUndefined();
  expect(result!.copy).toEqual({
    region: 'eu-west-1',
    snapshotId: result!.snapshotId,
    snapshotArn: `arn:aws:rds:eu-west-1:123456789012:snapshot:${result!.snapshotId}`,
    status: 'available',
  });
  const copy = fake.snapshot(result!.snapshotId, 'eu-west-1')!;
  expect(copy.copiedFrom).toBe(result!.snapshotArn);
  expect(Object.fromEntries(copy.tags.map((t) => [t.Key, t.Value]))).toMatchObject({ 'managed-by': 'preview-db', 'workflow-run': expect.any(String) });
  expect(log.text()).toMatch(/copy of .* in eu-west-1: (pending|copying)/);
  expect(fake.calls('CopyDBSnapshot')[0]!.region).toBe('eu-west-1');
});

test('an encrypted database: the copy is refused without copy-kms-key-id before any snapshot, and made with it', async () => {
  const id = `encrypted-${++counter}`;
  fake.addInstance({ id, encrypted: true });
  const before = fake.calls('CreateDBSnapshot').length;
  const refused = await take(request({ target: { kind: 'instance', id }, copyToRegion: 'eu-west-1' }));
  expect(refused.error).toBeInstanceOf(InputError);
  expect(refused.error!.message).toMatch(
    /Input 'copy-kms-key-id': DB instance \S+ in us-east-1 is encrypted, so its snapshot's copy in eu-west-1 must be encrypted with a KMS key of that region/,
  );
  expect(fake.calls('CreateDBSnapshot').length).toBe(before);

  const key = 'arn:aws:kms:eu-west-1:123456789012:alias/rds-dr';
  const { result, error } = await take(request({ target: { kind: 'instance', id }, copyToRegion: 'eu-west-1', copyKmsKeyId: key }));
  expect(error).toBeUndefined();
  expect(fake.snapshot(result!.snapshotId)!.encrypted).toBe(true);
  const copy = fake.snapshot(result!.snapshotId, 'eu-west-1')!;
  expect(copy).toMatchObject({ encrypted: true, kmsKeyId: key });
  expect(fake.calls('CopyDBSnapshot').at(-1)!.params.KmsKeyId).toBe(key);
});

test("the fake refuses a cross-region copy of an encrypted snapshot without a key, in each API's own words", async () => {
  const { RDSClient, CopyDBSnapshotCommand, CopyDBClusterSnapshotCommand } = await import('@aws-sdk/client-rds');
  fake.addSnapshot({ id: `enc-${++counter}`, sourceId: 'somewhere', encrypted: true });
  fake.addSnapshot({ kind: 'cluster', id: `enc-cluster-${counter}`, sourceId: 'somewhere', encrypted: true });
  const client = new RDSClient({ region: 'eu-west-1' });
  await expect(
    client.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:us-east-1:123456789012:snapshot:enc-${counter}`,
        TargetDBSnapshotIdentifier: `enc-${counter}`,
      }),
    ),
  ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Must specify new KMS key for cross region encrypted snapshot copy.' });
  await expect(
    client.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: `arn:aws:rds:us-east-1:123456789012:cluster-snapshot:enc-cluster-${counter}`,
        TargetDBClusterSnapshotIdentifier: `enc-cluster-${counter}`,
      }),
    ),
  ).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
  client.destroy();
});

test('credentials expiring during the wait end the run naming the snapshot still being created', async () => {
  const id = instance('expiring');
  fake.setSnapshotDelay(2_000);
  // The pre-flight listing and the first poll pass; then the session is over.
  fake.inject({
    action: 'DescribeDBSnapshots',
    code: 'ExpiredToken',
    message: 'The security token included in the request is expired',
    times: Infinity,
    skip: 2,
  });
  const { error } = await take(request({ target: { kind: 'instance', id } }));
  expect(error).toBeInstanceOf(SnapshotIncompleteError);
  const partial = (error as SnapshotIncompleteError).partial;
  expect(partial.status).toBe('creating');
  expect(error!.message).toContain(`AWS credentials expired while waiting for snapshot ${partial.snapshotId}`);
  expect(error!.message).toMatch(/was still being created .*do not take another/);
});

test('credentials already expired: no snapshot taken, and the message says so', async () => {
  const id = instance('stale-creds');
  fake.expireCredentials();
  const { error } = await take(request({ target: { kind: 'instance', id } }));
  expect(error).toBeInstanceOf(PermanentError);
  expect(error!.message).toMatch(/credentials expired or were rejected before checking the database .*no snapshot was taken/);
});

test('a snapshot still creating at wait-timeout fails with its identifier', async () => {
  const id = instance('slow');
  fake.setSnapshotDelay(10_000);
  const { error } = await take(request({ target: { kind: 'instance', id }, waitTimeoutSeconds: 1 }));
  expect(error).toBeInstanceOf(SnapshotIncompleteError);
  expect(error!.message).toMatch(/did not finish within wait-timeout \(1s\): snapshot pre-deploy-\S+ is creating/);
});
