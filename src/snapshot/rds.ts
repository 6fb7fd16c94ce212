// A verified manual snapshot of an RDS instance or an Aurora / Multi-AZ cluster:
// pre-flight (exists, accepts a snapshot, quota has room), take it (or find the one an
// earlier attempt of this workflow run took), wait until available, copy it to a second
// region if asked, then prune old ones. Plain values in, plain values out.
import { InputError, PermanentError, errorMessage } from '../shared/errors.js';
import { DeadlineExceededError, pollUntil } from '../shared/retry.js';
import { formatDuration } from '../shared/duration.js';
import type { Log } from '../shared/log.js';
import { createRdsClient, resolvedRegion, isAlreadyExists, isExpiredCredentials, isQuotaExceeded, isSnapshotStateError } from '../providers/rds/client.js';
import { RdsSnapshots, type RdsSnapshotInfo, type RdsTarget, type RdsTargetInfo } from '../providers/rds/snapshots.js';
import { defaultSnapshotIdentifier, validateSnapshotIdentifier } from './identifier.js';
import { snapshotTags, isFromRun, TAG_RUN_ATTEMPT } from './tags.js';
import { planPrune, pruneSnapshots, pruningEnabled, type PruneDecision } from './prune.js';
import { restoreCommand } from './restore-command.js';
import { waitForSnapshot } from './wait.js';
import { countRows, countTags } from './counts.js';
import { pollIntervals, SnapshotIncompleteError, type SnapshotCommon, type SnapshotResult } from './types.js';

export interface RdsSnapshotRequest extends SnapshotCommon {
  target: RdsTarget;
  /** Empty: the region from the AWS environment (AWS_REGION or the shared config). */
  region?: string;
  copyToRegion?: string;
  /** The KMS key in copyToRegion that re-encrypts an encrypted snapshot's copy. */
  copyKmsKeyId?: string;
  /** Row counts to record in the snapshot's tags (`row-count:<table>`), counted through `url`. */
  recordCounts?: { url: string; tables: string[] };
}

export interface RdsSnapshotDeps {
  log: Log;
  now?: () => number;
}

const INPUT_OF = { instance: 'db-instance-identifier', cluster: 'db-cluster-identifier' } as const;

/** States in which RDS takes a snapshot. */
const ACCEPTS = new Set(['available', 'storage-optimization']);
/** States that pass on their own: wait for them (within wait-timeout) rather than fail. */
const PASSING =
  /^(backing-up|modifying|rebooting|maintenance|upgrading|configuring-.*|renaming|resetting-master-credentials|creating|starting|backtracking|migrating|promoting|converting-to-vpc|moving-to-vpc|storage-config-upgrade|update-iam-db-auth)$/;

function describe(target: RdsTarget, region: string): string {
  return `${target.kind === 'instance' ? 'DB instance' : 'DB cluster'} ${target.id} in ${region}`;
}

function listDecisions(decisions: PruneDecision[]): string {
  return decisions.map((d) => `  - ${d.id}${d.createdAt ? ` (${d.createdAt})` : ''}: ${d.reason}`).join('\n');
}

export async function takeRdsSnapshot(request: RdsSnapshotRequest, deps: RdsSnapshotDeps): Promise<SnapshotResult> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const { target } = request;
  const deadline = now() + request.waitTimeoutSeconds * 1000;
  const timing = pollIntervals(request.timing);
  const client = createRdsClient(request.region);
  const region = await resolvedRegion(client);
  if (!region) throw new InputError('region', 'no AWS region: set region, or AWS_REGION in the environment (aws-actions/configure-aws-credentials sets it).');
  const rds = new RdsSnapshots(client, region, target.kind, { deadline, log, baseDelayMs: timing.retryBaseMs, maxDelayMs: timing.retryMaxMs });
  const where = describe(target, region);
  const explicitId = request.snapshotIdentifier && validateSnapshotIdentifier(request.snapshotIdentifier, target.kind);
  let snapshotId = explicitId || defaultSnapshotIdentifier(request.run, new Date(now()), target.kind);
  let tags = snapshotTags(request.run, request.userTags);
  let recordedCounts: Record<string, number> | undefined;
  let snapshot: RdsSnapshotInfo | undefined;
  let targetInfo: RdsTargetInfo | undefined;
  let reused = false;

  const expired = (what: string) => {
    if (!snapshot)
      return `AWS credentials expired or were rejected before ${what} (${where}); no snapshot was taken. Check role-to-assume / the credentials step, and its role-duration-seconds.`;
    return `AWS credentials expired while ${what}: snapshot ${snapshot.id} of ${where} was still being created (last seen ${snapshot.status}${snapshot.percent !== undefined ? ` ${snapshot.percent}%` : ''}). RDS finishes it on its own: do not take another. Re-run this job to pick it up (a re-run of this workflow run reuses it), or check it with: aws rds ${target.kind === 'instance' ? 'describe-db-snapshots --db-snapshot-identifier' : 'describe-db-cluster-snapshots --db-cluster-snapshot-identifier'} ${snapshot.id} --region ${region}. To wait longer, raise role-duration-seconds in aws-actions/configure-aws-credentials (wait-timeout is ${formatDuration(request.waitTimeoutSeconds)}).`;
  };
  const guard = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      const partial = snapshot && { provider: 'rds' as const, snapshotId: snapshot.id, snapshotArn: snapshot.arn, status: snapshot.status };
      if (isExpiredCredentials(error)) {
        if (partial) throw new SnapshotIncompleteError(expired(what), partial);
        throw new PermanentError(expired(what));
      }
      if (error instanceof DeadlineExceededError && partial) {
        throw new SnapshotIncompleteError(
          `${what} did not finish within wait-timeout (${formatDuration(request.waitTimeoutSeconds)}): snapshot ${snapshot!.id} is ${snapshot!.status}${snapshot!.percent !== undefined ? ` ${snapshot!.percent}%` : ''}. RDS finishes it on its own; a re-run of this workflow run reuses it. Raise wait-timeout for large databases. (${errorMessage(error)})`,
          partial,
        );
      }
      if (partial && !(error instanceof SnapshotIncompleteError)) throw new SnapshotIncompleteError(errorMessage(error), partial);
      throw error;
    }
  };

  const result = (): SnapshotResult => ({
    provider: 'rds',
    snapshotId: snapshot!.id,
    snapshotArn: snapshot!.arn,
    status: snapshot!.status,
    createdAt: snapshot!.createdAt?.toISOString(),
    reused,
    pruned,
    pruneDecisions,
    restoreCommand: restoreCommand({ provider: 'rds', kind: target.kind, sourceId: target.id, snapshotId: snapshot!.id, region, engine }),
    source: where,
    copy,
    recordedCounts,
  });

  // The phases, in order (each is a function below). Nothing changes until pre-flight has passed.
  const existing = await preflight();
  if (!existing && request.recordCounts) await recordCounts(request.recordCounts);
  snapshot = await reuseOrCreate(existing);
  const engine = snapshot.engine ?? targetInfo?.engine;
  let pruned: string[] = [];
  let pruneDecisions: PruneDecision[] = [];
  let copy: SnapshotResult['copy'];
  if (!request.wait) {
    log.info(
      `Not waiting (wait: false): ${snapshot.id} is ${snapshot.status}. Pruning is skipped, since nothing is pruned before the new snapshot is available.`,
    );
    return result();
  }
  snapshot = await waitUntilAvailable(snapshot);
  if (request.copyToRegion) {
    const destination = request.copyToRegion;
    copy = await log.group(`Copy to ${destination}`, () => guard(`copying snapshot ${snapshot!.id} to ${destination}`, () => copyToRegion(destination)));
  }
  ({ pruned, decisions: pruneDecisions } = await prune());
  return result();

  /** Pre-flight: the target exists, accepts a snapshot (or is busy for a while) and the quota has room; or this run's earlier snapshot, to reuse. */
  async function preflight(): Promise<RdsSnapshotInfo | undefined> {
    return log.group(`Pre-flight: ${where}`, () =>
      guard('checking the database', async () => {
        targetInfo = await rds.describeTarget(target.id);
        if (!targetInfo)
          throw new InputError(
            INPUT_OF[target.kind],
            `no ${where}. Check the identifier and the region${target.kind === 'instance' ? ' (for Aurora, name the cluster with db-cluster-identifier)' : ''}.`,
          );
        if (target.kind === 'instance' && targetInfo.clusterId) {
          throw new InputError(
            'db-instance-identifier',
            `${target.id} is a member of the DB cluster ${targetInfo.clusterId}; its data is snapshotted with the cluster. Set db-cluster-identifier: ${targetInfo.clusterId} instead of db-instance-identifier.`,
          );
        }
        log.info(`${where}: ${targetInfo.status}${targetInfo.engine ? ` (${targetInfo.engine})` : ''}${targetInfo.encrypted ? ', encrypted' : ''}`);
        if (request.copyToRegion && targetInfo.encrypted && !request.copyKmsKeyId) {
          throw new InputError(
            'copy-kms-key-id',
            `${where} is encrypted, so its snapshot's copy in ${request.copyToRegion} must be encrypted with a KMS key of that region, and RDS refuses the copy without one. Set copy-kms-key-id to the key's ARN or alias in ${request.copyToRegion} (e.g. arn:aws:kms:${request.copyToRegion}:111122223333:alias/rds-dr); nothing was created.`,
          );
        }
        const snapshots = await rds.listManual(target.id);
        const own = snapshots.filter((s) => isFromRun(s.tags, request.run) && !/^(failed|deleting|deleted)$/.test(s.status));
        if (own.length > 0) {
          const previous = own.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0]!;
          log.info(
            `Workflow run ${request.run.runId} already took ${previous.id} (attempt ${previous.tags[TAG_RUN_ATTEMPT] ?? '?'}, ${previous.status}): reusing it instead of taking another.`,
          );
          return previous;
        }
        if (!ACCEPTS.has(targetInfo.status)) {
          if (!PASSING.test(targetInfo.status)) {
            throw new PermanentError(
              `${where} is '${targetInfo.status}' and cannot be snapshotted in that state. ${/stopp/.test(targetInfo.status) ? 'Start it first, or snapshot another target.' : 'Fix the database first (see its events in the RDS console), then run again.'}`,
            );
          }
          log.info(`${where} is '${targetInfo.status}' (a backup, another snapshot or a change is running); waiting for it to be available.`);
          await pollUntil(
            async () => {
              const info = await rds.describeTarget(target.id);
              if (!info) throw new PermanentError(`${where} disappeared while waiting for it to be available.`);
              if (ACCEPTS.has(info.status)) return info;
              if (!PASSING.test(info.status)) throw new PermanentError(`${where} went from busy to '${info.status}', in which it cannot be snapshotted.`);
              return undefined;
            },
            { deadline, what: `${where} to be available`, initialIntervalMs: timing.initialIntervalMs, maxIntervalMs: timing.maxIntervalMs * 2 },
          );
        }
        const quota = await rds.quota();
        if (quota) {
          log.info(`Manual snapshot quota (${quota.name}): ${quota.used} of ${quota.max} used.`);
          if (quota.used >= quota.max) throw new PermanentError(quotaAdvice(`${quota.used} of ${quota.max} used`, snapshots));
        } else {
          log.debug('RDS did not report a manual snapshot quota; skipping the quota check.');
        }
        return undefined;
      }),
    );
  }

  function quotaAdvice(usage: string, snapshots: RdsSnapshotInfo[]): string {
    const head = `The account's manual snapshot quota in ${region} is full (${usage}), so no snapshot of ${target.id} was taken.`;
    if (!pruningEnabled(request)) {
      const ours = snapshots.filter((s) => s.tags['managed-by'] === 'preview-db').length;
      return `${head} Set retain-count and/or retain-days so this action prunes its old snapshots (${ours} of ${target.id}'s manual snapshots carry managed-by=preview-db), delete snapshots by hand, or ask AWS for a higher quota.`;
    }
    const plan = planPrune(snapshots, request, { now: now(), reserveNewSlot: true }).filter((d) => d.remove);
    if (plan.length === 0)
      return `${head} Pruning with the current retain-count/retain-days would remove none of ${target.id}'s snapshots: lower them, delete snapshots by hand, or ask AWS for a higher quota.`;
    return `${head} Pruning only runs after a new snapshot is available; with the current settings it would remove:\n${listDecisions(plan)}\nDelete these (for example: aws rds ${target.kind === 'instance' ? 'delete-db-snapshot --db-snapshot-identifier' : 'delete-db-cluster-snapshot --db-cluster-snapshot-identifier'} ${plan[0]!.id} --region ${region}) or raise the quota, then run again.`;
  }

  async function recordCounts({ url, tables }: NonNullable<RdsSnapshotRequest['recordCounts']>): Promise<void> {
    recordedCounts = await log.group('Recording row counts', () => countRows(url, tables, deadline, log));
    tags = [...tags, ...countTags(recordedCounts)];
  }

  /** Reuse: the snapshot this workflow run took before; create: a new one, tagged. */
  async function reuseOrCreate(existing: RdsSnapshotInfo | undefined): Promise<RdsSnapshotInfo> {
    if (existing) {
      snapshotId = existing.id;
      reused = true;
      return existing;
    }
    return log.group(`Snapshot ${snapshotId}`, () =>
      guard(`creating snapshot ${snapshotId}`, async () => {
        try {
          const created = await rds.create(target.id, snapshotId, tags);
          log.info(`Started snapshot ${created.id} of ${where}.`);
          return created;
        } catch (error) {
          if (isQuotaExceeded(error)) throw new PermanentError(quotaAdvice('RDS answered SnapshotQuotaExceeded', await rds.listManual(target.id)));
          if (!isAlreadyExists(error)) throw error;
          const found = await rds.get(snapshotId);
          if (found && isFromRun(found.tags, request.run) && found.sourceId === target.id) {
            log.info(`Snapshot ${snapshotId} already exists and was taken by this workflow run: reusing it.`);
            reused = true;
            return found;
          }
          throw new InputError(
            'snapshot-identifier',
            `a snapshot named ${snapshotId} already exists in ${region}${found ? ` (of ${found.sourceId}, taken ${found.createdAt?.toISOString() ?? 'at an unknown time'})` : ''} and was not taken by this workflow run. Choose another snapshot-identifier, or leave it empty for a generated one.`,
          );
        }
      }),
    );
  }

  async function waitUntilAvailable(started: RdsSnapshotInfo): Promise<RdsSnapshotInfo> {
    let available = started;
    if (started.status !== 'available') {
      available = await log.group(`Waiting for ${started.id}`, () =>
        guard(`waiting for snapshot ${started.id}`, () =>
          waitForSnapshot(
            async () => {
              const current = await rds.get(snapshotId);
              snapshot = current ?? { ...snapshot!, status: 'not-found', percent: undefined };
              return current;
            },
            {
              what: `snapshot ${snapshotId} of ${where}`,
              deadline,
              log,
              initialIntervalMs: timing.initialIntervalMs,
              maxIntervalMs: timing.maxIntervalMs,
              now,
            },
          ),
        ),
      );
    }
    log.info(`Snapshot ${available.id} is available (created ${available.createdAt?.toISOString() ?? 'at an unknown time'}).`);
    return available;
  }

  async function copyToRegion(destination: string): Promise<NonNullable<SnapshotResult['copy']>> {
    const remote = new RdsSnapshots(createRdsClient(destination), destination, target.kind, {
      deadline,
      log,
      baseDelayMs: timing.retryBaseMs,
      maxDelayMs: timing.retryMaxMs,
    });
    const source = snapshot!;
    const copyTags = Object.entries(source.tags).map(([Key, Value]) => ({ Key, Value }));
    let copied: RdsSnapshotInfo | undefined;
    try {
      copied = await remote.copyFrom(source.arn, source.id, copyTags, request.copyKmsKeyId);
      log.info(`Copying ${source.id} to ${destination}.`);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      copied = await remote.get(source.id);
      if (!copied || !isFromRun(copied.tags, request.run))
        throw new PermanentError(
          `a snapshot named ${source.id} already exists in ${destination} and is not a copy made by this workflow run; cannot copy there.`,
        );
      log.info(`A copy of ${source.id} in ${destination} was already made by this workflow run: reusing it.`);
    }
    const done =
      copied.status === 'available'
        ? copied
        : await waitForSnapshot(() => remote.get(source.id), {
            what: `copy of ${source.id} in ${destination}`,
            deadline,
            log,
            initialIntervalMs: timing.initialIntervalMs,
            maxIntervalMs: timing.maxIntervalMs,
            now,
          });
    return { region: destination, snapshotId: done.id, snapshotArn: done.arn, status: done.status };
  }

  async function prune(): Promise<{ pruned: string[]; decisions: PruneDecision[] }> {
    return pruneSnapshots(request, {
      of: target.id,
      newId: snapshot!.id,
      dryRun: request.pruneDryRun,
      now: now(),
      log,
      list: () => rds.listManual(target.id),
      remove: async (decision) => {
        try {
          return (await rds.delete(decision.id)) ? 'removed' : 'already gone';
        } catch (error) {
          if (!isSnapshotStateError(error)) throw error;
          log.warning(`could not remove ${decision.id} (${errorMessage(error)}); keeping it.`);
          return undefined;
        }
      },
    });
  }
}
