// The provider's branches as the CLI shows and guards them: list with kind, parent, age and
// size; find one; remove one; and the read-only access to a protected branch. Built on the
// providers' own listing and deletion (the cleanup stores), never a second copy of them.
import type pg from 'pg';
import { EndpointType, type Endpoint } from '@neondatabase/api-client';
import { MANAGED_BY, quoteIdent, quoteLiteral, shortHash } from '../shared/naming.js';
import { secretsOfUrl } from '../shared/secrets.js';
import type { Log } from '../shared/log.js';
import type { ProviderKind } from '../providers/types.js';
import type { PreviewResource } from '../cleanup/select.js';
import { NeonPreviewStore, neonLastActivity, toPreviewResource, type NeonBranchFacts } from '../providers/neon/sweep.js';
import { PostgresPreviewStore } from '../providers/postgres/sweep.js';
import { callNeon, createNeonApi, type NeonApi, type NeonCallContext, type NeonConnection } from '../providers/neon/client.js';
import { listBranchEndpoints, waitForOperations } from '../providers/neon/branches.js';
import { connectWithRetry, describeUrl, waitForSelectOne, withCredentials, withDatabase } from '../shared/postgres.js';
import { canCreateRoles, previewRolePassword, scramVerifier } from '../providers/postgres/preview-role.js';
import { RefusedError } from './errors.js';

export type BranchKind = 'preview' | 'developer' | 'default' | 'protected' | 'other';

export interface BranchInfo {
  name: string;
  /** Neon branch id, or the Postgres database name. */
  id: string;
  kind: BranchKind;
  parent?: string;
  parentId?: string;
  createdAt?: string;
  lastActive?: string;
  expiresAt?: string;
  sizeBytes?: number;
  /** Carries preview-db's mark (Neon annotation managed-by, Postgres database comment). */
  madeByPreviewDb: boolean;
  isDefault: boolean;
  isProtected: boolean;
  children: string[];
  /** Postgres: why this database is never touched (the admin database, a template...). */
  reserved?: string;
  resource: PreviewResource;
}

export interface ConnectionUrls {
  pooled: string;
  direct: string;
  host: string;
  database: string;
  role: string;
  readOnly: boolean;
}

export interface Project {
  readonly provider: ProviderKind;
  list(): Promise<BranchInfo[]>;
  find(name: string): Promise<BranchInfo | undefined>;
  /** Deletes it; a Postgres database without the mark only when `unmarked` says the person insisted. */
  remove(branch: BranchInfo): Promise<{ alreadyGone: boolean }>;
  /** URLs that can read and not write (the protected path); throws RefusedError where the provider cannot. */
  readOnlyUrls(branch: BranchInfo, options: { database?: string; role?: string; waitTimeoutSeconds: number }): Promise<ConnectionUrls>;
}

export function isPreviewName(name: string, annotations: Record<string, string>): boolean {
  return Boolean(annotations['github-pr-number']) || name.startsWith('preview/');
}

export class NeonProject implements Project {
  readonly provider = 'neon' as const;
  private readonly store: NeonPreviewStore;
  private readonly api: NeonApi;

  constructor(
    private readonly connection: NeonConnection,
    private readonly log: Log,
  ) {
    this.store = new NeonPreviewStore({ ...connection, waitForDeletion: true }, log);
    this.api = createNeonApi(connection);
  }

  private info(fact: NeonBranchFacts, names: Map<string, string>): BranchInfo {
    const { branch, annotations } = fact;
    const marked = annotations['managed-by'] === MANAGED_BY;
    const resource = toPreviewResource(fact);
    const kind: BranchKind = resource.isDefault
      ? 'default'
      : branch.protected
        ? 'protected'
        : marked
          ? isPreviewName(branch.name, annotations)
            ? 'preview'
            : 'developer'
          : 'other';
    return {
      name: branch.name,
      id: branch.id,
      kind,
      parent: branch.parent_id ? (names.get(branch.parent_id) ?? branch.parent_id) : undefined,
      parentId: branch.parent_id,
      createdAt: branch.created_at,
      lastActive: neonLastActivity(branch, fact.endpoints).at?.toISOString(),
      expiresAt: branch.expires_at,
      sizeBytes: branch.logical_size,
      madeByPreviewDb: marked,
      isDefault: resource.isDefault,
      isProtected: resource.isProtected,
      children: resource.children,
      resource,
    };
  }

  private async facts(withActivity: boolean): Promise<BranchInfo[]> {
    const facts = await this.store.listFacts(withActivity ? 'stale' : 'pr');
    const names = new Map(facts.map((fact) => [fact.branch.id, fact.branch.name]));
    return facts.map((fact) => this.info(fact, names));
  }

  list(): Promise<BranchInfo[]> {
    return this.facts(true);
  }

  async find(name: string): Promise<BranchInfo | undefined> {
    return (await this.facts(false)).find((branch) => branch.name === name || branch.id === name);
  }

  remove(branch: BranchInfo): Promise<{ alreadyGone: boolean }> {
    return this.store.remove(branch.resource);
  }

  /** The branch whose compute answers at `host` (Neon hosts start with the endpoint id). */
  async branchOfHost(host: string): Promise<string | undefined> {
    const endpointId = neonEndpointIdOfHost(host);
    if (!endpointId) return undefined;
    const context: NeonCallContext = { api: this.api, projectId: this.connection.projectId, log: this.log, deadline: Date.now() + 30_000 };
    const { endpoints } = await callNeon(context, 'list computes', () => this.api.listProjectEndpoints(this.connection.projectId));
    const endpoint = endpoints.find((candidate) => candidate.id === endpointId);
    if (!endpoint) return undefined;
    const { branch } = await callNeon(context, 'read the branch', () => this.api.getProjectBranch(this.connection.projectId, endpoint.branch_id));
    return branch.name;
  }

  /** A read-only compute of the branch (added if it has none): Neon's read replica, which cannot write. */
  async readOnlyUrls(branch: BranchInfo, options: { database?: string; role?: string; waitTimeoutSeconds: number }): Promise<ConnectionUrls> {
    const deadline = Date.now() + options.waitTimeoutSeconds * 1000;
    const context: NeonCallContext = { api: this.api, projectId: this.connection.projectId, log: this.log, deadline };
    let endpoint: Endpoint | undefined = (await listBranchEndpoints(context, branch.id)).find((candidate) => candidate.type === EndpointType.ReadOnly);
    if (!endpoint) {
      this.log.info(`Adding a read-only compute to '${branch.name}' (a read replica: it cannot write).`);
      const created = await callNeon(context, `add a read-only compute to '${branch.name}'`, () =>
        this.api.createProjectEndpoint(this.connection.projectId, { endpoint: { branch_id: branch.id, type: EndpointType.ReadOnly } }),
      );
      await waitForOperations(context, created.operations, `starting the read-only compute of '${branch.name}'`);
      endpoint = created.endpoint;
    }
    const { databases } = await callNeon(context, `list the databases of '${branch.name}'`, () =>
      this.api.listProjectBranchDatabases(this.connection.projectId, branch.id),
    );
    const database = options.database ? databases.find((candidate) => candidate.name === options.database) : databases.length === 1 ? databases[0] : undefined;
    if (!database) {
      throw new RefusedError(
        `branch '${branch.name}' has ${options.database ? `no database '${options.database}'` : `${databases.length} databases`} (${databases.map((d) => d.name).join(', ') || 'none'}); name the one to use with --database.`,
      );
    }
    const role = options.role ?? database.owner_name;
    const [pooled, direct] = await Promise.all(
      [true, false].map((isPooled) =>
        callNeon(context, 'read the connection URI', () =>
          this.api.getConnectionUri({
            projectId: this.connection.projectId,
            branch_id: branch.id,
            endpoint_id: endpoint!.id,
            database_name: database.name,
            role_name: role,
            pooled: isPooled,
          }),
        ).then((data) => data.uri),
      ),
    );
    for (const secret of [pooled!, direct!].flatMap(secretsOfUrl)) this.log.secret(secret);
    await waitForSelectOne(direct!, deadline, this.log, `read-only compute ${endpoint.id}`);
    return { pooled: pooled!, direct: direct!, host: describeUrl(direct!).host, database: database.name, role, readOnly: true };
  }
}

/** `ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech` → `ep-cool-darkness-123456`. */
export function neonEndpointIdOfHost(host: string): string | undefined {
  const label = host.split('.')[0] ?? '';
  return /^ep-[a-z0-9-]+$/.test(label) ? label.replace(/-pooler$/, '') : undefined;
}

export class PostgresProject implements Project {
  readonly provider = 'postgres' as const;
  private readonly store: PostgresPreviewStore;

  constructor(
    private readonly adminUrl: string,
    private readonly log: Log,
  ) {
    this.store = new PostgresPreviewStore({ adminUrl }, log);
  }

  private info(resource: PreviewResource, sizes: Map<string, number>): BranchInfo {
    const marked = Boolean(resource.marked) && !resource.reserved;
    return {
      name: resource.name,
      id: resource.id,
      kind: marked ? (resource.pullRequest || resource.name.startsWith('preview/') ? 'preview' : 'developer') : 'other',
      createdAt: resource.incarnation,
      lastActive: resource.lastActivity?.toISOString(),
      expiresAt: resource.expiresAt?.toISOString(),
      sizeBytes: sizes.get(resource.id),
      madeByPreviewDb: marked,
      isDefault: false,
      isProtected: false,
      children: [],
      reserved: resource.reserved,
      resource,
    };
  }

  async list(): Promise<BranchInfo[]> {
    // A century of idleness: no database is looked at more closely than its listing.
    const resources = await this.store.list({ mode: 'stale', olderThanSeconds: 100 * 365 * 86400, now: new Date() });
    const client = await connectWithRetry(this.adminUrl, Date.now() + 60_000, this.log, 'Postgres server');
    let sizes: Map<string, number>;
    try {
      const { rows } = await client.query<{ datname: string; size: string | null }>(
        "SELECT datname, CASE WHEN has_database_privilege(datname, 'CONNECT') THEN pg_database_size(oid) END AS size FROM pg_database WHERE datallowconn",
      );
      sizes = new Map(rows.filter((row) => row.size !== null).map((row) => [row.datname, Number(row.size)]));
    } finally {
      await client.end().catch(() => {});
    }
    return resources.map((resource) => this.info(resource, sizes));
  }

  async find(name: string): Promise<BranchInfo | undefined> {
    const [resource] = await this.store.list({ mode: 'pr', branchName: name, olderThanSeconds: 0, now: new Date() });
    return resource ? this.info(resource, new Map()) : undefined;
  }

  async remove(branch: BranchInfo): Promise<{ alreadyGone: boolean }> {
    if (branch.reserved) throw new RefusedError(`database '${branch.id}' is never deleted: ${branch.reserved}.`);
    if (branch.madeByPreviewDb) {
      const removed = await this.store.remove(branch.resource);
      const client = await connectWithRetry(this.adminUrl, Date.now() + 60_000, this.log, 'Postgres server');
      await this.dropReadOnlyRole(client, branch.id).finally(() => client.end().catch(() => {}));
      return removed;
    }
    // Not preview-db's, and the person repeated its name with --force.
    const client = await connectWithRetry(this.adminUrl, Date.now() + 60_000, this.log, 'Postgres server');
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [branch.id]);
      if (!rowCount) return { alreadyGone: true };
      await client.query(`DROP DATABASE ${quoteIdent(branch.id)} WITH (FORCE)`);
      await this.dropReadOnlyRole(client, branch.id);
      return { alreadyGone: false };
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** The read-only role `switch --allow-protected` made for a database, once the database is gone. */
  private async dropReadOnlyRole(client: pg.Client, database: string): Promise<void> {
    const role = readOnlyRoleName(database);
    const { rows } = await client.query<{ comment: string | null }>("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1", [
      role,
    ]);
    if (rows[0]?.comment === readOnlyMark(database)) await client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  }

  /**
   * A role of its own that may connect to this database and read it, nothing else: SELECT on
   * every table and sequence of its schemas, read-only transactions by default. Its password
   * is derived from the admin credentials, like a preview role's, so every run agrees on it.
   */
  async readOnlyUrls(branch: BranchInfo, options: { waitTimeoutSeconds: number }): Promise<ConnectionUrls> {
    const deadline = Date.now() + options.waitTimeoutSeconds * 1000;
    const database = branch.id;
    const role = readOnlyRoleName(database);
    const password = previewRolePassword(this.adminUrl, role);
    this.log.secret(password);
    const mark = readOnlyMark(database);
    const admin = await connectWithRetry(this.adminUrl, deadline, this.log, 'Postgres server');
    try {
      if (!(await canCreateRoles(admin))) {
        throw new RefusedError(
          `PREVIEW_DB_POSTGRES_URL's role may not create roles, so preview-db cannot make a read-only role for '${database}'. Use a role with CREATEROLE, or connect with read-only credentials of your own.`,
        );
      }
      const { rows } = await admin.query<{ comment: string | null }>("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1", [
        role,
      ]);
      if (rows.length > 0 && rows[0]!.comment !== mark)
        throw new RefusedError(`role '${role}' exists and is not preview-db's read-only role for '${database}'; refusing to take it over.`);
      const verifier = quoteLiteral(scramVerifier(password));
      await admin.query(
        rows.length === 0 ? `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${verifier}` : `ALTER ROLE ${quoteIdent(role)} LOGIN PASSWORD ${verifier}`,
      );
      await admin.query(`COMMENT ON ROLE ${quoteIdent(role)} IS ${quoteLiteral(mark)}`);
      await admin.query(`ALTER ROLE ${quoteIdent(role)} SET default_transaction_read_only = on`);
      await admin.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`);
    } finally {
      await admin.end().catch(() => {});
    }
    const inside = await connectWithRetry(withDatabase(this.adminUrl, database), deadline, this.log, `database '${database}'`);
    try {
      const { rows: schemas } = await inside.query<{ nspname: string }>(
        "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'",
      );
      for (const { nspname } of schemas) {
        await inside.query(`GRANT USAGE ON SCHEMA ${quoteIdent(nspname)} TO ${quoteIdent(role)}`);
        await inside.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(nspname)} TO ${quoteIdent(role)}`);
        await inside.query(`GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${quoteIdent(nspname)} TO ${quoteIdent(role)}`);
      }
    } finally {
      await inside.end().catch(() => {});
    }
    const url = withCredentials(withDatabase(this.adminUrl, database), role, password);
    for (const secret of secretsOfUrl(url)) this.log.secret(secret);
    await waitForSelectOne(url, deadline, this.log, `database '${database}'`);
    return { pooled: url, direct: url, host: describeUrl(url).host, database, role, readOnly: true };
  }
}

export function readOnlyMark(database: string): string {
  return `managed-by=${MANAGED_BY}; read-only=${database}`;
}

/** `app_production` → `app_production_readonly`; long names are cut and keep a hash. */
export function readOnlyRoleName(database: string): string {
  const suffix = '_readonly';
  if (database.length + suffix.length <= 63) return `${database}${suffix}`;
  return `${database.slice(0, 63 - suffix.length - 9)}_${shortHash(database)}${suffix}`;
}
