// Previews as databases of their own on a shared Postgres (or RDS) server: CREATE
// DATABASE, cloned from a template when one is named, and marked as this project's.
import type pg from 'pg';
import { SettingError } from '../../shared/errors.js';
import { databaseNameForBranch, quoteIdent, quoteLiteral } from '../../shared/naming.js';
import { withRetries, sleep } from '../../shared/retry.js';
import type { Log } from '../../shared/log.js';
import type { PreviewDatabase, PreviewProvider, PreviewRequest } from '../types.js';
import { connectWithRetry, describeUrl, withCredentials, withDatabase } from '../../shared/postgres.js';
import { canCreateRoles, ensurePreviewRoleRetrying } from './preview-role.js';
import { formatMarker, parseMarker, type PreviewMarker } from './marker.js';

/** How long a run waits for a twin's just-created database to carry its mark (within wait-timeout). */
const TWIN_MARK_WAIT_MS = 60_000;

export interface PostgresPreviewSettings {
  /** An admin connection URL to the server (a role that may CREATE DATABASE). */
  adminUrl: string;
  /** A database to clone; empty for a fresh empty database. */
  template?: string;
}

interface ExistingDatabase {
  name: string;
  marker?: PreviewMarker;
  comment: string | null;
}

export class PostgresPreviews implements PreviewProvider {
  readonly kind = 'postgres' as const;
  /** Whether the preview gets a role of its own (postgres-url's role may create roles). */
  private ownRole?: boolean;

  constructor(
    private readonly settings: PostgresPreviewSettings,
    private readonly log: Log,
  ) {}

  private async admin<T>(deadline: number, body: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await connectWithRetry(this.settings.adminUrl, deadline, this.log, 'Postgres server', { setting: 'postgresAdminUrl' });
    try {
      return await body(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async find(client: pg.Client, name: string): Promise<ExistingDatabase | undefined> {
    const { rows } = await client.query<{ datname: string; comment: string | null }>(
      "SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
      [name],
    );
    if (rows.length === 0) return undefined;
    return { name: rows[0]!.datname, comment: rows[0]!.comment, marker: parseMarker(rows[0]!.comment) };
  }

  async preflight(request: PreviewRequest): Promise<void> {
    const deadline = Date.now() + request.waitTimeoutSeconds * 1000;
    await this.admin(deadline, async (client) => {
      const { rows } = await client.query<{ can: boolean }>('SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user');
      if (!rows[0]?.can) throw new SettingError('postgresAdminUrl', 'its role may not create databases. Use a role with CREATEDB (or the server admin).');
      this.ownRole = await canCreateRoles(client);
      if (!this.ownRole) {
        this.log.warning(
          "postgres-url's role may not create roles, so the preview uses postgres-url's own credentials, and the job can reach every database that role can. Give it CREATEROLE (Postgres 16+ limits that to the roles it creates) for a role per preview.",
          { title: 'Preview shares the admin credentials' },
        );
      }
      if (this.settings.template) {
        const template = await this.find(client, this.settings.template);
        if (!template)
          throw new SettingError(
            'template',
            `database '${this.settings.template}' does not exist on the server. Name an existing database, or leave template empty for an empty preview.`,
          );
      }
      const name = databaseNameForBranch(request.branchName);
      if (name === this.settings.template || name === describeUrl(this.settings.adminUrl).database) {
        throw new SettingError(
          'branchName',
          `'${request.branchName}' maps to database '${name}', which is the template or the admin database. Choose another branch name.`,
        );
      }
      const existing = await this.find(client, name);
      if (existing) this.assertOurs(existing, request.branchName);
    });
  }

  /** Never adopt a database this project did not create for this branch. */
  private assertOurs(existing: ExistingDatabase, branchName: string): void {
    if (!existing.marker) {
      throw new SettingError(
        'branchName',
        `database '${existing.name}' already exists and is not a preview made by preview-db (its comment has no managed-by=preview-db mark). Refusing to touch it: choose another branch name.`,
      );
    }
    if (existing.marker.branch !== branchName) {
      throw new SettingError(
        'branchName',
        `database '${existing.name}' belongs to the preview of branch '${existing.marker.branch}', not '${branchName}'. Choose a branch name that differs by more than punctuation.`,
      );
    }
  }

  async ensurePreview(request: PreviewRequest): Promise<PreviewDatabase> {
    if (this.ownRole === undefined) await this.preflight(request);
    const deadline = Date.now() + request.waitTimeoutSeconds * 1000;
    const name = databaseNameForBranch(request.branchName);
    const expiresAt = request.expiresInSeconds ? new Date(Date.now() + request.expiresInSeconds * 1000).toISOString() : undefined;
    const pullRequest = Number(request.annotations['github-pr-number']) || undefined;
    const marker: PreviewMarker = {
      branch: request.branchName,
      createdAt: new Date().toISOString(),
      expiresAt,
      repository: request.annotations['github-repo'],
      pullRequest,
    };

    const outcome = await this.admin(deadline, async (client) => {
      let existing = await this.find(client, name);
      // A twin may have just created it and not yet written its mark (CREATE DATABASE cannot share
      // a transaction with its COMMENT). On a loaded server that gap can last seconds.
      if (existing && !existing.marker) existing = await this.awaitMarker(client, name, Math.min(deadline, Date.now() + TWIN_MARK_WAIT_MS));
      if (existing) {
        this.assertOurs(existing, request.branchName);
        if (request.onExisting === 'reuse') {
          this.log.info(`Reusing preview database '${name}'.`);
          return { created: false, outcome: 'reused' as const, marker: existing.marker! };
        }
        this.log.info(
          `${request.onExisting === 'reset' ? 'Resetting' : 'Recreating'} preview database '${name}': dropping it (open connections are terminated).`,
        );
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      }
      const createdNow = await this.create(client, name, marker, deadline);
      if (!createdNow) {
        // Lost a race with a twin run: use what it made.
        const twin = await this.awaitMarker(client, name, Math.min(deadline, Date.now() + TWIN_MARK_WAIT_MS));
        if (!twin) throw new Error(`database '${name}' appeared without a preview-db mark while this run was creating it.`);
        this.assertOurs(twin, request.branchName);
        return { created: false, outcome: 'reused' as const, marker: twin.marker! };
      }
      const result = existing ? (request.onExisting === 'reset' ? ('reset' as const) : ('recreated' as const)) : ('created' as const);
      return { created: result !== 'reset', outcome: result, marker };
    });

    const credentials = this.ownRole
      ? await this.admin(deadline, (client) => ensurePreviewRoleRetrying(client, this.settings.adminUrl, name, deadline, this.log))
      : undefined;
    const adminDatabaseUrl = withDatabase(this.settings.adminUrl, name);
    const directUrl = credentials ? withCredentials(adminDatabaseUrl, credentials.role, credentials.password) : adminDatabaseUrl;
    const parts = describeUrl(directUrl);
    return {
      provider: 'postgres',
      branchId: name,
      branchName: request.branchName,
      created: outcome.created,
      outcome: outcome.outcome,
      databaseUrl: directUrl,
      databaseUrlDirect: directUrl,
      host: parts.host,
      database: name,
      role: parts.user,
      password: parts.password,
      expiresAt: outcome.marker.expiresAt,
      parentName: this.settings.template,
    };
  }

  /** Waits briefly for a just-created database's mark; returns it as found in the end. */
  private async awaitMarker(client: pg.Client, name: string, until: number): Promise<ExistingDatabase | undefined> {
    for (;;) {
      const found = await this.find(client, name);
      if (!found || found.marker || Date.now() >= until) return found;
      await sleep(200);
    }
  }

  /** Returns false when a twin created the database first. */
  private async create(client: pg.Client, name: string, marker: PreviewMarker, deadline: number): Promise<boolean> {
    const template = this.settings.template ? ` TEMPLATE ${quoteIdent(this.settings.template)}` : '';
    try {
      await withRetries(() => client.query(`CREATE DATABASE ${quoteIdent(name)}${template}`), {
        deadline,
        baseDelayMs: 250,
        maxDelayMs: 3_000,
        // 55006: the template has open connections; Postgres cannot copy it until they go.
        classify: (error) =>
          (error as { code?: string }).code === '55006'
            ? { retry: true, reason: `template '${this.settings.template}' is in use by other sessions` }
            : { retry: false },
        onRetry: ({ reason, delayMs }) => this.log.info(`${reason}; retrying in ${delayMs}ms`),
      });
    } catch (error) {
      // 42P04 duplicate_database; 23505 when the twin's insert into pg_database wins the race.
      if (['42P04', '23505'].includes((error as { code?: string }).code ?? '')) return false;
      if ((error as { code?: string }).code === '55006' || (error as Error).name === 'DeadlineExceededError') {
        throw new Error(
          `Could not clone template '${this.settings.template}': other sessions stayed connected to it until wait-timeout. Postgres copies a template only while nobody is connected; use a dedicated template database that applications do not connect to.`,
        );
      }
      throw error;
    }
    await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(formatMarker(marker))}`);
    this.log.info(`Created preview database '${name}'${template ? ` from template '${this.settings.template}'` : ''}.`);
    return true;
  }
}
