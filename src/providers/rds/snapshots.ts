// Manual snapshots of one RDS instance or Aurora/Multi-AZ cluster, behind one interface so
// the snapshot core does not care which. Every call is retried on throttling, 5xx and
// network failures until the caller's deadline; expired credentials and other permanent
// errors surface at once.
import {
  type RDSClient,
  type DBSnapshot,
  type DBClusterSnapshot,
  type Tag,
  DescribeDBInstancesCommand,
  DescribeDBClustersCommand,
  CreateDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBClusterSnapshotsCommand,
  DeleteDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeAccountAttributesCommand,
  CopyDBSnapshotCommand,
  CopyDBClusterSnapshotCommand,
} from '@aws-sdk/client-rds';
import { withRetries } from '../../shared/retry.js';
import { formatMillis } from '../../shared/duration.js';
import type { Log } from '../../shared/log.js';
import { classifyRdsError, isNotFound } from './client.js';

export type RdsTargetKind = 'instance' | 'cluster';

export interface RdsTarget {
  kind: RdsTargetKind;
  id: string;
}

export interface RdsTargetInfo {
  id: string;
  status: string;
  arn?: string;
  engine?: string;
  /** Set for an instance that belongs to an Aurora or Multi-AZ cluster. */
  clusterId?: string;
  /** Storage encrypted: its snapshots are too. */
  encrypted?: boolean;
}

export interface RdsSnapshotInfo {
  kind: RdsTargetKind;
  id: string;
  arn: string;
  region: string;
  sourceId: string;
  status: string;
  percent?: number;
  createdAt?: Date;
  type: string;
  engine?: string;
  encrypted?: boolean;
  tags: Record<string, string>;
}

export interface RdsQuota {
  name: string;
  used: number;
  max: number;
}

export interface RdsCallPolicy {
  /** No retry starts after this time (ms since epoch). */
  deadline: number;
  log: Log;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** One RDS call with retries under the policy; `busyHeals` also waits out a busy instance or cluster. */
export function callRds<T>(
  policy: RdsCallPolicy,
  what: string,
  operation: () => Promise<T>,
  options: { busyHeals?: boolean; permanent?: (error: unknown) => boolean } = {},
): Promise<T> {
  return withRetries(operation, {
    deadline: policy.deadline,
    baseDelayMs: policy.baseDelayMs,
    maxDelayMs: policy.maxDelayMs,
    classify: (error) => (options.permanent?.(error) ? { retry: false } : classifyRdsError(error, options)),
    onRetry: ({ attempt, delayMs, reason }) => policy.log.info(`${what}: ${reason}; attempt ${attempt + 1} in ${formatMillis(delayMs)}`),
  });
}

export function tagRecord(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}

function fromInstanceSnapshot(s: DBSnapshot, region: string): RdsSnapshotInfo {
  return {
    kind: 'instance',
    id: s.DBSnapshotIdentifier ?? '',
    arn: s.DBSnapshotArn ?? '',
    region,
    sourceId: s.DBInstanceIdentifier ?? '',
    status: s.Status ?? 'unknown',
    percent: s.PercentProgress,
    createdAt: s.SnapshotCreateTime,
    type: s.SnapshotType ?? '',
    engine: s.Engine,
    encrypted: s.Encrypted,
    tags: tagRecord(s.TagList),
  };
}

function fromClusterSnapshot(s: DBClusterSnapshot, region: string): RdsSnapshotInfo {
  return {
    kind: 'cluster',
    id: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn ?? '',
    region,
    sourceId: s.DBClusterIdentifier ?? '',
    status: s.Status ?? 'unknown',
    percent: s.PercentProgress,
    createdAt: s.SnapshotCreateTime,
    type: s.SnapshotType ?? '',
    engine: s.Engine,
    encrypted: s.StorageEncrypted,
    tags: tagRecord(s.TagList),
  };
}

/** RDS snapshot operations for one kind of target in one region. */
export class RdsSnapshots {
  constructor(
    private readonly client: RDSClient,
    readonly region: string,
    readonly kind: RdsTargetKind,
    private readonly policy: RdsCallPolicy,
  ) {}

  /** One API call with retries; `busyHeals` also waits out a busy instance or cluster. */
  private call<T>(what: string, operation: () => Promise<T>, options: { busyHeals?: boolean } = {}): Promise<T> {
    return callRds(this.policy, what, operation, options);
  }

  /** The instance or cluster, or undefined when it does not exist in this region. */
  async describeTarget(id: string): Promise<RdsTargetInfo | undefined> {
    try {
      if (this.kind === 'instance') {
        const { DBInstances } = await this.call('DescribeDBInstances', () => this.client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })));
        const i = DBInstances?.[0];
        return (
          i && {
            id: i.DBInstanceIdentifier ?? id,
            status: i.DBInstanceStatus ?? 'unknown',
            arn: i.DBInstanceArn,
            engine: i.Engine,
            clusterId: i.DBClusterIdentifier,
            encrypted: i.StorageEncrypted,
          }
        );
      }
      const { DBClusters } = await this.call('DescribeDBClusters', () => this.client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })));
      const c = DBClusters?.[0];
      return c && { id: c.DBClusterIdentifier ?? id, status: c.Status ?? 'unknown', arn: c.DBClusterArn, engine: c.Engine, encrypted: c.StorageEncrypted };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Starts a manual snapshot; a busy target is waited out until the deadline. */
  async create(targetId: string, snapshotId: string, tags: Tag[]): Promise<RdsSnapshotInfo> {
    if (this.kind === 'instance') {
      const { DBSnapshot } = await this.call(
        'CreateDBSnapshot',
        () => this.client.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: targetId, DBSnapshotIdentifier: snapshotId, Tags: tags })),
        { busyHeals: true },
      );
      return fromInstanceSnapshot(DBSnapshot ?? {}, this.region);
    }
    const { DBClusterSnapshot } = await this.call(
      'CreateDBClusterSnapshot',
      () => this.client.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: targetId, DBClusterSnapshotIdentifier: snapshotId, Tags: tags })),
      { busyHeals: true },
    );
    return fromClusterSnapshot(DBClusterSnapshot ?? {}, this.region);
  }

  /** The snapshot, or undefined when RDS does not know it (never created, deleted, vanished). */
  async get(snapshotId: string): Promise<RdsSnapshotInfo | undefined> {
    try {
      if (this.kind === 'instance') {
        const { DBSnapshots } = await this.call('DescribeDBSnapshots', () =>
          this.client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId })),
        );
        return DBSnapshots?.[0] && fromInstanceSnapshot(DBSnapshots[0], this.region);
      }
      const { DBClusterSnapshots } = await this.call('DescribeDBClusterSnapshots', () =>
        this.client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId })),
      );
      return DBClusterSnapshots?.[0] && fromClusterSnapshot(DBClusterSnapshots[0], this.region);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every manual snapshot of the instance or cluster, all pages, with their tags. */
  async listManual(targetId: string): Promise<RdsSnapshotInfo[]> {
    const all: RdsSnapshotInfo[] = [];
    let marker: string | undefined;
    do {
      if (this.kind === 'instance') {
        const page = await this.call('DescribeDBSnapshots', () =>
          this.client.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: targetId, SnapshotType: 'manual', MaxRecords: 100, Marker: marker })),
        );
        all.push(...(page.DBSnapshots ?? []).map((s) => fromInstanceSnapshot(s, this.region)));
        marker = page.Marker;
      } else {
        const page = await this.call('DescribeDBClusterSnapshots', () =>
          this.client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: targetId, SnapshotType: 'manual', MaxRecords: 100, Marker: marker })),
        );
        all.push(...(page.DBClusterSnapshots ?? []).map((s) => fromClusterSnapshot(s, this.region)));
        marker = page.Marker;
      }
    } while (marker);
    return all;
  }

  /** Deletes a manual snapshot; false when it was already gone. */
  async delete(snapshotId: string): Promise<boolean> {
    try {
      if (this.kind === 'instance')
        await this.call('DeleteDBSnapshot', () => this.client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshotId })));
      else await this.call('DeleteDBClusterSnapshot', () => this.client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshotId })));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The account's manual-snapshot quota in this region for this kind, when RDS reports it. */
  async quota(): Promise<RdsQuota | undefined> {
    const name = this.kind === 'instance' ? 'ManualSnapshots' : 'ManualClusterSnapshots';
    const { AccountQuotas } = await this.call('DescribeAccountAttributes', () => this.client.send(new DescribeAccountAttributesCommand({})));
    const quota = AccountQuotas?.find((q) => q.AccountQuotaName === name);
    return quota?.Used !== undefined && quota.Max !== undefined ? { name, used: quota.Used, max: quota.Max } : undefined;
  }

  /** Copies a snapshot from another region into this one, tags included; `kmsKeyId` re-encrypts an encrypted one. */
  async copyFrom(sourceArn: string, targetSnapshotId: string, tags: Tag[], kmsKeyId?: string): Promise<RdsSnapshotInfo> {
    // The SDK presigns the request for the source region from the source ARN.
    if (this.kind === 'instance') {
      const { DBSnapshot } = await this.call('CopyDBSnapshot', () =>
        this.client.send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: sourceArn,
            TargetDBSnapshotIdentifier: targetSnapshotId,
            CopyTags: false,
            Tags: tags,
            KmsKeyId: kmsKeyId,
          }),
        ),
      );
      return fromInstanceSnapshot(DBSnapshot ?? {}, this.region);
    }
    const { DBClusterSnapshot } = await this.call('CopyDBClusterSnapshot', () =>
      this.client.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: sourceArn,
          TargetDBClusterSnapshotIdentifier: targetSnapshotId,
          CopyTags: false,
          Tags: tags,
          KmsKeyId: kmsKeyId,
        }),
      ),
    );
    return fromClusterSnapshot(DBClusterSnapshot ?? {}, this.region);
  }
}
