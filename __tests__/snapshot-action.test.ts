// actions/snapshot as the runner runs it: the committed bundle, INPUT_* variables, the
// outputs and summary files, and AWS_ENDPOINT_URL_RDS pointing the real SDK at the fake.
import { runAction, NODES, leakedSecrets, type ActionRun, type RunOptions } from './support/run-action.js';
import { startFakeNeon } from './fakes/neon/server.js';
import { contractDifferences } from './support/contract.js';
import { startFakeRds, type FakeRds } from './fakes/rds/server.js';

let fake: FakeRds;
const runs: ActionRun[] = [];
const DAY = 86_400_000;

beforeAll(async () => {
  // Long enough that the first poll sees the snapshot creating even on a loaded machine.
  fake = await startFakeRds({ snapshotDelayMs: 600 });
  fake.addInstance({ id: 'orders-db' });
  fake.addCluster({ id: 'billing', members: ['billing-writer', 'billing-reader'] });
});
afterAll(() => fake.close());
afterEach(() => fake.clearFaults());

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_RDS: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_SESSION_TOKEN: 'fake-session-token',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    PREVIEW_DB_SNAPSHOT_POLL_MS: '25',
    ...extra,
  };
}

async function snapshot(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const run = await runAction('snapshot', { inputs, eventName: 'workflow_dispatch', timeoutMs: 30_000, ...options, env: env(options.env) });
  runs.push(run);
  return run;
}

describe.each(NODES)('under %s', (_label, node) => {
  test('an instance snapshot: outputs, summary with the restore command, pruning', async () => {
    const runId = String(9_300_000_000 + runs.length);
    fake.addSnapshot({ id: `old-${runId}`, sourceId: 'orders-db', createdAt: Date.now() - 30 * DAY, tags: [{ Key: 'managed-by', Value: 'preview-db' }] });
    const run = await snapshot(
      { 'db-instance-identifier': 'orders-db', tags: 'team=payments\nticket=OPS-1', 'retain-days': '7' },
      { node, env: { GITHUB_RUN_ID: runId } },
    );
    expect(run.stderr).not.toMatch(/::error/);
    expect(run.status).toBe(0);
    expect(run.outputs['snapshot-id']).toMatch(new RegExp(`^pre-deploy-\\d{8}-\\d{6}-abc1234-${runId}-1$`));
    expect(run.outputs).toMatchObject({
      'snapshot-arn': `arn:aws:rds:us-east-1:123456789012:snapshot:${run.outputs['snapshot-id']}`,
      status: 'available',
      pruned: JSON.stringify([`old-${runId}`]),
      reused: 'false',
      'copy-snapshot-arn': '',
      'restore-command': `aws rds restore-db-instance-from-db-snapshot --region us-east-1 --db-snapshot-identifier ${run.outputs['snapshot-id']} --db-instance-identifier orders-db-restored`,
    });
    expect(Date.parse(run.outputs['created-at']!)).toBeGreaterThan(Date.now() - 60_000);
    expect(run.summary).toContain(run.outputs['restore-command']);
    expect(run.summary).toContain(`removed \`old-${runId}\`: older than 7d`);
    expect(run.stdout).toMatch(/creating \d+%/);
    expect(fake.snapshot(`old-${runId}`)).toBeUndefined();
    expect(Object.fromEntries(fake.snapshot(run.outputs['snapshot-id']!)!.tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      team: 'payments',
      ticket: 'OPS-1',
      'workflow-run': runId,
    });
  });
});

test('a cluster snapshot copied to a second region, with a dry-run prune', async () => {
  fake.addSnapshot({
    kind: 'cluster',
    id: 'billing-ancient',
    sourceId: 'billing',
    createdAt: Date.now() - 90 * DAY,
    tags: [{ Key: 'managed-by', Value: 'preview-db' }],
  });
  // Cluster storage is encrypted: the copy needs a key of the destination region.
  const refused = await snapshot({ 'db-cluster-identifier': 'billing', 'copy-to-region': 'eu-west-1', 'snapshot-identifier': 'billing-before-v2' });
  expect(refused.status).toBe(1);
  expect(refused.stdout).toMatch(/::error title=Invalid input%3A copy-kms-key-id::.*is encrypted/);
  expect(fake.snapshot('billing-before-v2', 'us-east-1', 'cluster')).toBeUndefined();
  const run = await snapshot({
    'db-cluster-identifier': 'billing',
    'copy-to-region': 'eu-west-1',
    'copy-kms-key-id': 'arn:aws:kms:eu-west-1:123456789012:alias/rds-dr',
    'retain-count': '1',
    'prune-dry-run': 'true',
    'snapshot-identifier': 'billing-before-v2',
  });
  expect(run.status).toBe(0);
  expect(run.outputs).toMatchObject({
    'snapshot-id': 'billing-before-v2',
    'copy-snapshot-arn': 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:billing-before-v2',
    pruned: '["billing-ancient"]',
  });
  expect(run.summary).toContain('would remove `billing-ancient`');
  expect(fake.snapshot('billing-ancient', 'us-east-1', 'cluster')).toBeDefined();
});

test('both or neither identifier, and an illegal snapshot-identifier, fail before any call', async () => {
  const before = fake.requests.length;
  const both = await snapshot({ 'db-instance-identifier': 'orders-db', 'db-cluster-identifier': 'billing' });
  expect(both.status).toBe(1);
  expect(both.stdout).toMatch(
    /::error title=Invalid input%3A db-instance-identifier' or 'db-cluster-identifier::.*set only one of db-instance-identifier, db-cluster-identifier/,
  );
  const neither = await snapshot({});
  expect(neither.status).toBe(1);
  expect(neither.stdout).toMatch(/set one of db-instance-identifier, db-cluster-identifier/);
  const illegal = await snapshot({ 'db-cluster-identifier': 'billing', 'snapshot-identifier': 'Release_2--final-' });
  expect(illegal.status).toBe(1);
  expect(illegal.stdout).toMatch(/::error title=Invalid input%3A snapshot-identifier::.*not a legal snapshot identifier/);
  expect(fake.requests.length).toBe(before);
});

test('an Aurora member names the cluster; a failed snapshot still publishes its identifier', async () => {
  const member = await snapshot({ 'db-instance-identifier': 'billing-reader' });
  expect(member.status).toBe(1);
  expect(member.stdout).toContain('Set db-cluster-identifier: billing instead of db-instance-identifier');
  fake.setSnapshotFate('failed');
  const failed = await snapshot({ 'db-instance-identifier': 'orders-db' }, { env: { GITHUB_RUN_ID: '9400000001' } });
  expect(failed.status).toBe(1);
  expect(failed.outputs).toMatchObject({ status: 'failed', 'snapshot-id': expect.stringMatching(/^pre-deploy-.*-9400000001-1$/) });
  expect(failed.stdout).toMatch(/::error::snapshot pre-deploy-\S+ of DB instance orders-db in us-east-1 ended in state 'failed'/);
});

test('provider neon: a snapshot of the default branch through the Neon API, key never printed', async () => {
  const neon = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL! });
  try {
    const run = await snapshot(
      { provider: 'neon', 'neon-api-key': neon.apiKey, 'neon-project-id': neon.projectId, 'api-host': neon.apiHost, 'retain-count': '5' },
      { env: { GITHUB_RUN_ID: '9600000001' } },
    );
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'available', reused: 'false', pruned: '[]' });
    const stored = neon.snapshots().find((s) => s.id === run.outputs['snapshot-id'])!;
    expect(stored.name).toMatch(/^pre-deploy-\d{8}-\d{6}-abc1234-9600000001-1 \(preview-db example-org\/example-app run 9600000001 attempt 1\)$/);
    expect(run.outputs['restore-command']).toContain(`/projects/${neon.projectId}/snapshots/${stored.id}/restore`);
    expect(run.summary).toContain(run.outputs['restore-command']);
    expect(leakedSecrets(run, [neon.apiKey])).toEqual([]);
    const rdsOnly = await snapshot({ provider: 'neon', 'neon-api-key': neon.apiKey, 'neon-project-id': neon.projectId, 'db-instance-identifier': 'orders-db' });
    expect(rdsOnly.stdout).toMatch(/::error title=Invalid input%3A db-instance-identifier::.*applies to provider rds only/);
    expect(neon.violations).toEqual([]);
  } finally {
    await neon.close();
  }
});

test('the action reads and sets exactly what action.yml declares', () => {
  expect(contractDifferences('snapshot', runs)).toEqual({
    inputsReadButNotDeclared: [],
    inputsDeclaredButNeverRead: [],
    outputsSetButNotDeclared: [],
    outputsDeclaredButNeverSet: [],
  });
});
