// Restoring RDS snapshots into new instances and clusters, and deleting what a drill made.
// Every call is retried on throttling, 5xx and network failures until the caller's deadline
// (the same policy as RdsSnapshots); permanent errors surface at once.
import {
  type RDSClient,
  type DBInstance,
  type DBCluster,
  type Tag,
  DescribeDBInstancesCommand,
  DescribeDBClustersCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBClusterFromSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DeleteDBClusterCommand,
  DescribeAccountAttributesCommand,
} from '@aws-sdk/client-rds';
import { isNotFound } from './client.js';
import { callRds, tagRecord, type RdsCallPolicy, type RdsQuota } from './snapshots.js';

/** What a restore needs to know about an instance, and what it must copy from the source. */
export interface RdsInstanceShape {
  id: string;
  status: string;
  engine?: string;
  instanceClass?: string;
  subnetGroup?: string;
  securityGroups: string[];
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  storageType?: string;
  clusterId?: string;
  endpoint?: { address: string; port: number };
  tags: Record<string, string>;
}

export interface RdsClusterShape {
  id: string;
  status: string;
  engine?: string;
  engineVersion?: string;
  subnetGroup?: string;
  securityGroups: string[];
  parameterGroup?: string;
  /** Members, the writer first. */
  members: Array<{ id: string; writer: boolean }>;
  endpoint?: { address: string; port: number };
  tags: Record<string, string>;
}

/** Settings a restored instance gets; anything undefined is left to RDS's defaults. */
export interface RestoreInstanceSettings {
  instanceClass?: string;
  subnetGroup?: string;
  securityGroups?: string[];
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  storageType?: string;
  tags: Tag[];
}

export interface RestoreClusterSettings {
  engine: string;
  engineVersion?: string;
  subnetGroup?: string;
  securityGroups?: string[];
  parameterGroup?: string;
  tags: Tag[];
}

function instanceShape(i: DBInstance): RdsInstanceShape {
  return {
    id: i.DBInstanceIdentifier ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    engine: i.Engine,
    instanceClass: i.DBInstanceClass,
    subnetGroup: i.DBSubnetGroup?.DBSubnetGroupName,
    securityGroups: (i.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
    parameterGroup: i.DBParameterGroups?.[0]?.DBParameterGroupName,
    optionGroup: i.OptionGroupMemberships?.[0]?.OptionGroupName,
    multiAz: i.MultiAZ,
    storageType: i.StorageType,
    clusterId: i.DBClusterIdentifier,
    endpoint: i.Endpoint?.Address ? { address: i.Endpoint.Address, port: i.Endpoint.Port ?? 5432 } : undefined,
    tags: tagRecord(i.TagList),
  };
}

function clusterShape(c: DBCluster): RdsClusterShape {
  const members = (c.DBClusterMembers ?? []).map((m) => ({ id: m.DBInstanceIdentifier ?? '', writer: m.IsClusterWriter === true }));
  return {
    id: c.DBClusterIdentifier ?? '',
    status: c.Status ?? 'unknown',
    engine: c.Engine,
    engineVersion: c.EngineVersion,
    subnetGroup: c.DBSubnetGroup,
    securityGroups: (c.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
    parameterGroup: c.DBClusterParameterGroup,
    members: [...members.filter((m) => m.writer), ...members.filter((m) => !m.writer)],
    endpoint: c.Endpoint ? { address: c.Endpoint, port: c.Port ?? 5432 } : undefined,
    tags: tagRecord(c.TagList),
  };
}

const ALREADY_DELETING = /already being deleted/i;

const listOf = <T>(values: T[] | undefined) => (values && values.length > 0 ? values : undefined);

export class RdsRestores {
  constructor(
    private readonly client: RDSClient,
    readonly region: string,
    private readonly policy: RdsCallPolicy,
  ) {}

  private call<T>(what: string, operation: () => Promise<T>, options: { busyHeals?: boolean } = {}): Promise<T> {
    // Deleting something already being deleted is done, not busy.
    return callRds(this.policy, what, operation, { ...options, permanent: (error) => ALREADY_DELETING.test((error as Error)?.message ?? '') });
  }

  async instance(id: string): Promise<RdsInstanceShape | undefined> {
    try {
      const { DBInstances } = await this.call('DescribeDBInstances', () => this.client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })));
      return DBInstances?.[0] && instanceShape(DBInstances[0]);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async cluster(id: string): Promise<RdsClusterShape | undefined> {
    try {
      const { DBClusters } = await this.call('DescribeDBClusters', () => this.client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })));
      return DBClusters?.[0] && clusterShape(DBClusters[0]);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every instance in the region, all pages, with tags (for the stale-drill sweep). */
  async allInstances(): Promise<RdsInstanceShape[]> {
    const all: RdsInstanceShape[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeDBInstances', () => this.client.send(new DescribeDBInstancesCommand({ MaxRecords: 100, Marker: marker })));
      all.push(...(page.DBInstances ?? []).map(instanceShape));
      marker = page.Marker;
    } while (marker);
    return all;
  }

  async allClusters(): Promise<RdsClusterShape[]> {
    const all: RdsClusterShape[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeDBClusters', () => this.client.send(new DescribeDBClustersCommand({ MaxRecords: 100, Marker: marker })));
      all.push(...(page.DBClusters ?? []).map(clusterShape));
      marker = page.Marker;
    } while (marker);
    return all;
  }

  async quotas(): Promise<Record<string, RdsQuota>> {
    const { AccountQuotas } = await this.call('DescribeAccountAttributes', () => this.client.send(new DescribeAccountAttributesCommand({})));
    const result: Record<string, RdsQuota> = {};
    for (const q of AccountQuotas ?? [])
      if (q.AccountQuotaName && q.Used !== undefined && q.Max !== undefined)
        result[q.AccountQuotaName] = { name: q.AccountQuotaName, used: q.Used, max: q.Max };
    return result;
  }

  async restoreInstance(targetId: string, snapshotId: string, s: RestoreInstanceSettings): Promise<RdsInstanceShape> {
    const { DBInstance } = await this.call('RestoreDBInstanceFromDBSnapshot', () =>
      this.client.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: targetId,
          DBSnapshotIdentifier: snapshotId,
          DBInstanceClass: s.instanceClass,
          DBSubnetGroupName: s.subnetGroup,
          VpcSecurityGroupIds: listOf(s.securityGroups),
          DBParameterGroupName: s.parameterGroup,
          OptionGroupName: s.optionGroup,
          MultiAZ: s.multiAz,
          StorageType: s.storageType,
          Tags: s.tags,
        }),
      ),
    );
    return instanceShape(DBInstance ?? {});
  }

  async restoreCluster(targetId: string, snapshotId: string, s: RestoreClusterSettings): Promise<RdsClusterShape> {
    const { DBCluster } = await this.call('RestoreDBClusterFromSnapshot', () =>
      this.client.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: targetId,
          SnapshotIdentifier: snapshotId,
          Engine: s.engine,
          EngineVersion: s.engineVersion,
          DBSubnetGroupName: s.subnetGroup,
          VpcSecurityGroupIds: listOf(s.securityGroups),
          DBClusterParameterGroupName: s.parameterGroup,
          Tags: s.tags,
        }),
      ),
    );
    return clusterShape(DBCluster ?? {});
  }

  /** The writer of a new cluster: the first instance created in it. */
  async createClusterInstance(clusterId: string, instanceId: string, engine: string, instanceClass: string, tags: Tag[]): Promise<RdsInstanceShape> {
    const { DBInstance } = await this.call(
      'CreateDBInstance',
      () =>
        this.client.send(
          new CreateDBInstanceCommand({
            DBClusterIdentifier: clusterId,
            DBInstanceIdentifier: instanceId,
            Engine: engine,
            DBInstanceClass: instanceClass,
            Tags: tags,
          }),
        ),
      { busyHeals: true },
    );
    return instanceShape(DBInstance ?? {});
  }

  /** Deletes an instance for good (no final snapshot); false when it was already gone. A busy instance is waited out. */
  async deleteInstance(id: string): Promise<boolean> {
    try {
      await this.call(
        'DeleteDBInstance',
        () => this.client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })),
        { busyHeals: true },
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (ALREADY_DELETING.test((error as Error).message ?? '')) return true;
      throw error;
    }
  }

  async deleteCluster(id: string): Promise<boolean> {
    try {
      await this.call('DeleteDBCluster', () => this.client.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true })), {
        busyHeals: true,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (ALREADY_DELETING.test((error as Error).message ?? '')) return true;
      throw error;
    }
  }
}
