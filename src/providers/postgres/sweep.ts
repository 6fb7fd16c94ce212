// Cleanup on a shared Postgres (or RDS) server: list the databases that carry
// create-branch's mark, with the last activity the server reports, and drop one.
//
// What Postgres tells about activity (it keeps no "last connection" timestamp):
// - the mark's created-at (when create-branch made the database);
// - pg_stat_activity: the sessions connected right now (backend_start, state_change,
//   query_start); a session whose details this role may not see counts as active now;
// - Postgres 16+: pg_stat_user_tables.last_seq_scan / last_idx_scan, the last time any
//   query read a table of that database (kept across clean restarts). Reading them needs a
//   connection to that database, so only databases that look idle otherwise are asked.
// The newest of these is the database's last activity.
import { dropPreviewRole } from './preview-role.js';
import pg from 'pg';
import { databaseNameForBranch, pullRequestFromName, quoteIdent } from '../../shared/naming.js';
import { withRetries } from '../../shared/retry.js';
import type { Log } from '../../shared/log.js';
import type { ListRequest, PreviewResource, PreviewStore } from '../store.js';
import { forEachBounded } from '../../shared/pacer.js';
import { classifyPostgresError, connectWithRetry, describeUrl, withDatabase } from '../../shared/postgres.js';
import { parseMarker } from './marker.js';

/** Databases that are never previews, whatever their comment says. */
const SYSTEM_DATABASES = new Set(['postgres', 'template0', 'template1', 'rdsadmin', 'cloudsqladmin', 'azure_maintenance', 'azure_sys', 'defaultdb']);

export interface PostgresSweepSettings {
  /** Admin connection URL to the server (a role that may drop the previews). */
  adminUrl: string;
  /** Drops at a time (default 3). */
  concurrency?: number;
  /** Bound for retries of each step, in seconds (default 120). */
  callTimeoutSeconds?: number;
  /** `owner/repo` of this workflow: a preview marked by another repository is never matched to our pull requests. */
  repository?: string;
}

interface DatabaseRow {
  datname: string;
  datistemplate: boolean;
  datallowconn: boolean;
  comment: string | null;
  sessions: number;
  last_session: Date | null;
}

const LIST_SQL = `
  SELECT d.datname, d.datistemplate, d.datallowconn,
         shobj_description(d.oid, 'pg_database') AS comment,
         (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid()) AS sessions,
         (SELECT max(greatest(a.backend_start, a.state_change, a.query_start)) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid()) AS last_session
    FROM pg_database d`;

export function toPreviewResource(row: DatabaseRow, adminDatabase: string, now: Date, wanted?: string, repository?: string): PreviewResource {
  const marker = parseMarker(row.comment);
  const name = wanted ?? marker?.branch ?? row.datname;
  let reserved: string | undefined;
  if (row.datname === adminDatabase) reserved = 'it is the database of postgres-url (the admin connection)';
  else if (SYSTEM_DATABASES.has(row.datname)) reserved = `'${row.datname}' is a system database`;
  else if (row.datistemplate) reserved = 'it is a template database';
  else if (!row.datallowconn) reserved = 'it does not allow connections (a system or maintenance database)';
  else if (marker && databaseNameForBranch(marker.branch) !== row.datname)
    reserved = `its mark names branch '${marker.branch}', which maps to another database (was it renamed?)`;
  else if (marker && wanted !== undefined && marker.branch !== wanted) reserved = `it belongs to the preview of branch '${marker.branch}'`;

  // Activity: the mark's creation, then sessions open now.
  let lastActivity = marker?.createdAt ? new Date(marker.createdAt) : undefined;
  if (lastActivity && Number.isNaN(lastActivity.getTime())) lastActivity = undefined;
  let activitySource = lastActivity ? 'created' : undefined;
  if (row.sessions > 0) {
    const session = row.last_session ?? now;
    if (!lastActivity || session > lastActivity) {
      lastActivity = session;
      activitySource = `${row.sessions} open connection(s)`;
    }
  }
  return {
    id: row.datname,
    name,
    isDefault: false,
    isProtected: false,
    children: [],
    marked: Boolean(marker),
    reserved,
    lastActivity,
    activitySource,
    pullRequest:
      marker && !(marker.repository && repository && marker.repository !== repository) ? (marker.pullRequest ?? pullRequestFromName(marker.branch)) : undefined,
    incarnation: marker?.createdAt,
    expiresAt: marker?.expiresAt && !Number.isNaN(Date.parse(marker.expiresAt)) ? new Date(marker.expiresAt) : undefined,
  };
}

export class PostgresPreviewStore implements PreviewStore {
  readonly kind = 'postgres' as const;
  readonly concurrency: number;
  private readonly adminDatabase: string;

  constructor(
    private readonly settings: PostgresSweepSettings,
    private readonly log: Log,
  ) {
    this.concurrency = settings.concurrency ?? 3;
    this.adminDatabase = describeUrl(settings.adminUrl).database || 'postgres';
  }

  private deadline(): number {
    return Date.now() + (this.settings.callTimeoutSeconds ?? 120) * 1000;
  }

  private async withClient<T>(url: string, what: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await connectWithRetry(url, this.deadline(), this.log, what, { setting: url === this.settings.adminUrl ? 'postgresAdminUrl' : undefined });
    try {
      return await body(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async list(request: ListRequest): Promise<PreviewResource[]> {
    const wanted = request.mode === 'pr' && request.branchName ? databaseNameForBranch(request.branchName) : undefined;
    const { rows, version } = await this.withClient(this.settings.adminUrl, 'Postgres server', async (client) => {
      const result = await client.query<DatabaseRow>(wanted ? `${LIST_SQL} WHERE d.datname = $1` : LIST_SQL, wanted ? [wanted] : []);
      const versionResult = await client.query<{ server_version_num: string }>('SHOW server_version_num');
      return { rows: result.rows, version: Number(versionResult.rows[0]!.server_version_num) };
    });
    const resources = rows.map((row) =>
      toPreviewResource(row, this.adminDatabase, request.now, wanted ? request.branchName : undefined, this.settings.repository),
    );
    this.log.info(
      `The server has ${rows.length} database(s)${wanted ? ` named '${wanted}'` : ''}; ${resources.filter((resource) => resource.marked && !resource.reserved).length} carry the preview-db mark.`,
    );
    if (request.mode === 'stale' && version >= 160000) await this.addTableActivity(resources, request);
    return resources;
  }

  /** Postgres 16+: the last table read in each marked database that otherwise looks idle. */
  private async addTableActivity(resources: PreviewResource[], request: ListRequest): Promise<void> {
    const cutoff = request.now.getTime() - request.olderThanSeconds * 1000;
    const idle = resources.filter((resource) => resource.marked && !resource.reserved && resource.lastActivity && resource.lastActivity.getTime() < cutoff);
    await forEachBounded(idle, 4, async (resource) => {
      try {
        const lastScan = await this.withClient(withDatabase(this.settings.adminUrl, resource.id), `database '${resource.id}'`, async (client) => {
          const { rows } = await client.query<{ last_scan: Date | null }>(
            'SELECT max(greatest(last_seq_scan, last_idx_scan)) AS last_scan FROM pg_stat_user_tables',
          );
          return rows[0]?.last_scan ?? null;
        });
        if (lastScan && lastScan > resource.lastActivity!) {
          resource.lastActivity = lastScan;
          resource.activitySource = 'a table last read';
        }
      } catch (error) {
        this.log.debug(`Could not read table activity of '${resource.id}': ${(error as Error).message}`);
      }
    });
  }

  async remove(resource: PreviewResource): Promise<{ alreadyGone: boolean; note?: string }> {
    return this.withClient(this.settings.adminUrl, 'Postgres server', async (client) => {
      // Still there, still the same preview (a new one made since listing is left alone)?
      const { rows } = await client.query<{ comment: string | null; sessions: number; version: string }>(
        `SELECT shobj_description(d.oid, 'pg_database') AS comment,
                (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datid = d.oid) AS sessions,
                current_setting('server_version_num') AS version
           FROM pg_database d WHERE d.datname = $1`,
        [resource.id],
      );
      if (rows.length === 0) {
        // A role left behind by an earlier run that stopped between the two drops.
        await dropPreviewRole(client, resource.id, this.log);
        return { alreadyGone: true };
      }
      const marker = parseMarker(rows[0]!.comment);
      if (!marker || marker.branch !== resource.name || databaseNameForBranch(marker.branch) !== resource.id || marker.createdAt !== resource.incarnation) {
        throw new Error(
          `database '${resource.id}' changed since it was listed (its mark is now ${marker ? `for '${marker.branch}', created ${marker.createdAt}` : 'gone'}); not dropped. A re-run judges it afresh.`,
        );
      }
      const { sessions } = rows[0]!;
      const force = Number(rows[0]!.version) >= 130000;
      if (sessions > 0)
        this.log.info(
          `Database '${resource.id}' has ${sessions} open connection(s); ${force ? 'DROP DATABASE ... WITH (FORCE) terminates them' : 'terminating them first'}.`,
        );
      await withRetries(
        async () => {
          if (!force && sessions > 0)
            await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [resource.id]);
          await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(resource.id)}${force ? ' WITH (FORCE)' : ''}`);
        },
        {
          deadline: this.deadline(),
          baseDelayMs: 250,
          // 55006: sessions reconnected between terminating and dropping (Postgres before 13).
          classify: (error) =>
            (error as { code?: string }).code === '55006' ? { retry: true, reason: 'the database is still in use' } : classifyPostgresError(error),
          onRetry: ({ reason, delayMs }) => this.log.info(`Dropping '${resource.id}': ${reason}; retrying in ${delayMs}ms`),
        },
      );
      const droppedRole = await dropPreviewRole(client, resource.id, this.log);
      const notes = [sessions > 0 ? `terminated ${sessions} open connection(s)` : '', droppedRole ? 'dropped its role' : ''].filter(Boolean);
      return { alreadyGone: false, note: notes.length > 0 ? notes.join('; ') : undefined };
    });
  }

  async close(): Promise<void> {}
}
