// Restoring an RDS snapshot into a NEW instance (RestoreDBInstanceFromDBSnapshot), or an
// Aurora / Multi-AZ cluster snapshot into a new cluster plus its writer (CreateDBInstance).
// A restore keeps the data and the engine but not the source's network and configuration:
// RDS falls back to the default VPC subnet group and security group, the default parameter
// and option groups, Single-AZ, default storage and no tags. So the source's values are read
// first and passed explicitly. Nothing is created before the pre-flight has passed.
import { InputError, PermanentError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { createRdsClient, resolvedRegion } from '../providers/rds/client.js';
import { RdsSnapshots, type RdsSnapshotInfo, type RdsTarget } from '../providers/rds/snapshots.js';
import { RdsRestores, type RdsInstanceShape, type RestoreInstanceSettings } from '../providers/rds/restore.js';
import { waitForSnapshot } from '../snapshot/wait.js';
import { pollIntervals } from '../snapshot/types.js';
import { defaultTargetIdentifier, WRITER_SUFFIX } from './identifier.js';
import { newestPreDeploy } from './select.js';
import { restoreTags, isStaleDrill, drillLifetimeMs } from './tags.js';
import type { RestoreBackend, RestorePlan } from './run.js';
import type { CreatedTarget, RestoreCommon } from './types.js';

export interface RdsRestoreRequest extends RestoreCommon {
  source: RdsTarget;
  /** Empty: the region from the AWS environment. */
  region?: string;
}

const INPUT_OF = { instance: 'db-instance-identifier', cluster: 'db-cluster-identifier' } as const;
/** States a restored instance or cluster does not come back from on its own. */
const RESTORE_FAILED = /^(failed|incompatible-.*|inaccessible-encryption-credentials.*|storage-full|deleting|deleted|stopped)$/;

export async function rdsRestoreBackend(
  request: RdsRestoreRequest,
  deps: { log: Log; now?: () => number },
): Promise<{ backend: RestoreBackend; region: string; deadline: number }> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const { source } = request;
  const deadline = now() + request.waitTimeoutSeconds * 1000;
  const timing = pollIntervals(request.timing);
  const client = createRdsClient(request.region);
  const region = await resolvedRegion(client);
  if (!region) throw new InputError('region', 'no AWS region: set region, or AWS_REGION in the environment (aws-actions/configure-aws-credentials sets it).');
  const policy = (until: number) => ({ deadline: until, log, baseDelayMs: timing.retryBaseMs, maxDelayMs: timing.retryMaxMs });
  const restores = new RdsRestores(client, region, policy(deadline));
  const snapshots = new RdsSnapshots(client, region, source.kind, policy(deadline));
  const where = `${source.kind === 'instance' ? 'DB instance' : 'DB cluster'} ${source.id} in ${region}`;
  const waitOptions = (what: string) => ({
    what,
    deadline,
    log,
    initialIntervalMs: timing.initialIntervalMs,
    maxIntervalMs: timing.maxIntervalMs,
    now,
    failed: (s: string) => RESTORE_FAILED.test(s),
  });
  /** Cleanup gets a deadline of its own: it also runs after the wait ran out of time. */
  const cleanup = () => new RdsRestores(client, region, policy(now() + request.waitTimeoutSeconds * 1000));

  let settings: RestoreInstanceSettings = { tags: [] };
  let sourceWriter: RdsInstanceShape | undefined;
  let engine: string | undefined;
  let engineVersion: string | undefined;

  const backend: RestoreBackend = {
    async sweep() {
      const swept: string[] = [];
      const at = now();
      for (const instance of await restores.allInstances()) {
        if (instance.clusterId || instance.status === 'deleting' || !isStaleDrill(instance.tags, at)) continue;
        log.info(`Stale drill instance ${instance.id} (drill-expires ${instance.tags['drill-expires']}): deleting.`);
        await restores.deleteInstance(instance.id);
        swept.push(instance.id);
      }
      for (const cluster of await restores.allClusters()) {
        if (cluster.status === 'deleting' || !isStaleDrill(cluster.tags, at)) continue;
        log.info(`Stale drill cluster ${cluster.id} (drill-expires ${cluster.tags['drill-expires']}): deleting it and its instances.`);
        for (const member of cluster.members) await restores.deleteInstance(member.id);
        await restores.deleteCluster(cluster.id);
        swept.push(cluster.id);
      }
      if (swept.length === 0) log.info('No stale drill targets.');
      return swept;
    },

    async preflight(): Promise<RestorePlan> {
      // The source: its settings are what the restored copy should get. It may be gone (that
      // can be why we restore): then RDS's defaults apply, with a warning.
      const copied: string[] = [];
      let sourceTags: Record<string, string> = {};
      let found = false;
      if (source.kind === 'instance') {
        const info = await restores.instance(source.id);
        found = Boolean(info);
        if (info?.clusterId)
          throw new InputError(
            'db-instance-identifier',
            `${source.id} is a member of the DB cluster ${info.clusterId}; its data is restored with the cluster. Set db-cluster-identifier: ${info.clusterId} instead.`,
          );
        if (info) {
          settings = {
            instanceClass: info.instanceClass,
            subnetGroup: info.subnetGroup,
            securityGroups: info.securityGroups,
            parameterGroup: info.parameterGroup,
            optionGroup: info.optionGroup,
            multiAz: info.multiAz,
            storageType: info.storageType,
            tags: [],
          };
          sourceTags = info.tags;
          engine = info.engine;
        }
      } else {
        const info = await restores.cluster(source.id);
        found = Boolean(info);
        if (info) {
          settings = { subnetGroup: info.subnetGroup, securityGroups: info.securityGroups, parameterGroup: info.parameterGroup, tags: [] };
          sourceTags = info.tags;
          engine = info.engine;
          engineVersion = info.engineVersion;
          if (info.members[0]) sourceWriter = await restores.instance(info.members[0].id);
        }
      }
      if (!found) {
        log.warning(
          `${where} was not found: the restored copy gets RDS's defaults (default VPC subnet group and security group, default parameter group) instead of the source's settings.`,
          { title: 'Source not found' },
        );
      } else {
        const names: Array<[string, unknown]> = [
          ['instance class', settings.instanceClass ?? sourceWriter?.instanceClass],
          ['subnet group', settings.subnetGroup],
          ['security groups', settings.securityGroups?.length ? settings.securityGroups : undefined],
          ['parameter group', settings.parameterGroup],
          ['option group', settings.optionGroup],
          ['Multi-AZ', settings.multiAz],
          ['storage type', settings.storageType],
          ['tags', Object.keys(sourceTags).length > 0 ? true : undefined],
        ];
        for (const [name, value] of names) if (value !== undefined) copied.push(name);
        log.info(`${where}: copying ${copied.join(', ')} to the restored copy.`);
      }

      const snapshot = await chooseSnapshot();
      if (snapshot.sourceId && snapshot.sourceId !== source.id)
        log.warning(`Snapshot ${snapshot.id} was taken of ${snapshot.sourceId}, not ${source.id}; restoring it with ${source.id}'s settings.`);
      engine = snapshot.engine ?? engine;

      const targetId = request.targetIdentifier ?? defaultTargetIdentifier(source.id, new Date(now()), request.drill, source.kind);
      if (source.kind === 'instance') {
        const taken = await restores.instance(targetId);
        if (taken)
          throw new InputError(
            'target-identifier',
            `a DB instance named ${targetId} already exists in ${region} (${taken.status}). A restore never overwrites anything: choose another target-identifier, or leave it empty for a generated one.`,
          );
      } else {
        const taken = await restores.cluster(targetId);
        if (taken)
          throw new InputError(
            'target-identifier',
            `a DB cluster named ${targetId} already exists in ${region} (${taken.status}). A restore never overwrites anything: choose another target-identifier, or leave it empty for a generated one.`,
          );
        const writer = await restores.instance(`${targetId}${WRITER_SUFFIX}`);
        if (writer)
          throw new InputError(
            'target-identifier',
            `the writer instance ${targetId}${WRITER_SUFFIX} of the new cluster would clash with an existing DB instance. Choose another target-identifier.`,
          );
      }

      const quotas = await restores.quotas();
      const instances = quotas.DBInstances;
      if (instances && instances.used + 1 > instances.max)
        throw new PermanentError(
          `The account's DB instance quota in ${region} is full (${instances.used} of ${instances.max} used): a restore needs one more instance. Delete an unused instance (stale drills are tagged drill-expires) or ask AWS for a higher quota; nothing was created.`,
        );
      const clusters = quotas.DBClusters;
      if (source.kind === 'cluster' && clusters && clusters.used + 1 > clusters.max)
        throw new PermanentError(`The account's DB cluster quota in ${region} is full (${clusters.used} of ${clusters.max} used); nothing was created.`);
      if (instances) log.info(`DB instance quota: ${instances.used} of ${instances.max} used.`);
      // RDS has no dry-run for restores: a missing permission surfaces on the restore call itself.

      const drillExpires = request.drill ? new Date(now() + drillLifetimeMs(request.waitTimeoutSeconds)) : undefined;
      settings.tags = restoreTags({ run: request.run, userTags: request.userTags, sourceTags, snapshotId: snapshot.id, drillExpires });
      return {
        source: where,
        kind: source.kind,
        targetId,
        snapshotId: snapshot.id,
        snapshotCreatedAt: snapshot.createdAt?.toISOString(),
        snapshotTags: snapshot.tags,
        copied,
      };
    },

    planned(plan) {
      return source.kind === 'instance'
        ? { provider: 'rds', kind: 'instance', id: plan.targetId, region }
        : { provider: 'rds', kind: 'cluster', id: plan.targetId, region, writerId: `${plan.targetId}${WRITER_SUFFIX}` };
    },

    async create(plan) {
      if (source.kind === 'instance') {
        const restored = await restores.restoreInstance(plan.targetId, plan.snapshotId, settings);
        log.info(`Restoring ${plan.snapshotId} into the new DB instance ${restored.id || plan.targetId} (${restored.status}).`);
        return { provider: 'rds', kind: 'instance', id: plan.targetId, region };
      }
      if (!engine) throw new PermanentError(`Snapshot ${plan.snapshotId} does not say its engine; cannot restore the cluster.`);
      const restored = await restores.restoreCluster(plan.targetId, plan.snapshotId, {
        engine,
        engineVersion,
        subnetGroup: settings.subnetGroup,
        securityGroups: settings.securityGroups,
        parameterGroup: settings.parameterGroup,
        tags: settings.tags,
      });
      log.info(`Restoring ${plan.snapshotId} into the new DB cluster ${restored.id || plan.targetId} (${restored.status}).`);
      return { provider: 'rds', kind: 'cluster', id: plan.targetId, region, writerId: `${plan.targetId}${WRITER_SUFFIX}` };
    },

    async waitAvailable(created) {
      if (created.kind === 'instance') {
        const ready = await waitForSnapshot(async () => restores.instance(created.id), waitOptions(`restored DB instance ${created.id}`));
        return ready.endpoint;
      }
      const cluster = await waitForSnapshot(async () => restores.cluster(created.id), waitOptions(`restored DB cluster ${created.id}`));
      const instanceClass = sourceWriter?.instanceClass ?? 'db.r6g.large';
      const existing = await restores.instance(created.writerId!);
      if (!existing) {
        await restores.createClusterInstance(created.id, created.writerId!, engine!, instanceClass, settings.tags);
        log.info(`Creating the writer ${created.writerId} (${instanceClass}) in ${created.id}.`);
      }
      await waitForSnapshot(async () => restores.instance(created.writerId!), waitOptions(`writer ${created.writerId} of ${created.id}`));
      return cluster.endpoint;
    },

    async remove(created) {
      const rds = cleanup();
      if (created.kind === 'instance') return rds.deleteInstance(created.id);
      if (created.writerId) await rds.deleteInstance(created.writerId);
      return rds.deleteCluster(created.id);
    },
  };

  async function chooseSnapshot(): Promise<RdsSnapshotInfo> {
    if (request.snapshotIdentifier) {
      const found = await snapshots.get(request.snapshotIdentifier);
      if (!found)
        throw new InputError(
          'snapshot-identifier',
          `no ${source.kind === 'instance' ? 'DB' : 'DB cluster'} snapshot named ${request.snapshotIdentifier} in ${region}. Check the name and the region, or leave it empty for the newest pre-deploy snapshot of ${source.id}.`,
        );
      if (found.status !== 'available')
        throw new PermanentError(
          `Snapshot ${found.id} is ${found.status}, not available: it cannot be restored${/creating|pending|copying/.test(found.status) ? ' yet; wait for it, then run again' : ''}. Nothing was created.`,
        );
      log.info(`Snapshot ${found.id} of ${found.sourceId}, taken ${found.createdAt?.toISOString() ?? 'at an unknown time'}.`);
      return found;
    }
    const all = await snapshots.listManual(source.id);
    const chosen = newestPreDeploy(all, request.restoreTime);
    if (!chosen) {
      const when = request.restoreTime ? ` taken at or before ${request.restoreTime.toISOString()}` : '';
      throw new PermanentError(
        `No available pre-deploy snapshot of ${where}${when} (manual snapshots tagged managed-by=preview-db; ${all.length} manual snapshot${all.length === 1 ? '' : 's'} found). Check ${INPUT_OF[source.kind]} and region, take one with the snapshot action, or name one in snapshot-identifier. Nothing was created.`,
      );
    }
    log.info(
      `Newest pre-deploy snapshot of ${source.id}${request.restoreTime ? ` at or before ${request.restoreTime.toISOString()}` : ''}: ${chosen.id}, taken ${chosen.createdAt?.toISOString()}.`,
    );
    return chosen;
  }

  return { backend, region, deadline };
}

/** Deletes what a cancelled drill left behind (the post step). */
export async function deleteRdsTarget(
  created: CreatedTarget,
  options: { waitTimeoutSeconds: number; log: Log; timing?: RestoreCommon['timing'] },
): Promise<boolean> {
  const timing = pollIntervals(options.timing);
  const client = createRdsClient(created.region);
  const rds = new RdsRestores(client, created.region ?? '', {
    deadline: Date.now() + options.waitTimeoutSeconds * 1000,
    log: options.log,
    baseDelayMs: timing.retryBaseMs,
    maxDelayMs: timing.retryMaxMs,
  });
  if (created.kind === 'instance') return rds.deleteInstance(created.id);
  if (created.writerId) await rds.deleteInstance(created.writerId);
  return rds.deleteCluster(created.id);
}
