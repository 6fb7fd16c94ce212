// The fake RDS endpoint is judged by the real SDK: every response it gives must parse into
// the fields the SDK models, errors must surface as the SDK's modeled exceptions, and the
// SDK's own paginator must walk its Marker pages.
import {
  RDSClient,
  DescribeDBInstancesCommand,
  DescribeDBClustersCommand,
  CreateDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBClusterSnapshotsCommand,
  DeleteDBSnapshotCommand,
  AddTagsToResourceCommand,
  ListTagsForResourceCommand,
  DescribeAccountAttributesCommand,
  CopyDBSnapshotCommand,
  DBSnapshotNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  SnapshotQuotaExceededFault,
  paginateDescribeDBSnapshots,
} from '@aws-sdk/client-rds';
import { startFakeRds, type FakeRds } from './fakes/rds/server.js';

let fake: FakeRds;
const client = (region = 'us-east-1') => new RDSClient({ region, maxAttempts: 1 });

beforeAll(async () => {
  fake = await startFakeRds({ snapshotDelayMs: 150, pageSize: 20, quotaMax: 60 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_RDS: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_SESSION_TOKEN: 'fake-session-token',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  fake.addInstance({ id: 'orders-db' });
  fake.addCluster({ id: 'billing', members: ['billing-1', 'billing-2'] });
});
afterAll(() => fake.close());

test('instances and clusters parse into the SDK model', async () => {
  const rds = client();
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }));
  expect(DBInstances).toHaveLength(1);
  expect(DBInstances![0]).toMatchObject({
    DBInstanceIdentifier: 'orders-db',
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
  });
  expect(DBInstances![0]!.DBClusterIdentifier).toBeUndefined();
  const member = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing-2' }));
  expect(member.DBInstances![0]!.DBClusterIdentifier).toBe('billing');
  const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'billing' }));
  expect(DBClusters![0]).toMatchObject({ DBClusterIdentifier: 'billing', Status: 'available', MultiAZ: true });
  expect(DBClusters![0]!.DBClusterMembers!.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).toEqual([
    ['billing-1', true],
    ['billing-2', false],
  ]);
  await expect(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' }))).rejects.toMatchObject({
    name: 'DBInstanceNotFoundFault',
    $metadata: { httpStatusCode: 404 },
  });
});

test('a snapshot goes from creating to available with rising progress, tags and dates typed', async () => {
  const rds = client();
  const created = await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'orders-db',
      DBSnapshotIdentifier: 'fake-check-1',
      Tags: [{ Key: 'managed-by', Value: 'preview-db' }],
    }),
  );
  expect(created.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: 'fake-check-1', Status: 'creating', SnapshotType: 'manual', Encrypted: false });
  expect(created.DBSnapshot!.SnapshotCreateTime).toBeInstanceOf(Date);
  expect(created.DBSnapshot!.TagList).toEqual([{ Key: 'managed-by', Value: 'preview-db' }]);
  const seen: number[] = [];
  for (;;) {
    const { DBSnapshots } = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'fake-check-1' }));
    seen.push(DBSnapshots![0]!.PercentProgress!);
    if (DBSnapshots![0]!.Status === 'available') break;
    await new Promise((r) => setTimeout(r, 30));
  }
  expect(seen.at(-1)).toBe(100);
  expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  await expect(rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders-db', DBSnapshotIdentifier: 'fake-check-1' }))).rejects.toBeInstanceOf(
    DBSnapshotAlreadyExistsFault,
  );
  await rds.send(new AddTagsToResourceCommand({ ResourceName: created.DBSnapshot!.DBSnapshotArn, Tags: [{ Key: 'extra', Value: 'yes' }] }));
  const { TagList } = await rds.send(new ListTagsForResourceCommand({ ResourceName: created.DBSnapshot!.DBSnapshotArn }));
  expect(TagList).toEqual([
    { Key: 'managed-by', Value: 'preview-db' },
    { Key: 'extra', Value: 'yes' },
  ]);
  const deleted = await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'fake-check-1' }));
  expect(deleted.DBSnapshot!.Status).toBe('deleted');
  await expect(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'fake-check-1' }))).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
});

test('the SDK paginator walks Marker pages; filters select by instance and type', async () => {
  for (let i = 0; i < 45; i++)
    fake.addSnapshot({ id: `page-${String(i).padStart(2, '0')}`, sourceId: 'orders-db', createdAt: Date.now() - (100 - i) * 60_000 });
  fake.addSnapshot({ id: 'rds:orders-db-auto', sourceId: 'orders-db', type: 'automated' });
  const ids: string[] = [];
  let pages = 0;
  for await (const page of paginateDescribeDBSnapshots({ client: client(), pageSize: 20 }, { DBInstanceIdentifier: 'orders-db', SnapshotType: 'manual' })) {
    pages++;
    ids.push(...page.DBSnapshots!.map((s) => s.DBSnapshotIdentifier!));
  }
  expect(pages).toBe(3);
  expect(ids).toHaveLength(45);
  const filtered = await client().send(
    new DescribeDBSnapshotsCommand({
      Filters: [
        { Name: 'db-instance-id', Values: ['orders-db'] },
        { Name: 'snapshot-type', Values: ['automated'] },
      ],
    }),
  );
  expect(filtered.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).toEqual(['rds:orders-db-auto']);
  const quotas = await client().send(new DescribeAccountAttributesCommand({}));
  expect(quotas.AccountQuotas!.find((q) => q.AccountQuotaName === 'ManualSnapshots')).toEqual({ AccountQuotaName: 'ManualSnapshots', Used: 45, Max: 60 });
  await expect(client().send(new DescribeDBSnapshotsCommand({ MaxRecords: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

test('cluster snapshots, cross-region copies keyed by the signing region, and injected faults', async () => {
  const rds = client();
  const cluster = await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'billing', DBClusterSnapshotIdentifier: 'billing-check' }));
  expect(cluster.DBClusterSnapshot).toMatchObject({ DBClusterIdentifier: 'billing', Status: 'creating', StorageEncrypted: true });
  const listed = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'billing', SnapshotType: 'manual' }));
  expect(listed.DBClusterSnapshots!.map((s) => s.DBClusterSnapshotIdentifier)).toEqual(['billing-check']);

  fake.addSnapshot({ id: 'to-copy', sourceId: 'orders-db', tags: [{ Key: 'managed-by', Value: 'preview-db' }] });
  const west = client('eu-west-1');
  const copy = await west.send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: 'arn:aws:rds:us-east-1:123456789012:snapshot:to-copy',
      TargetDBSnapshotIdentifier: 'to-copy',
      CopyTags: true,
    }),
  );
  expect(copy.DBSnapshot).toMatchObject({
    DBSnapshotArn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:to-copy',
    Status: 'pending',
    TagList: [{ Key: 'managed-by', Value: 'preview-db' }],
  });
  expect(fake.calls('CopyDBSnapshot')[0]!.params.PreSignedUrl).toContain('DestinationRegion=eu-west-1');
  expect(fake.snapshot('to-copy', 'eu-west-1')).toBeDefined();

  fake.inject({ action: 'DescribeDBInstances', code: 'Throttling', message: 'Rate exceeded' });
  await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({
    name: 'Throttling',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });
  fake.inject({ action: 'DescribeDBInstances', code: 'InternalFailure', status: 503 });
  await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 503 } });
  fake.inject({ action: 'CreateDBSnapshot', code: 'SnapshotQuotaExceeded' });
  await expect(rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders-db', DBSnapshotIdentifier: 'x1' }))).rejects.toBeInstanceOf(
    SnapshotQuotaExceededFault,
  );
  fake.expireCredentials();
  await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({
    name: 'ExpiredToken',
    message: 'The security token included in the request is expired',
  });
  fake.expireCredentials(Infinity);
  expect((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.length).toBeGreaterThan(0);
});
