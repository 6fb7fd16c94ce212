// The restore core against the fake RDS endpoint through the real @aws-sdk/client-rds, and
// verification against the real test Postgres (the fake reports it as the restored endpoint).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RDSClient, RestoreDBInstanceFromDBSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { startFakeRds, type FakeRds } from './fakes/rds/server.js';
import { restoreRds, RestoreFailedError, type RdsRestoreRequest } from '../src/restore/index.js';
import { InputError, PermanentError } from '../src/shared/errors.js';
import { MemoryLog } from './support/memory-log.js';
import { sql, databaseUrl } from './support/sql.js';

let fake: FakeRds;
let verifyUrl: string;
const RUN = { repository: 'example-org/example-app', sha: 'abc1234def5678abc1234def5678abc1234def56', runId: '9000000001', runAttempt: '1' };
const HOUR = 3_600_000;
const marked = (extra: Record<string, string> = {}) =>
  Object.entries({ 'managed-by': 'preview-db', repository: 'example-org/example-app', 'workflow-run': '1', ...extra }).map(([Key, Value]) => ({ Key, Value }));
let counter = 0;

beforeAll(async () => {
  const admin = process.env.TEST_DATABASE_URL!;
  await sql(admin, 'DROP DATABASE IF EXISTS restore_verify');
  await sql(admin, 'CREATE DATABASE restore_verify');
  verifyUrl = databaseUrl(admin, 'restore_verify');
  await sql(
    verifyUrl,
    'CREATE TABLE orders (id int primary key); INSERT INTO orders SELECT generate_series(1, 3); CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); INSERT INTO billing.invoices VALUES (1), (2)',
  );
  const pgUrl = new URL(admin);
  fake = await startFakeRds({ instanceDelayMs: 400, restoredEndpoint: { address: pgUrl.hostname, port: Number(pgUrl.port) } });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_RDS: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
  });
});
afterAll(async () => {
  await fake.close();
  await sql(process.env.TEST_DATABASE_URL!, 'DROP DATABASE IF EXISTS restore_verify WITH (FORCE)');
});
afterEach(() => {
  fake.clearFaults();
  fake.setInstanceQuotaMax(40);
});

/** A source instance with settings a restore does not carry, and a pre-deploy snapshot of it. */
function source(options: { snapshotTags?: Record<string, string> } = {}) {
  const id = `orders-${++counter}`;
  fake.addInstance({
    id,
    instanceClass: 'db.m6g.large',
    subnetGroup: 'app-private',
    securityGroups: ['sg-0app1', 'sg-0app2'],
    parameterGroup: 'app-pg16',
    optionGroup: 'app-options',
    multiAz: true,
    storageType: 'gp3',
    tags: [
      { Key: 'team', Value: 'payments' },
      { Key: 'managed-by', Value: 'terraform' },
    ],
  });
  const snapshotId = `pre-deploy-${id}`;
  fake.addSnapshot({ id: snapshotId, sourceId: id, createdAt: Date.now() - HOUR, tags: marked(options.snapshotTags) });
  return { id, snapshotId };
}

function request(overrides: Partial<RdsRestoreRequest> & { source: RdsRestoreRequest['source'] }): RdsRestoreRequest {
  return { drill: false, waitTimeoutSeconds: 30, userTags: [], run: RUN, timing: { pollFloorMs: 20 }, ...overrides };
}

async function restore(req: RdsRestoreRequest) {
  const log = new MemoryLog();
  try {
    return { result: await restoreRds(req, { log }), log, error: undefined };
  } catch (error) {
    return { result: undefined, log, error: error as Error };
  }
}

const restoreCalls = () => fake.calls('RestoreDBInstanceFromDBSnapshot').length + fake.calls('RestoreDBClusterFromSnapshot').length;

test('an instance restore: a new instance with the source settings a restore does not carry, creating → available', async () => {
  const { id, snapshotId } = source();
  const { result, log, error } = await restore(request({ source: { kind: 'instance', id }, userTags: [['purpose', 'rollback']] }));
  expect(error).toBeUndefined();
  expect(result!.restoredIdentifier).toMatch(new RegExp(`^${id}-restored-\\d{8}-\\d{6}$`));
  expect(result).toMatchObject({ snapshotIdentifier: snapshotId, drill: false, deleted: false });
  expect(result!.verified).toBeUndefined();
  expect(result!.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(result!.copied).toEqual(['instance class', 'subnet group', 'security groups', 'parameter group', 'option group', 'Multi-AZ', 'storage type', 'tags']);
  expect(log.text()).toMatch(/restored DB instance \S+: creating/);
  expect(log.text()).toMatch(/restored DB instance \S+: available/);
  const restored = fake.instance(result!.restoredIdentifier)!;
  expect(restored).toMatchObject({
    instanceClass: 'db.m6g.large',
    subnetGroup: 'app-private',
    securityGroups: ['sg-0app1', 'sg-0app2'],
    parameterGroup: 'app-pg16',
    optionGroup: 'app-options',
    multiAz: true,
    storageType: 'gp3',
    restoredFrom: snapshotId,
  });
  const tags = Object.fromEntries(restored.tags!.map((t) => [t.Key, t.Value]));
  // The source's tags are copied, except what describes the source itself (managed-by is ours).
  expect(tags).toMatchObject({ team: 'payments', purpose: 'rollback', 'managed-by': 'preview-db', 'restored-from': snapshotId, 'workflow-run': RUN.runId });
  expect(tags['drill-expires']).toBeUndefined();
  // The source is untouched.
  expect(fake.instance(id)!.restoredFrom).toBeUndefined();
});

test('what a bare RestoreDBInstanceFromDBSnapshot gives (the fake, judged by the SDK): defaults, not the source settings', async () => {
  const { snapshotId } = source();
  const client = new RDSClient({ region: 'us-east-1' });
  await client.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: `bare-${counter}`, DBSnapshotIdentifier: snapshotId }));
  const { DBInstances } = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `bare-${counter}` }));
  const bare = DBInstances![0]!;
  expect(bare.DBInstanceStatus).toBe('creating');
  expect(bare.Endpoint).toBeUndefined();
  expect(bare.DBInstanceClass).toBe('db.m6g.large'); // carried, as RDS documents
  expect(bare.DBSubnetGroup?.DBSubnetGroupName).toBe('default');
  expect(bare.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual(['sg-0default']);
  expect(bare.DBParameterGroups?.[0]?.DBParameterGroupName).toBe('default.postgres16');
  expect(bare.OptionGroupMemberships?.[0]?.OptionGroupName).toBe('default:postgres-16');
  expect(bare.MultiAZ).toBe(false);
  expect(bare.StorageType).toBe('gp2');
  expect(bare.TagList).toEqual([]);
  client.destroy();
});

test('snapshot choice: the newest available pre-deploy snapshot, or the newest before restore-time, or one named', async () => {
  const id = `choice-${++counter}`;
  fake.addInstance({ id });
  const now = Date.now();
  fake.addSnapshot({ id: `${id}-old`, sourceId: id, createdAt: now - 48 * HOUR, tags: marked() });
  fake.addSnapshot({ id: `${id}-mid`, sourceId: id, createdAt: now - 24 * HOUR, tags: marked() });
  fake.addSnapshot({ id: `${id}-new`, sourceId: id, createdAt: now - 2 * HOUR, tags: marked() });
  fake.addSnapshot({ id: `${id}-by-hand`, sourceId: id, createdAt: now - HOUR, tags: [] });
  fake.addSnapshot({ id: `${id}-unfinished`, sourceId: id, createdAt: now - 60_000, readyAt: now + HOUR, tags: marked() });
  const newest = await restore(request({ source: { kind: 'instance', id } }));
  expect(newest.result?.snapshotIdentifier).toBe(`${id}-new`);
  const before = await restore(request({ source: { kind: 'instance', id }, restoreTime: new Date(now - 20 * HOUR), targetIdentifier: `${id}-at-mid` }));
  expect(before.result?.snapshotIdentifier).toBe(`${id}-mid`);
  const named = await restore(request({ source: { kind: 'instance', id }, snapshotIdentifier: `${id}-by-hand`, targetIdentifier: `${id}-from-hand` }));
  expect(named.result).toMatchObject({ snapshotIdentifier: `${id}-by-hand`, restoredIdentifier: `${id}-from-hand` });
});

test('pre-flight refuses before anything is created: snapshot missing or unavailable, none before the time, target taken, quota full', async () => {
  const { id, snapshotId } = source();
  fake.addSnapshot({ id: `${id}-creating`, sourceId: id, createdAt: Date.now(), readyAt: Date.now() + HOUR, tags: marked() });
  fake.addInstance({ id: `${id}-taken` });
  const before = restoreCalls();
  const missing = await restore(request({ source: { kind: 'instance', id }, snapshotIdentifier: 'no-such-snapshot' }));
  expect(missing.error).toBeInstanceOf(InputError);
  expect(missing.error!.message).toMatch(/Input 'snapshot-identifier': no DB snapshot named no-such-snapshot in us-east-1/);
  const creating = await restore(request({ source: { kind: 'instance', id }, snapshotIdentifier: `${id}-creating` }));
  expect(creating.error!.message).toMatch(/is creating, not available: it cannot be restored yet/);
  const tooEarly = await restore(request({ source: { kind: 'instance', id }, restoreTime: new Date(Date.now() - 10 * HOUR) }));
  expect(tooEarly.error).toBeInstanceOf(PermanentError);
  expect(tooEarly.error!.message).toMatch(/No available pre-deploy snapshot of DB instance \S+ in us-east-1 taken at or before/);
  const taken = await restore(request({ source: { kind: 'instance', id }, targetIdentifier: `${id}-taken` }));
  expect(taken.error!.message).toMatch(/Input 'target-identifier': a DB instance named \S+-taken already exists/);
  fake.setInstanceQuotaMax(fake.state.instances.size);
  const full = await restore(request({ source: { kind: 'instance', id }, snapshotIdentifier: snapshotId }));
  expect(full.error!.message).toMatch(/DB instance quota in us-east-1 is full \(\d+ of \d+ used\)/);
  expect(restoreCalls()).toBe(before);
});

test('transient RDS errors are retried; the restore is called once', async () => {
  const { id } = source();
  fake.inject({ action: 'RestoreDBInstanceFromDBSnapshot', code: 'Throttling', status: 400, times: 2 });
  fake.inject({ action: 'DescribeDBInstances', code: 'InternalFailure', status: 500, skip: 3 });
  const before = fake.calls('RestoreDBInstanceFromDBSnapshot').filter((c) => c.status === 200).length;
  const { result, error } = await restore(request({ source: { kind: 'instance', id } }));
  expect(error).toBeUndefined();
  expect(result!.restoredIdentifier).toContain(id);
  expect(fake.calls('RestoreDBInstanceFromDBSnapshot').filter((c) => c.status === 200).length).toBe(before + 1);
});

describe('verification against the restored database', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'restore-checks-'));
  });
  const sqlFile = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return { path: name, text };
  };

  test('SELECT 1, recorded row counts and a SQL file of checks hold: verified, with a recovery time', async () => {
    const { id } = source({ snapshotTags: { 'row-count:orders': '3', 'row-count:billing.invoices': '2' } });
    const checks = sqlFile('ok.sql', "SELECT count(*) = 3 FROM orders;\nSELECT to_regclass('billing.invoices') IS NOT NULL AS invoices_present;");
    const { result, error } = await restore(request({ source: { kind: 'instance', id }, verify: { url: verifyUrl, expectCounts: 'recorded', sql: checks } }));
    expect(error).toBeUndefined();
    expect(result!.verified).toBe(true);
    expect(result!.checks.map((c) => [c.name, c.ok])).toEqual([
      ['SELECT 1', true],
      ['rows in orders', true],
      ['rows in billing.invoices', true],
      ['checks in ok.sql', true],
    ]);
    expect(result!.recoverySeconds).toBeGreaterThanOrEqual(result!.availableSeconds!);
    expect(result!.recoverySeconds).toBeGreaterThan(0);
  });

  test('a count that differs and a check that is false fail verification, naming both', async () => {
    const { id } = source();
    const checks = sqlFile('bad.sql', 'SELECT count(*) > 100 AS enough_orders FROM orders;');
    const { error } = await restore(
      request({ source: { kind: 'instance', id }, verify: { url: verifyUrl, expectCounts: { orders: 5, 'billing.invoices': 2 }, sql: checks } }),
    );
    expect(error).toBeInstanceOf(RestoreFailedError);
    const result = (error as RestoreFailedError).result;
    expect(result.verified).toBe(false);
    expect(error!.message).toMatch(/rows in orders: 3, expected 5/);
    expect(error!.message).toMatch(/checks in bad\.sql: statement 1 \(enough_orders\) returned false/);
    expect(result.checks.find((c) => c.name === 'rows in billing.invoices')?.ok).toBe(true);
    // Not a drill: the restored instance stays for the person rolling back to inspect.
    expect(result.deleted).toBe(false);
    expect(fake.instance(result.restoredIdentifier)?.deletingUntil).toBeUndefined();
  });

  test("expect-counts 'recorded' without recorded counts is refused before the restore", async () => {
    const { id } = source();
    const before = restoreCalls();
    const { error } = await restore(request({ source: { kind: 'instance', id }, verify: { url: verifyUrl, expectCounts: 'recorded' } }));
    expect(error!.message).toMatch(/Input 'expect-counts': is 'recorded', but snapshot \S+ carries no recorded row counts/);
    expect(restoreCalls()).toBe(before);
  });
});

describe('drill mode', () => {
  test('success: a tagged -drill- instance, verified, then deleted', async () => {
    const { id } = source();
    const { result, error } = await restore(request({ source: { kind: 'instance', id }, drill: true, verify: { url: verifyUrl } }));
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ drill: true, verified: true, deleted: true });
    expect(result!.restoredIdentifier).toMatch(new RegExp(`^${id}-drill-\\d{8}-\\d{6}$`));
    const deletes = fake.calls('DeleteDBInstance').filter((c) => c.params.DBInstanceIdentifier === result!.restoredIdentifier && c.status === 200);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.params).toMatchObject({ SkipFinalSnapshot: 'true' });
    const restored = fake.calls('RestoreDBInstanceFromDBSnapshot').find((c) => c.params.DBInstanceIdentifier === result!.restoredIdentifier)!;
    const tagKeys = Object.entries(restored.params)
      .filter(([k]) => /^Tags\.Tag\.\d+\.Key$/.test(k))
      .map(([, v]) => v);
    expect(tagKeys).toContain('drill-expires');
  });

  test('failed verification: still deleted, and the run fails', async () => {
    const { id } = source();
    const { error } = await restore(request({ source: { kind: 'instance', id }, drill: true, verify: { url: verifyUrl, expectCounts: { orders: 999 } } }));
    expect(error).toBeInstanceOf(RestoreFailedError);
    expect((error as RestoreFailedError).result).toMatchObject({ verified: false, deleted: true });
    const target = (error as RestoreFailedError).result.restoredIdentifier;
    expect(fake.calls('DeleteDBInstance').some((c) => c.params.DBInstanceIdentifier === target && c.status === 200)).toBe(true);
  });

  test('a copy that refuses the verify credentials: the connect check fails, and the copy is deleted', async () => {
    const { id } = source();
    const wrong = new URL(verifyUrl);
    wrong.password = 'not-the-password';
    const { error } = await restore(request({ source: { kind: 'instance', id }, drill: true, verify: { url: wrong.toString() } }));
    expect(error).toBeInstanceOf(RestoreFailedError);
    expect((error as RestoreFailedError).result.checks).toEqual([
      expect.objectContaining({ name: 'connect', ok: false, detail: expect.stringMatching(/password authentication failed/) }),
    ]);
    expect((error as RestoreFailedError).result).toMatchObject({ verified: false, deleted: true });
    expect(error!.message).not.toContain('not-the-password');
  });

  test('a restore that ends failed: deleted too', async () => {
    const { id } = source();
    fake.setInstanceFate('failed');
    const { error } = await restore(request({ source: { kind: 'instance', id }, drill: true }));
    expect(error).toBeInstanceOf(RestoreFailedError);
    expect(error!.message).toMatch(/ended in state 'failed'/);
    expect((error as RestoreFailedError).result.deleted).toBe(true);
  });

  test('the sweep deletes drill targets past their drill-expires tag, and nothing else', async () => {
    const { id } = source();
    const past = new Date(Date.now() - HOUR).toISOString();
    const future = new Date(Date.now() + HOUR).toISOString();
    fake.addInstance({ id: `${id}-drill-crashed`, tags: marked({ 'drill-expires': past }) });
    fake.addInstance({ id: `${id}-drill-running`, tags: marked({ 'drill-expires': future }) });
    fake.addInstance({ id: `${id}-not-ours`, tags: [{ Key: 'drill-expires', Value: past }] });
    fake.addCluster({ id: `${id}-drill-cluster`, members: [`${id}-drill-cluster-w`], tags: marked({ 'drill-expires': past }) });
    const { result, error } = await restore(request({ source: { kind: 'instance', id }, drill: true }));
    expect(error).toBeUndefined();
    expect(result!.swept.sort()).toEqual([`${id}-drill-cluster`, `${id}-drill-crashed`]);
    const deleted = (action: string, param: string) =>
      fake
        .calls(action)
        .filter((c) => c.status === 200)
        .map((c) => c.params[param]);
    expect(deleted('DeleteDBInstance', 'DBInstanceIdentifier')).toEqual(expect.arrayContaining([`${id}-drill-crashed`, `${id}-drill-cluster-w`]));
    expect(deleted('DeleteDBCluster', 'DBClusterIdentifier')).toContain(`${id}-drill-cluster`);
    expect(fake.instance(`${id}-drill-running`)?.deletingUntil).toBeUndefined();
    expect(fake.instance(`${id}-not-ours`)?.deletingUntil).toBeUndefined();
  });
});

describe('Aurora', () => {
  test('a cluster restore plus its writer, with the source cluster settings; a drill deletes both', async () => {
    const id = `aurora-${++counter}`;
    const cluster = fake.addCluster({
      id,
      members: [`${id}-a`, `${id}-b`],
      subnetGroup: 'aurora-private',
      securityGroups: ['sg-0aurora'],
      parameterGroup: 'aurora-pg16',
      tags: [{ Key: 'team', Value: 'billing' }],
    });
    fake.state.instances.get(`us-east-1/${id}-a`)!.instanceClass = 'db.r7g.xlarge';
    fake.addSnapshot({
      kind: 'cluster',
      id: `${id}-pre-deploy`,
      sourceId: cluster.id,
      engine: 'aurora-postgresql',
      createdAt: Date.now() - HOUR,
      tags: marked({ 'row-count:orders': '3' }),
    });
    const { result, error } = await restore(request({ source: { kind: 'cluster', id }, drill: true, verify: { url: verifyUrl, expectCounts: 'recorded' } }));
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ kind: 'cluster', verified: true, deleted: true, snapshotIdentifier: `${id}-pre-deploy` });
    expect(result!.writerIdentifier).toBe(`${result!.restoredIdentifier}-writer`);
    const restoreCall = fake.calls('RestoreDBClusterFromSnapshot').find((c) => c.params.DBClusterIdentifier === result!.restoredIdentifier)!;
    expect(restoreCall.params).toMatchObject({
      Engine: 'aurora-postgresql',
      DBSubnetGroupName: 'aurora-private',
      'VpcSecurityGroupIds.VpcSecurityGroupId.1': 'sg-0aurora',
      DBClusterParameterGroupName: 'aurora-pg16',
    });
    const writerCall = fake.calls('CreateDBInstance').find((c) => c.params.DBClusterIdentifier === result!.restoredIdentifier && c.status === 200)!;
    expect(writerCall.params).toMatchObject({ DBInstanceIdentifier: result!.writerIdentifier, DBInstanceClass: 'db.r7g.xlarge', Engine: 'aurora-postgresql' });
    expect(fake.calls('DeleteDBInstance').some((c) => c.params.DBInstanceIdentifier === result!.writerIdentifier && c.status === 200)).toBe(true);
    expect(fake.calls('DeleteDBCluster').some((c) => c.params.DBClusterIdentifier === result!.restoredIdentifier && c.status === 200)).toBe(true);
  });

  test('an Aurora member instance names its cluster', async () => {
    const id = `aurora-${++counter}`;
    fake.addCluster({ id, members: [`${id}-a`] });
    const { error } = await restore(request({ source: { kind: 'instance', id: `${id}-a` } }));
    expect(error!.message).toMatch(new RegExp(`Set db-cluster-identifier: ${id} instead`));
  });
});

test("the fake's restore, create and delete errors, as the SDK's own parser reads them", async () => {
  const { CreateDBInstanceCommand, DeleteDBInstanceCommand, DeleteDBClusterCommand, RestoreDBClusterFromSnapshotCommand } = await import('@aws-sdk/client-rds');
  const { id, snapshotId } = source();
  const client = new RDSClient({ region: 'us-east-1' });
  try {
    await expect(client.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshotId }))).rejects.toMatchObject(
      { name: 'DBInstanceAlreadyExistsFault', $metadata: { httpStatusCode: 400 } },
    );
    await expect(
      client.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: `${id}-x`, DBSnapshotIdentifier: 'missing' })),
    ).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault', $metadata: { httpStatusCode: 404 } });
    fake.setInstanceQuotaMax(fake.state.instances.size);
    await expect(
      client.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: `${id}-y`, DBSnapshotIdentifier: snapshotId })),
    ).rejects.toMatchObject({ name: 'InstanceQuotaExceededFault' });
    fake.setInstanceQuotaMax(40);
    // A standalone instance needs SkipFinalSnapshot or a final snapshot name.
    await expect(client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });

    const cluster = `sdk-cluster-${counter}`;
    fake.addCluster({ id: cluster, members: [`${cluster}-a`] });
    fake.addSnapshot({ kind: 'cluster', id: `${cluster}-snap`, sourceId: cluster, engine: 'aurora-postgresql' });
    await expect(
      client.send(
        new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: cluster, SnapshotIdentifier: `${cluster}-snap`, Engine: 'aurora-postgresql' }),
      ),
    ).rejects.toMatchObject({ name: 'DBClusterAlreadyExistsFault' });
    const restored = await client.send(
      new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: `${cluster}-r`, SnapshotIdentifier: `${cluster}-snap`, Engine: 'aurora-postgresql' }),
    );
    expect(restored.DBCluster).toMatchObject({ DBClusterIdentifier: `${cluster}-r`, Status: 'creating', DBClusterMembers: [] });
    // No writer until the cluster is available.
    await expect(
      client.send(
        new CreateDBInstanceCommand({
          DBClusterIdentifier: `${cluster}-r`,
          DBInstanceIdentifier: `${cluster}-r-w`,
          DBInstanceClass: 'db.r6g.large',
          Engine: 'aurora-postgresql',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDBClusterStateFault' });
    // A cluster with live members cannot be deleted.
    await expect(client.send(new DeleteDBClusterCommand({ DBClusterIdentifier: cluster, SkipFinalSnapshot: true }))).rejects.toMatchObject({
      name: 'InvalidDBClusterStateFault',
      message: 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.',
    });
  } finally {
    client.destroy();
  }
});
