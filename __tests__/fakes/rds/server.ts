// A fake Amazon RDS endpoint speaking the RDS Query protocol the way the real service does:
// form-encoded POSTs with Action and Version=2014-10-31, XML results wrapped in
// <XResponse><XResult>, XML errors with the service's codes and HTTP statuses, and
// Marker/MaxRecords pagination. One server serves every region; the region of a request is
// read from the SigV4 credential scope of its Authorization header, as RDS itself scopes it.
// Snapshots take `snapshotDelayMs` to go from creating to available, with PercentProgress
// rising meanwhile. Faults (throttling, 5xx, busy instances, quota, expired credentials,
// snapshots that fail or vanish) are injectable.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

const XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';
export const FAKE_ACCOUNT = '123456789012';

export type SnapshotKind = 'instance' | 'cluster';

export interface FakeInstance {
  id: string;
  region: string;
  status: string;
  engine: string;
  clusterId?: string;
  /** Until this time (ms) the instance is busy: status backing-up, snapshots refused. */
  lockedUntil?: number;
  instanceClass?: string;
  subnetGroup?: string;
  securityGroups?: string[];
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  storageType?: string;
  tags?: Array<{ Key: string; Value: string }>;
  /** Restored or created by a call: `creating` until this time (ms), then available (or failed, per fate). */
  readyAt?: number;
  /** Being deleted: gone from this time (ms). */
  deletingUntil?: number;
  fate?: 'failed';
  /** Restored from this snapshot. */
  restoredFrom?: string;
  /** The endpoint a Describe reports; default `<id>.cexample.<region>.rds.amazonaws.com:5432`. */
  endpoint?: { address: string; port: number };
  /** StorageEncrypted; default true for cluster members, false otherwise. Snapshots inherit it. */
  encrypted?: boolean;
}

export interface FakeCluster {
  id: string;
  region: string;
  status: string;
  engine: string;
  members: string[];
  subnetGroup?: string;
  securityGroups?: string[];
  parameterGroup?: string;
  tags?: Array<{ Key: string; Value: string }>;
  readyAt?: number;
  deletingUntil?: number;
  restoredFrom?: string;
  endpoint?: { address: string; port: number };
}

export interface FakeSnapshot {
  kind: SnapshotKind;
  id: string;
  region: string;
  sourceId: string;
  type: 'manual' | 'automated';
  engine: string;
  createdAt: number;
  /** When the snapshot becomes available (or failed, per its fate). */
  readyAt: number;
  tags: Array<{ Key: string; Value: string }>;
  fate?: 'failed' | 'vanish';
  /** Set for copies: the ARN they were copied from. */
  copiedFrom?: string;
  encrypted: boolean;
  /** The KMS key of an encrypted copy (KmsKeyId). */
  kmsKeyId?: string;
}

export interface Fault {
  /** Only requests for this action (any when omitted). */
  action?: string;
  /** Only requests signed for this region. */
  region?: string;
  code: string;
  status?: number;
  message?: string;
  type?: 'Sender' | 'Receiver';
  /** How many matching requests fail; Infinity for all from now on. Default 1. */
  times?: number;
  /** Let this many matching requests through before failing. */
  skip?: number;
}

export interface RecordedRequest {
  action: string;
  region: string;
  params: Record<string, string>;
  status: number;
  at: number;
}

export interface FakeRdsOptions {
  /** How long a new snapshot or copy stays in progress. Default 300 ms. */
  snapshotDelayMs?: number;
  /** The manual-snapshot quota per region (instance and cluster snapshots each). Default 100. */
  quotaMax?: number;
  /** The largest page a Describe call returns whatever MaxRecords says (real RDS: 100). */
  pageSize?: number;
  /** Regions whose instances and clusters exist; default us-east-1. */
  region?: string;
  /** How long a restored or created instance or cluster stays `creating`, and a deleted one `deleting`. Default 300 ms. */
  instanceDelayMs?: number;
  /** The DB instance quota per region (DescribeAccountAttributes DBInstances). Default 40. */
  instanceQuotaMax?: number;
  /** Where restored and created instances say they listen (tests point verification at the real test Postgres). */
  restoredEndpoint?: { address: string; port: number };
}

export interface FakeRds {
  endpoint: string;
  state: {
    instances: Map<string, FakeInstance>;
    clusters: Map<string, FakeCluster>;
    snapshots: Map<string, FakeSnapshot>;
  };
  requests: RecordedRequest[];
  addInstance(instance: Partial<FakeInstance> & { id: string }): FakeInstance;
  addCluster(cluster: Partial<FakeCluster> & { id: string; members?: string[] }): FakeCluster;
  addSnapshot(snapshot: Partial<FakeSnapshot> & { id: string; sourceId: string }): FakeSnapshot;
  /** The snapshot with this id in this region (default region when omitted). */
  snapshot(id: string, region?: string, kind?: SnapshotKind): FakeSnapshot | undefined;
  inject(fault: Fault): void;
  /** Drops every injected fault not yet used up, and un-expires credentials. */
  clearFaults(): void;
  setQuotaMax(max: number, region?: string): void;
  setInstanceQuotaMax(max: number): void;
  setInstanceDelay(ms: number): void;
  /** The next instance restored or created ends `failed` instead of `available`. */
  setInstanceFate(fate: 'failed'): void;
  /** The instance, or undefined when it does not exist (deleted ones linger while deleting). */
  instance(id: string, region?: string): FakeInstance | undefined;
  cluster(id: string, region?: string): FakeCluster | undefined;
  setSnapshotDelay(ms: number): void;
  /** The instance reports backing-up and refuses snapshots for `ms`. */
  lockInstance(id: string, ms: number, region?: string): void;
  /** The next snapshot created (or the one with `id`) ends failed, or disappears midway. */
  setSnapshotFate(fate: 'failed' | 'vanish', id?: string): void;
  /** Every request from now on fails with ExpiredToken. */
  expireCredentials(afterRequests?: number): void;
  calls(action: string): RecordedRequest[];
  close(): Promise<void>;
}

class RdsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const el = (name: string, value: string | number | boolean | undefined) => (value === undefined ? '' : `<${name}>${escape(String(value))}</${name}>`);
const iso = (ms: number) => new Date(ms).toISOString();
const key = (region: string, id: string) => `${region}/${id}`;
const snapshotKey = (kind: SnapshotKind, region: string, id: string) => `${kind}/${region}/${id}`;

/** RDS identifier rules: a letter first, then letters, digits, hyphens; no `--`, no trailing `-`. */
function legalIdentifier(id: string, max: number): boolean {
  return id.length >= 1 && id.length <= max && /^[A-Za-z][A-Za-z0-9-]*$/.test(id) && !id.includes('--') && !id.endsWith('-');
}

export async function startFakeRds(options: FakeRdsOptions = {}): Promise<FakeRds> {
  let delayMs = options.snapshotDelayMs ?? 300;
  const quotaMaxByRegion = new Map<string, number>();
  const quotaMaxFor = (region: string) => quotaMaxByRegion.get(region) ?? options.quotaMax ?? 100;
  const pageSize = options.pageSize ?? 100;
  const defaultRegion = options.region ?? 'us-east-1';
  const state = { instances: new Map<string, FakeInstance>(), clusters: new Map<string, FakeCluster>(), snapshots: new Map<string, FakeSnapshot>() };
  const requests: RecordedRequest[] = [];
  const faults: Array<Fault & { remaining: number; skipped: number }> = [];
  const fates = new Map<string, 'failed' | 'vanish'>();
  let nextFate: 'failed' | 'vanish' | undefined;
  let expireAfter: number | undefined;
  let instanceDelayMs = options.instanceDelayMs ?? 300;
  let instanceQuotaMax = options.instanceQuotaMax ?? 40;
  let nextInstanceFate: 'failed' | undefined;

  const arn = (region: string, type: string, id: string) => `arn:aws:rds:${region}:${FAKE_ACCOUNT}:${type}:${id}`;
  const snapshotArn = (s: FakeSnapshot) => arn(s.region, s.kind === 'instance' ? 'snapshot' : 'cluster-snapshot', s.id);

  /** Advances a snapshot through its life; returns undefined when it vanished. */
  function settle(s: FakeSnapshot, now = Date.now()): FakeSnapshot | undefined {
    if (s.fate === 'vanish' && now >= s.createdAt + (s.readyAt - s.createdAt) / 2) {
      state.snapshots.delete(snapshotKey(s.kind, s.region, s.id));
      return undefined;
    }
    return s;
  }
  function status(s: FakeSnapshot, now = Date.now()): { status: string; percent: number } {
    if (now >= s.readyAt) return s.fate === 'failed' ? { status: 'failed', percent: 0 } : { status: 'available', percent: 100 };
    const percent = Math.min(99, Math.floor(((now - s.createdAt) / Math.max(1, s.readyAt - s.createdAt)) * 100));
    if (s.copiedFrom) return { status: percent < 10 ? 'pending' : 'copying', percent };
    return { status: 'creating', percent };
  }
  function instanceStatus(i: FakeInstance): string {
    const now = Date.now();
    if (i.deletingUntil !== undefined) return 'deleting';
    if (i.readyAt !== undefined && now < i.readyAt) return 'creating';
    if (i.readyAt !== undefined && i.fate === 'failed') return 'failed';
    if (i.lockedUntil !== undefined && now < i.lockedUntil) return 'backing-up';
    return i.status;
  }
  function clusterStatus(c: FakeCluster): string {
    if (c.deletingUntil !== undefined) return 'deleting';
    if (c.readyAt !== undefined && Date.now() < c.readyAt) return 'creating';
    return c.status;
  }
  /** Deleted instances and clusters linger as `deleting`, then are gone. */
  function sweepDeleted(now = Date.now()): void {
    for (const [k, i] of state.instances) {
      if (i.deletingUntil !== undefined && now >= i.deletingUntil) {
        state.instances.delete(k);
        const cluster = i.clusterId ? state.clusters.get(key(i.region, i.clusterId)) : undefined;
        if (cluster) cluster.members = cluster.members.filter((m) => m !== i.id);
      }
    }
    for (const [k, c] of state.clusters) if (c.deletingUntil !== undefined && now >= c.deletingUntil) state.clusters.delete(k);
  }
  const defaultParameterGroup = (engine: string) => `default.${engine}16`;
  const defaultOptionGroup = (engine: string) => `default:${engine}-16`;
  function groupsXml(groups: string[]): string {
    return `<VpcSecurityGroups>${groups.map((g) => `<VpcSecurityGroupMembership>${el('VpcSecurityGroupId', g)}${el('Status', 'active')}</VpcSecurityGroupMembership>`).join('')}</VpcSecurityGroups>`;
  }
  function tagsXml(tags: Array<{ Key: string; Value: string }>): string {
    return `<TagList>${tags.map((t) => `<Tag>${el('Key', t.Key)}${el('Value', t.Value)}</Tag>`).join('')}</TagList>`;
  }
  function snapshotXml(s: FakeSnapshot): string {
    const { status: st, percent } = status(s);
    if (s.kind === 'instance') {
      return `<DBSnapshot>${el('DBSnapshotIdentifier', s.id)}${el('DBInstanceIdentifier', s.sourceId)}${el('SnapshotCreateTime', iso(s.createdAt))}${el('Engine', s.engine)}${el('AllocatedStorage', 20)}${el('Status', st)}${el('Port', 5432)}${el('AvailabilityZone', `${s.region}a`)}${el('VpcId', 'vpc-0example')}${el('InstanceCreateTime', iso(Date.UTC(2024, 0, 1)))}${el('MasterUsername', 'postgres')}${el('EngineVersion', '16.4')}${el('LicenseModel', 'postgresql-license')}${el('SnapshotType', s.type)}${el('PercentProgress', percent)}${el('SourceRegion', s.copiedFrom ? s.copiedFrom.split(':')[3] : undefined)}${el('SourceDBSnapshotIdentifier', s.copiedFrom)}${el('StorageType', 'gp3')}${el('Encrypted', s.encrypted)}${el('KmsKeyId', s.kmsKeyId)}${el('DBSnapshotArn', snapshotArn(s))}${el('IAMDatabaseAuthenticationEnabled', false)}${tagsXml(s.tags)}${el('OriginalSnapshotCreateTime', iso(s.createdAt))}${el('SnapshotTarget', 'region')}</DBSnapshot>`;
    }
    return `<DBClusterSnapshot><AvailabilityZones>${['a', 'b', 'c'].map((z) => el('AvailabilityZone', `${s.region}${z}`)).join('')}</AvailabilityZones>${el('DBClusterSnapshotIdentifier', s.id)}${el('DBClusterIdentifier', s.sourceId)}${el('SnapshotCreateTime', iso(s.createdAt))}${el('Engine', s.engine)}${el('EngineMode', 'provisioned')}${el('AllocatedStorage', 0)}${el('Status', st)}${el('Port', 0)}${el('VpcId', 'vpc-0example')}${el('ClusterCreateTime', iso(Date.UTC(2024, 0, 1)))}${el('MasterUsername', 'postgres')}${el('EngineVersion', '16.4')}${el('LicenseModel', 'postgresql-license')}${el('SnapshotType', s.type)}${el('PercentProgress', percent)}${el('StorageEncrypted', s.encrypted)}${el('KmsKeyId', s.kmsKeyId)}${el('DBClusterSnapshotArn', snapshotArn(s))}${el('SourceDBClusterSnapshotArn', s.copiedFrom)}${el('IAMDatabaseAuthenticationEnabled', false)}${tagsXml(s.tags)}</DBClusterSnapshot>`;
  }
  function instanceXml(i: FakeInstance): string {
    const st = instanceStatus(i);
    // A new instance has no endpoint until it is up, as RDS reports it.
    const endpoint =
      st === 'creating'
        ? ''
        : `<Endpoint>${el('Address', i.endpoint?.address ?? `${i.id}.cexample.${i.region}.rds.amazonaws.com`)}${el('Port', i.endpoint?.port ?? 5432)}</Endpoint>`;
    const subnet = i.subnetGroup ?? 'default';
    const subnetXml = `<DBSubnetGroup>${el('DBSubnetGroupName', subnet)}${el('DBSubnetGroupDescription', `${subnet} subnets`)}${el('VpcId', 'vpc-0example')}${el('SubnetGroupStatus', 'Complete')}<Subnets/></DBSubnetGroup>`;
    const parameterXml = `<DBParameterGroups><DBParameterGroup>${el('DBParameterGroupName', i.parameterGroup ?? defaultParameterGroup(i.engine))}${el('ParameterApplyStatus', 'in-sync')}</DBParameterGroup></DBParameterGroups>`;
    const optionXml = i.clusterId
      ? ''
      : `<OptionGroupMemberships><OptionGroupMembership>${el('OptionGroupName', i.optionGroup ?? defaultOptionGroup(i.engine))}${el('Status', 'in-sync')}</OptionGroupMembership></OptionGroupMemberships>`;
    return `<DBInstance>${el('DBInstanceIdentifier', i.id)}${el('DBInstanceClass', i.instanceClass ?? (i.clusterId ? 'db.r6g.large' : 'db.t4g.micro'))}${el('Engine', i.engine)}${el('DBInstanceStatus', st)}${el('MasterUsername', 'postgres')}${endpoint}${el('AllocatedStorage', 20)}${el('InstanceCreateTime', iso(Date.UTC(2024, 0, 1)))}${el('BackupRetentionPeriod', 7)}${groupsXml(i.securityGroups ?? ['sg-0default'])}${parameterXml}${subnetXml}${el('MultiAZ', i.multiAz ?? false)}${el('EngineVersion', '16.4')}${optionXml}${el('StorageType', i.storageType ?? 'gp2')}${el('DBClusterIdentifier', i.clusterId)}${el('StorageEncrypted', i.encrypted ?? Boolean(i.clusterId))}${el('DbiResourceId', `db-${i.id.toUpperCase().replace(/-/g, '')}`)}${el('DBInstanceArn', arn(i.region, 'db', i.id))}${tagsXml(i.tags ?? [])}</DBInstance>`;
  }
  function clusterXml(c: FakeCluster): string {
    const members = c.members
      .map((id, index) => `<DBClusterMember>${el('DBInstanceIdentifier', id)}${el('IsClusterWriter', index === 0)}${el('PromotionTier', 1)}</DBClusterMember>`)
      .join('');
    return `<DBCluster>${el('AllocatedStorage', 1)}${el('BackupRetentionPeriod', 7)}${el('DBClusterParameterGroup', c.parameterGroup ?? `default.${c.engine}16`)}${el('DBSubnetGroup', c.subnetGroup ?? 'default')}${el('DBClusterIdentifier', c.id)}${el('Status', clusterStatus(c))}${el('Endpoint', c.endpoint?.address ?? `${c.id}.cluster-cexample.${c.region}.rds.amazonaws.com`)}${el('MultiAZ', c.members.length > 1)}${el('Engine', c.engine)}${el('EngineVersion', '16.4')}${el('Port', c.endpoint?.port ?? 5432)}${el('MasterUsername', 'postgres')}<DBClusterMembers>${members}</DBClusterMembers>${groupsXml(c.securityGroups ?? ['sg-0default'])}${el('StorageEncrypted', true)}${el('DBClusterArn', arn(c.region, 'cluster', c.id))}${tagsXml(c.tags ?? [])}</DBCluster>`;
  }

  function manualCount(region: string, kind: SnapshotKind): number {
    return [...state.snapshots.values()].filter((s) => settle(s) && s.region === region && s.kind === kind && s.type === 'manual').length;
  }

  /** Filters.Filter.N.Name / Filters.Filter.N.Values.Value.M into a map. */
  function filters(params: Record<string, string>): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (let n = 1; params[`Filters.Filter.${n}.Name`] !== undefined; n++) {
      const values: string[] = [];
      for (let m = 1; params[`Filters.Filter.${n}.Values.Value.${m}`] !== undefined; m++) values.push(params[`Filters.Filter.${n}.Values.Value.${m}`]!);
      result.set(params[`Filters.Filter.${n}.Name`]!, values);
    }
    return result;
  }
  function tagsParam(params: Record<string, string>): Array<{ Key: string; Value: string }> {
    const tags: Array<{ Key: string; Value: string }> = [];
    for (let n = 1; params[`Tags.Tag.${n}.Key`] !== undefined; n++)
      tags.push({ Key: params[`Tags.Tag.${n}.Key`]!, Value: params[`Tags.Tag.${n}.Value`] ?? '' });
    return tags;
  }
  function page<T>(items: T[], params: Record<string, string>): { items: T[]; marker?: string } {
    const max = params.MaxRecords === undefined ? 100 : Number(params.MaxRecords);
    if (!Number.isInteger(max) || max < 20 || max > 100)
      throw new RdsError('InvalidParameterValue', 400, `Invalid value ${params.MaxRecords} for MaxRecords. Must be between 20 and 100`);
    const size = Math.min(max, pageSize);
    const start = params.Marker ? Number(Buffer.from(params.Marker, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw new RdsError('InvalidParameterValue', 400, 'The marker is not valid.');
    const slice = items.slice(start, start + size);
    const marker = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { items: slice, marker };
  }

  function findInstance(region: string, id: string | undefined): FakeInstance {
    sweepDeleted();
    const instance = id ? state.instances.get(key(region, id.toLowerCase())) : undefined;
    if (!instance) throw new RdsError('DBInstanceNotFound', 404, `DBInstance ${id} not found.`);
    return instance;
  }
  function findCluster(region: string, id: string | undefined): FakeCluster {
    sweepDeleted();
    const cluster = id ? state.clusters.get(key(region, id.toLowerCase())) : undefined;
    if (!cluster) throw new RdsError('DBClusterNotFoundFault', 404, `DBCluster ${id} not found.`);
    return cluster;
  }
  function liveSnapshot(kind: SnapshotKind, region: string, id: string): FakeSnapshot | undefined {
    const s = state.snapshots.get(snapshotKey(kind, region, id.toLowerCase()));
    return s && settle(s);
  }
  function notFound(kind: SnapshotKind, id: string): RdsError {
    return kind === 'instance'
      ? new RdsError('DBSnapshotNotFound', 404, `DBSnapshot ${id} not found.`)
      : new RdsError('DBClusterSnapshotNotFoundFault', 404, `DBClusterSnapshot ${id} not found.`);
  }
  function resolveArn(resource: string | undefined): { kind: SnapshotKind | 'db' | 'cluster'; region: string; id: string } {
    const parts = (resource ?? '').split(':');
    if (parts.length !== 7 || parts[0] !== 'arn' || parts[2] !== 'rds')
      throw new RdsError('InvalidParameterValue', 400, `The specified resource name does not match an RDS resource in this region.`);
    const type = parts[5]!;
    const kind = type === 'snapshot' ? 'instance' : type === 'cluster-snapshot' ? 'cluster' : type === 'db' ? 'db' : type === 'cluster' ? 'cluster' : undefined;
    if (!kind) throw new RdsError('InvalidParameterValue', 400, `Unsupported resource type ${type}.`);
    return { kind: type === 'cluster' ? 'cluster' : kind, region: parts[3]!, id: parts[6]! };
  }
  function snapshotByArn(resource: string | undefined): FakeSnapshot {
    const parts = (resource ?? '').split(':');
    const kind: SnapshotKind | undefined = parts[5] === 'snapshot' ? 'instance' : parts[5] === 'cluster-snapshot' ? 'cluster' : undefined;
    if (parts.length !== 7 || !kind) {
      const { kind: resolvedKind } = resolveArn(resource);
      throw new RdsError('InvalidParameterValue', 400, `Tags of ${resolvedKind} resources are not kept by this fake.`);
    }
    const s = liveSnapshot(kind, parts[3]!, parts[6]!);
    if (!s) throw notFound(kind, parts[6]!);
    return s;
  }

  function createSnapshot(
    kind: SnapshotKind,
    region: string,
    id: string,
    sourceId: string,
    engine: string,
    tags: Array<{ Key: string; Value: string }>,
    encrypted: boolean,
    copiedFrom?: string,
  ): FakeSnapshot {
    if (!legalIdentifier(id, kind === 'instance' ? 255 : 63)) {
      throw new RdsError(
        'InvalidParameterValue',
        400,
        `The parameter ${kind === 'instance' ? 'DBSnapshotIdentifier' : 'DBClusterSnapshotIdentifier'} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
      );
    }
    if (liveSnapshot(kind, region, id)) {
      throw kind === 'instance'
        ? new RdsError('DBSnapshotAlreadyExists', 400, `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`)
        : new RdsError('DBClusterSnapshotAlreadyExistsFault', 400, `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`);
    }
    if (manualCount(region, kind) >= quotaMaxFor(region))
      throw new RdsError('SnapshotQuotaExceeded', 400, `Cannot create more than ${quotaMaxFor(region)} manual snapshots`);
    const now = Date.now();
    const snapshot: FakeSnapshot = {
      kind,
      id: id.toLowerCase(),
      region,
      sourceId,
      type: 'manual',
      engine,
      createdAt: now,
      readyAt: now + delayMs,
      tags,
      encrypted,
      copiedFrom,
    };
    const fate = fates.get(snapshot.id) ?? nextFate;
    if (fate) {
      snapshot.fate = fate;
      fates.delete(snapshot.id);
      nextFate = undefined;
    }
    state.snapshots.set(snapshotKey(kind, region, snapshot.id), snapshot);
    return snapshot;
  }

  function listSnapshots(kind: SnapshotKind, region: string, params: Record<string, string>): FakeSnapshot[] {
    const f = filters(params);
    const idParam = kind === 'instance' ? params.DBSnapshotIdentifier : params.DBClusterSnapshotIdentifier;
    const sourceParam = kind === 'instance' ? params.DBInstanceIdentifier : params.DBClusterIdentifier;
    if (idParam !== undefined) {
      const s = liveSnapshot(kind, region, idParam);
      if (!s) throw notFound(kind, idParam);
    }
    const idFilter = f.get(kind === 'instance' ? 'db-snapshot-id' : 'db-cluster-snapshot-id');
    const sourceFilter = f.get(kind === 'instance' ? 'db-instance-id' : 'db-cluster-id');
    const typeFilter = f.get('snapshot-type');
    const type = params.SnapshotType;
    return [...state.snapshots.values()]
      .filter((s) => s.kind === kind && s.region === region)
      .filter((s) => settle(s) !== undefined)
      .filter((s) => idParam === undefined || s.id === idParam.toLowerCase())
      .filter((s) => sourceParam === undefined || s.sourceId === sourceParam.toLowerCase() || s.sourceId === sourceParam.split(':').pop())
      .filter((s) => !idFilter || idFilter.map((v) => v.toLowerCase()).includes(s.id))
      .filter((s) => !sourceFilter || sourceFilter.some((v) => v.toLowerCase() === s.sourceId || v.split(':').pop() === s.sourceId))
      .filter((s) => (type ? s.type === type : true))
      .filter((s) => !typeFilter || typeFilter.includes(s.type))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  function copySnapshot(kind: SnapshotKind, region: string, params: Record<string, string>): FakeSnapshot {
    const sourceParam = kind === 'instance' ? params.SourceDBSnapshotIdentifier : params.SourceDBClusterSnapshotIdentifier;
    const target = kind === 'instance' ? params.TargetDBSnapshotIdentifier : params.TargetDBClusterSnapshotIdentifier;
    if (!sourceParam || !target) throw new RdsError('MissingParameter', 400, 'The request must contain the source and target snapshot identifiers.');
    let source: FakeSnapshot | undefined;
    if (sourceParam.startsWith('arn:')) {
      const sourceRegion = sourceParam.split(':')[3]!;
      // Real RDS needs a presigned URL from the source region for a cross-region copy;
      // the SDK makes one from SourceRegion or the source ARN.
      if (sourceRegion !== region && !params.PreSignedUrl)
        throw new RdsError('InvalidParameterValue', 400, 'PreSignedUrl must be specified for a cross-region copy.');
      source = liveSnapshot(kind, sourceRegion, sourceParam.split(':')[6]!);
    } else {
      source = liveSnapshot(kind, region, sourceParam);
    }
    if (!source) throw notFound(kind, sourceParam);
    // An encrypted snapshot is re-encrypted with a key of the destination region; RDS cannot
    // use the source region's key there and refuses without one (each API in its own words).
    if (source.encrypted && source.region !== region && !params.KmsKeyId) {
      throw kind === 'instance'
        ? new RdsError('InvalidParameterValue', 400, 'Must specify new KMS key for cross region encrypted snapshot copy.')
        : new RdsError('KMSKeyNotAccessibleFault', 400, 'Specified KMS key [None] does not exist, is not enabled or you do not have permissions to access it.');
    }
    if (status(source).status !== 'available')
      throw new RdsError(
        kind === 'instance' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault',
        400,
        `Snapshot ${source.id} is not in the available state.`,
      );
    const tags = [...(params.CopyTags === 'true' ? source.tags : []), ...tagsParam(params)];
    const copy = createSnapshot(kind, region, target, source.sourceId, source.engine, tags, source.encrypted, snapshotArn(source));
    if (params.KmsKeyId) copy.kmsKeyId = params.KmsKeyId;
    return copy;
  }

  function deleteSnapshot(kind: SnapshotKind, region: string, id: string | undefined): FakeSnapshot {
    const s = id ? liveSnapshot(kind, region, id) : undefined;
    if (!s) throw notFound(kind, id ?? '');
    if (s.type !== 'manual')
      throw new RdsError(kind === 'instance' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault', 400, 'Only manual snapshots can be deleted.');
    const st = status(s).status;
    if (st !== 'available' && st !== 'failed')
      throw new RdsError(
        kind === 'instance' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault',
        400,
        `Cannot delete snapshot ${s.id} in state ${st}.`,
      );
    state.snapshots.delete(snapshotKey(kind, region, s.id));
    return s;
  }

  function listParam(params: Record<string, string>, prefix: string): string[] | undefined {
    const values: string[] = [];
    for (let n = 1; params[`${prefix}.${n}`] !== undefined; n++) values.push(params[`${prefix}.${n}`]!);
    return values.length > 0 ? values : undefined;
  }
  const bool = (value: string | undefined) => (value === undefined ? undefined : value === 'true');
  function requireParam(params: Record<string, string>, name: string): string {
    const value = params[name];
    if (!value) throw new RdsError('MissingParameter', 400, `The request must contain the parameter ${name}`);
    return value;
  }
  function checkNewInstanceId(region: string, id: string): void {
    if (!legalIdentifier(id, 63))
      throw new RdsError(
        'InvalidParameterValue',
        400,
        'The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
      );
    sweepDeleted();
    if (state.instances.has(key(region, id.toLowerCase()))) throw new RdsError('DBInstanceAlreadyExists', 400, 'DB instance already exists');
    const used = [...state.instances.values()].filter((i) => i.region === region).length;
    if (used >= instanceQuotaMax) throw new RdsError('InstanceQuotaExceeded', 400, `Cannot create more than ${instanceQuotaMax} DB instances`);
  }
  function newInstance(region: string, params: Record<string, string>, base: Partial<FakeInstance> & { engine: string }): FakeInstance {
    const now = Date.now();
    const instance: FakeInstance = {
      ...base,
      id: params.DBInstanceIdentifier!.toLowerCase(),
      region,
      status: 'available',
      instanceClass: params.DBInstanceClass ?? base.instanceClass,
      subnetGroup: params.DBSubnetGroupName,
      securityGroups: listParam(params, 'VpcSecurityGroupIds.VpcSecurityGroupId'),
      parameterGroup: params.DBParameterGroupName,
      optionGroup: params.OptionGroupName,
      multiAz: bool(params.MultiAZ),
      storageType: params.StorageType,
      tags: tagsParam(params),
      readyAt: now + instanceDelayMs,
      endpoint: options.restoredEndpoint,
    };
    if (nextInstanceFate) {
      instance.fate = nextInstanceFate;
      nextInstanceFate = undefined;
    }
    state.instances.set(key(region, instance.id), instance);
    return instance;
  }
  function snapshotParam(kind: SnapshotKind, region: string, value: string): FakeSnapshot {
    const s = value.startsWith('arn:')
      ? value.split(':')[3] === region
        ? liveSnapshot(kind, region, value.split(':')[6]!)
        : undefined
      : liveSnapshot(kind, region, value);
    if (!s) throw notFound(kind, value);
    if (status(s).status !== 'available')
      throw new RdsError(
        kind === 'instance' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault',
        400,
        `Snapshot ${s.id} is not in the available state.`,
      );
    return s;
  }

  function handle(action: string, region: string, params: Record<string, string>): string {
    switch (action) {
      case 'RestoreDBInstanceFromDBSnapshot': {
        const id = requireParam(params, 'DBInstanceIdentifier');
        const snapshot = snapshotParam('instance', region, requireParam(params, 'DBSnapshotIdentifier'));
        checkNewInstanceId(region, id);
        // What RDS keeps from the snapshot: engine, storage, the instance class; everything
        // else falls back to the defaults (default VPC subnet group and security group,
        // default parameter and option groups, Single-AZ, no tags).
        const source = state.instances.get(key(region, snapshot.sourceId));
        const instance = newInstance(region, params, {
          id,
          region,
          status: 'available',
          engine: snapshot.engine,
          instanceClass: source?.instanceClass ?? 'db.t4g.micro',
          restoredFrom: snapshot.id,
        });
        return instanceXml(instance);
      }
      case 'RestoreDBClusterFromSnapshot': {
        const id = requireParam(params, 'DBClusterIdentifier');
        const snapshot = snapshotParam('cluster', region, requireParam(params, 'SnapshotIdentifier'));
        const engine = requireParam(params, 'Engine');
        if (engine !== snapshot.engine)
          throw new RdsError('InvalidParameterCombination', 400, `The engine ${engine} does not match the snapshot's engine ${snapshot.engine}.`);
        if (!legalIdentifier(id, 63)) throw new RdsError('InvalidParameterValue', 400, 'The parameter DBClusterIdentifier is not a valid identifier.');
        sweepDeleted();
        if (state.clusters.has(key(region, id.toLowerCase()))) throw new RdsError('DBClusterAlreadyExistsFault', 400, 'DB Cluster already exists');
        if ([...state.clusters.values()].filter((c) => c.region === region).length >= 40)
          throw new RdsError('DBClusterQuotaExceededFault', 403, 'Cannot create more than 40 DB clusters');
        const cluster: FakeCluster = {
          id: id.toLowerCase(),
          region,
          status: 'available',
          engine,
          members: [],
          subnetGroup: params.DBSubnetGroupName,
          securityGroups: listParam(params, 'VpcSecurityGroupIds.VpcSecurityGroupId'),
          parameterGroup: params.DBClusterParameterGroupName,
          tags: tagsParam(params),
          readyAt: Date.now() + instanceDelayMs,
          restoredFrom: snapshot.id,
          endpoint: options.restoredEndpoint,
        };
        state.clusters.set(key(region, cluster.id), cluster);
        return clusterXml(cluster);
      }
      case 'CreateDBInstance': {
        const id = requireParam(params, 'DBInstanceIdentifier');
        requireParam(params, 'DBInstanceClass');
        const engine = requireParam(params, 'Engine');
        const clusterId = params.DBClusterIdentifier;
        if (!clusterId) throw new RdsError('InvalidParameterValue', 400, 'This fake creates DB instances only inside a DB cluster (DBClusterIdentifier).');
        const cluster = findCluster(region, clusterId);
        if (engine !== cluster.engine)
          throw new RdsError('InvalidParameterCombination', 400, `The engine ${engine} does not match the DB cluster's engine ${cluster.engine}.`);
        if (clusterStatus(cluster) !== 'available')
          throw new RdsError('InvalidDBClusterStateFault', 400, `DB cluster ${cluster.id} is not in the available state (${clusterStatus(cluster)}).`);
        checkNewInstanceId(region, id);
        const instance = newInstance(region, params, { id, region, status: 'available', engine, clusterId: cluster.id });
        cluster.members.push(instance.id);
        return instanceXml(instance);
      }
      case 'DeleteDBInstance': {
        const instance = findInstance(region, params.DBInstanceIdentifier);
        const st = instanceStatus(instance);
        if (st === 'deleting') throw new RdsError('InvalidDBInstanceState', 400, `Instance ${instance.id} is already being deleted.`);
        if (st === 'creating' || st === 'backing-up') throw new RdsError('InvalidDBInstanceState', 400, `Instance ${instance.id} is not in available state.`);
        if (!instance.clusterId && params.SkipFinalSnapshot !== 'true' && !params.FinalDBSnapshotIdentifier)
          throw new RdsError('InvalidParameterCombination', 400, 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
        if (st === 'failed' && params.SkipFinalSnapshot !== 'true')
          throw new RdsError('InvalidParameterCombination', 400, 'A failed instance can only be deleted with SkipFinalSnapshot.');
        instance.deletingUntil = Date.now() + instanceDelayMs;
        return instanceXml(instance);
      }
      case 'DeleteDBCluster': {
        const cluster = findCluster(region, params.DBClusterIdentifier);
        const st = clusterStatus(cluster);
        if (st === 'deleting') throw new RdsError('InvalidDBClusterStateFault', 400, `DB cluster ${cluster.id} is already being deleted.`);
        if (st !== 'available') throw new RdsError('InvalidDBClusterStateFault', 400, `DB cluster ${cluster.id} is not in the available state.`);
        const live = cluster.members.filter((m) => state.instances.get(key(region, m))?.deletingUntil === undefined);
        if (live.length > 0)
          throw new RdsError('InvalidDBClusterStateFault', 400, 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
        if (params.SkipFinalSnapshot !== 'true' && !params.FinalDBSnapshotIdentifier)
          throw new RdsError('InvalidParameterCombination', 400, 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
        cluster.deletingUntil = Date.now() + instanceDelayMs;
        return clusterXml(cluster);
      }
      case 'DescribeDBInstances': {
        sweepDeleted();
        const id = params.DBInstanceIdentifier;
        const all = id ? [findInstance(region, id)] : [...state.instances.values()].filter((i) => i.region === region);
        const { items, marker } = page(all, params);
        return `${el('Marker', marker)}<DBInstances>${items.map(instanceXml).join('')}</DBInstances>`;
      }
      case 'DescribeDBClusters': {
        sweepDeleted();
        const id = params.DBClusterIdentifier;
        const all = id ? [findCluster(region, id)] : [...state.clusters.values()].filter((c) => c.region === region);
        const { items, marker } = page(all, params);
        return `${el('Marker', marker)}<DBClusters>${items.map(clusterXml).join('')}</DBClusters>`;
      }
      case 'CreateDBSnapshot': {
        const id = params.DBSnapshotIdentifier;
        if (!id) throw new RdsError('MissingParameter', 400, 'The request must contain the parameter DBSnapshotIdentifier');
        const instance = findInstance(region, params.DBInstanceIdentifier);
        if (instance.clusterId)
          throw new RdsError(
            'InvalidParameterValue',
            400,
            `The specified instance is a member of DB cluster ${instance.clusterId}. Create a DB cluster snapshot instead.`,
          );
        if (instanceStatus(instance) !== 'available')
          throw new RdsError(
            'InvalidDBInstanceState',
            400,
            `Cannot create a snapshot because the database instance ${instance.id} is not currently in the available state.`,
          );
        const snapshot = createSnapshot('instance', region, id, instance.id, instance.engine, tagsParam(params), instance.encrypted ?? false);
        // The instance backs up while its snapshot is taken, as RDS reports it.
        instance.lockedUntil = Math.max(instance.lockedUntil ?? 0, Math.min(snapshot.readyAt, Date.now() + 50));
        return snapshotXml(snapshot);
      }
      case 'CreateDBClusterSnapshot': {
        const id = params.DBClusterSnapshotIdentifier;
        if (!id) throw new RdsError('MissingParameter', 400, 'The request must contain the parameter DBClusterSnapshotIdentifier');
        const cluster = findCluster(region, params.DBClusterIdentifier);
        if (cluster.status !== 'available')
          throw new RdsError('InvalidDBClusterStateFault', 400, `DBCluster ${cluster.id} is not in the available state (${cluster.status}).`);
        const snapshot = createSnapshot('cluster', region, id, cluster.id, cluster.engine, tagsParam(params), true);
        return snapshotXml(snapshot);
      }
      case 'DescribeDBSnapshots':
      case 'DescribeDBClusterSnapshots': {
        const kind: SnapshotKind = action === 'DescribeDBSnapshots' ? 'instance' : 'cluster';
        const { items, marker } = page(listSnapshots(kind, region, params), params);
        const wrapper = kind === 'instance' ? 'DBSnapshots' : 'DBClusterSnapshots';
        return `${el('Marker', marker)}<${wrapper}>${items.map(snapshotXml).join('')}</${wrapper}>`;
      }
      case 'DeleteDBSnapshot':
        return snapshotXml(deleteSnapshot('instance', region, params.DBSnapshotIdentifier)).replace(/<Status>[^<]*<\/Status>/, '<Status>deleted</Status>');
      case 'DeleteDBClusterSnapshot':
        return snapshotXml(deleteSnapshot('cluster', region, params.DBClusterSnapshotIdentifier)).replace(
          /<Status>[^<]*<\/Status>/,
          '<Status>deleted</Status>',
        );
      case 'CopyDBSnapshot':
        return snapshotXml(copySnapshot('instance', region, params));
      case 'CopyDBClusterSnapshot':
        return snapshotXml(copySnapshot('cluster', region, params));
      case 'AddTagsToResource': {
        const s = snapshotByArn(params.ResourceName);
        for (const tag of tagsParam(params)) {
          const existing = s.tags.find((t) => t.Key === tag.Key);
          if (existing) existing.Value = tag.Value;
          else s.tags.push(tag);
        }
        return '';
      }
      case 'ListTagsForResource':
        return tagsXml(snapshotByArn(params.ResourceName).tags);
      case 'DescribeAccountAttributes': {
        const quota = (name: string, used: number, max: number) =>
          `<AccountQuota>${el('AccountQuotaName', name)}${el('Used', used)}${el('Max', max)}</AccountQuota>`;
        return `<AccountQuotas>${quota('DBInstances', (sweepDeleted(), [...state.instances.values()].filter((i) => i.region === region).length), instanceQuotaMax)}${quota('ManualSnapshots', manualCount(region, 'instance'), quotaMaxFor(region))}${quota('ManualClusterSnapshots', manualCount(region, 'cluster'), quotaMaxFor(region))}${quota('DBClusters', [...state.clusters.values()].filter((c) => c.region === region).length, 40)}</AccountQuotas>`;
      }
      default:
        throw new RdsError('InvalidAction', 400, `The action ${action} is not valid for this web service.`);
    }
  }

  function regionOf(request: IncomingMessage): string | undefined {
    const auth = request.headers.authorization ?? '';
    const match = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/rds\/aws4_request/.exec(auth);
    return match?.[1];
  }

  function send(response: ServerResponse, status: number, body: string) {
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
  function sendError(response: ServerResponse, error: RdsError) {
    const requestId = randomUUID();
    send(
      response,
      error.status,
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.type}</Type><Code>${escape(error.code)}</Code><Message>${escape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  }

  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body)) as Record<string, string>;
      const action = params.Action ?? '';
      const region = regionOf(request);
      const record = (status: number) => requests.push({ action, region: region ?? '', params, status, at: Date.now() });
      try {
        if (request.method !== 'POST') throw new RdsError('InvalidAction', 400, 'Only POST is supported by this fake.');
        if (!region) throw new RdsError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
        if (params.Version !== '2014-10-31') throw new RdsError('InvalidParameterValue', 400, `Unsupported Version ${params.Version}`);
        if (expireAfter !== undefined) {
          if (expireAfter <= 0) throw new RdsError('ExpiredToken', 400, 'The security token included in the request is expired');
          expireAfter--;
        }
        const fault = faults.find((f) => f.remaining > 0 && (!f.action || f.action === action) && (!f.region || f.region === region));
        if (fault) {
          if (fault.skipped < (fault.skip ?? 0)) {
            fault.skipped++;
          } else {
            fault.remaining--;
            throw new RdsError(fault.code, fault.status ?? 400, fault.message ?? `Injected ${fault.code}`, fault.type);
          }
        }
        const result = handle(action, region, params);
        const requestId = randomUUID();
        const payload = action === 'AddTagsToResource' ? '' : `<${action}Result>${result}</${action}Result>`;
        record(200);
        send(
          response,
          200,
          `<${action}Response xmlns="${XMLNS}">${payload}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
        );
      } catch (error) {
        const rdsError = error instanceof RdsError ? error : new RdsError('InternalFailure', 500, String(error));
        record(rdsError.status);
        sendError(response, rdsError);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    state,
    requests,
    addInstance(instance) {
      const full: FakeInstance = {
        region: defaultRegion,
        status: 'available',
        engine: instance.clusterId ? 'aurora-postgresql' : 'postgres',
        ...instance,
        id: instance.id.toLowerCase(),
      };
      state.instances.set(key(full.region, full.id), full);
      return full;
    },
    addCluster(cluster) {
      const full: FakeCluster = {
        region: defaultRegion,
        status: 'available',
        engine: 'aurora-postgresql',
        members: [],
        ...cluster,
        id: cluster.id.toLowerCase(),
      };
      state.clusters.set(key(full.region, full.id), full);
      for (const member of full.members)
        state.instances.set(key(full.region, member), { id: member, region: full.region, status: 'available', engine: full.engine, clusterId: full.id });
      return full;
    },
    addSnapshot(snapshot) {
      const createdAt = snapshot.createdAt ?? Date.now();
      const full: FakeSnapshot = {
        kind: 'instance',
        region: defaultRegion,
        type: 'manual',
        engine: 'postgres',
        createdAt,
        readyAt: createdAt,
        tags: [],
        encrypted: false,
        ...snapshot,
        id: snapshot.id.toLowerCase(),
      };
      state.snapshots.set(snapshotKey(full.kind, full.region, full.id), full);
      return full;
    },
    snapshot(id, region = defaultRegion, kind) {
      for (const k of kind ? [kind] : (['instance', 'cluster'] as const)) {
        const s = state.snapshots.get(snapshotKey(k, region, id.toLowerCase()));
        if (s) return s;
      }
      return undefined;
    },
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1, skipped: 0 });
    },
    clearFaults() {
      faults.length = 0;
      expireAfter = undefined;
    },
    setQuotaMax(max, region = defaultRegion) {
      quotaMaxByRegion.set(region, max);
    },
    setSnapshotDelay(ms) {
      delayMs = ms;
    },
    setInstanceQuotaMax(max) {
      instanceQuotaMax = max;
    },
    setInstanceDelay(ms) {
      instanceDelayMs = ms;
    },
    setInstanceFate(fate) {
      nextInstanceFate = fate;
    },
    instance(id, region = defaultRegion) {
      sweepDeleted();
      return state.instances.get(key(region, id.toLowerCase()));
    },
    cluster(id, region = defaultRegion) {
      sweepDeleted();
      return state.clusters.get(key(region, id.toLowerCase()));
    },
    lockInstance(id, ms, region = defaultRegion) {
      findInstance(region, id).lockedUntil = Date.now() + ms;
    },
    setSnapshotFate(fate, id) {
      if (id) fates.set(id.toLowerCase(), fate);
      else nextFate = fate;
    },
    expireCredentials(afterRequests = 0) {
      expireAfter = afterRequests;
    },
    calls(action) {
      return requests.filter((r) => r.action === action);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
