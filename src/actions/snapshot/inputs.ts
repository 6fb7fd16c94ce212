// Every input of actions/snapshot, read and checked in one place before anything is called.
import { InputError } from '../../shared/errors.js';
import { DEFAULT_NEON_API_HOST } from '../../providers/neon/defaults.js';
import { validateSnapshotIdentifier } from '../../snapshot/identifier.js';
import { validateUserTags } from '../../snapshot/tags.js';
import type { RdsSnapshotRequest } from '../../snapshot/rds.js';
import type { NeonSnapshotRequest } from '../../snapshot/neon.js';
import type { SnapshotCommon } from '../../snapshot/types.js';
import type { RunFacts } from '../context.js';
import { inputs } from '../runtime.js';
import { checkAwsRegion, checkNeonInputs, maskUrlPassword, readRdsTarget, snapshotTimingFromEnvironment } from '../provider-inputs.js';
import { validateCountedTables } from '../../snapshot/counted-tables.js';

export const SNAPSHOT_PROVIDERS = ['rds', 'neon'] as const;

export type SnapshotSettings = { provider: 'rds'; request: RdsSnapshotRequest } | { provider: 'neon'; request: NeonSnapshotRequest };

const DEFAULT_WAIT_TIMEOUT_SECONDS = 60 * 60;

function positive(name: string, value: number | undefined): number | undefined {
  if (value === 0) throw new InputError(name, 'must be at least 1 (leave it empty to turn this rule off).');
  return value;
}

export function getSnapshotInputs(facts: RunFacts, env: NodeJS.ProcessEnv = process.env): SnapshotSettings {
  // Read every input up front, whichever provider: the contract is the same for all runs.
  const provider = inputs.choice('provider', SNAPSHOT_PROVIDERS, 'rds');
  const instanceId = inputs.optional('db-instance-identifier');
  const clusterId = inputs.optional('db-cluster-identifier');
  const regionInput = inputs.optional('region');
  const copyToRegion = inputs.optional('copy-to-region');
  const copyKmsKeyId = inputs.optional('copy-kms-key-id');
  const neonApiKey = inputs.secret('neon-api-key');
  const neonProjectId = inputs.text('neon-project-id');
  const apiHost = inputs.text('api-host') || DEFAULT_NEON_API_HOST;
  const branch = inputs.optional('branch');
  const explicitId = inputs.optional('snapshot-identifier');
  const wait = inputs.boolean('wait', true);
  // Up to the 5 days a job may run on a self-hosted runner (a large RDS snapshot takes hours).
  const waitTimeoutSeconds = inputs.duration('wait-timeout', { min: 1, max: 5 * 86400 }) ?? DEFAULT_WAIT_TIMEOUT_SECONDS;
  const userTags = validateUserTags(inputs.keyValues('tags'));
  const retainCount = positive('retain-count', inputs.count('retain-count'));
  const retainDays = positive('retain-days', inputs.count('retain-days'));
  const pruneDryRun = inputs.boolean('prune-dry-run', false);
  const recordTables = validateCountedTables(inputs.list('record-counts'));
  const databaseUrl = inputs.secret('database-url');
  maskUrlPassword(databaseUrl);

  if (copyToRegion && !wait) throw new InputError('copy-to-region', 'needs wait: true: a snapshot can only be copied once it is available.');
  const common: SnapshotCommon = {
    wait,
    waitTimeoutSeconds,
    userTags,
    retainCount,
    retainDays,
    pruneDryRun,
    run: { repository: facts.repository, sha: facts.sha, runId: facts.runId, runAttempt: facts.runAttempt },
    timing: snapshotTimingFromEnvironment(env),
  };

  if (recordTables.length > 0 && !databaseUrl)
    throw new InputError('database-url', "is required with record-counts: the rows are counted through it. Pass the database's connection URL from a secret.");
  if (databaseUrl && recordTables.length === 0)
    throw new InputError('database-url', 'is only used to count rows for record-counts; set record-counts too, or remove it.');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new InputError('database-url', 'is not a postgres:// or postgresql:// URL.');

  if (provider === 'neon') {
    if (recordTables.length > 0)
      throw new InputError(
        'record-counts',
        'applies to provider rds only: Neon snapshots have no tags to record counts in. On Neon, give the restore action the counts as JSON in expect-counts.',
      );
    for (const [name, value] of [
      ['db-instance-identifier', instanceId],
      ['db-cluster-identifier', clusterId],
      ['copy-to-region', copyToRegion],
      ['copy-kms-key-id', copyKmsKeyId],
      ['region', regionInput],
    ] as const) {
      if (value) throw new InputError(name, 'applies to provider rds only; remove it or set provider: rds.');
    }
    checkNeonInputs({ apiKey: neonApiKey, projectId: neonProjectId, apiHost });
    return {
      provider,
      request: {
        ...common,
        snapshotIdentifier: explicitId && validateSnapshotIdentifier(explicitId, 'neon'),
        apiKey: neonApiKey,
        projectId: neonProjectId,
        apiHost,
        branch,
      },
    };
  }

  const { kind, id: targetId } = readRdsTarget({ instanceId, clusterId, region: regionInput, neonProjectId, branch });
  const region = regionInput ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  checkAwsRegion('copy-to-region', copyToRegion, 'eu-west-1');
  if (copyToRegion && copyToRegion === region)
    throw new InputError('copy-to-region', `is the snapshot's own region (${region}); name a second region for disaster recovery.`);
  if (copyKmsKeyId && !copyToRegion)
    throw new InputError('copy-kms-key-id', 'applies to the copy made with copy-to-region; set copy-to-region too, or remove it.');
  if (copyKmsKeyId && !/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/\S+|alias\/\S+|[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/.test(copyKmsKeyId)) {
    throw new InputError(
      'copy-kms-key-id',
      `'${copyKmsKeyId}' is not a KMS key id, alias or ARN (e.g. arn:aws:kms:${copyToRegion}:111122223333:alias/rds-dr).`,
    );
  }
  if (copyKmsKeyId && /^arn:/.test(copyKmsKeyId) && copyKmsKeyId.split(':')[3] !== copyToRegion) {
    throw new InputError(
      'copy-kms-key-id',
      `is a key in ${copyKmsKeyId.split(':')[3]}, but the copy is made in ${copyToRegion}: KMS keys are regional; give a key of ${copyToRegion}.`,
    );
  }
  return {
    provider,
    request: {
      ...common,
      snapshotIdentifier: explicitId && validateSnapshotIdentifier(explicitId, kind),
      target: { kind, id: targetId.toLowerCase() },
      region,
      copyToRegion,
      copyKmsKeyId,
      recordCounts: recordTables.length > 0 ? { url: databaseUrl, tables: recordTables } : undefined,
    },
  };
}
