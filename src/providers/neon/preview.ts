// Previews as Neon branches: copy-on-write clones of a parent branch, each with its own
// read-write compute, expiring by themselves when asked to.
import { EndpointType, type Branch, type Database, type Endpoint, type MaskingRule, type Operation } from '@neondatabase/api-client';
import { SettingError, PermanentError } from '../../shared/errors.js';
import { secretsOfUrl } from '../../shared/secrets.js';
import { abortableSleep, pollUntil } from '../../shared/retry.js';
import type { Log } from '../../shared/log.js';
import type { PreviewDatabase, PreviewProvider, PreviewRequest } from '../types.js';
import { describeUrl } from '../../shared/postgres-url.js';
import { callNeon, createNeonApi, projectAccessError, type NeonApi, type NeonCallContext, type NeonConnection } from './client.js';
import { findBranchByName, listBranchEndpoints, listBranches, waitForBranchReady, waitForOperations } from './branches.js';

export { NEON_MAX_EXPIRY_SECONDS } from './defaults.js';

export interface NeonPreviewSettings extends NeonConnection {
  /** Branch name or id; empty means the project's default branch. */
  parent?: string;
  database?: string;
  role?: string;
  /** -1 never suspend, 0 Neon's default, else 60..604800 seconds. */
  suspendTimeoutSeconds?: number;
  /** Branch from the parent as of this RFC 3339 time or LSN. */
  parentAt?: { timestamp: string } | { lsn: string };
  branchType: 'data' | 'schema-only';
  maskingRules?: MaskingRule[];
}

interface ResolvedTarget {
  parent: Branch;
  database: string;
  role: string;
  /** The preview branch as the preflight listing saw it (undefined: it did not exist then). */
  existing?: Branch;
}

/**
 * After a create, the compute answering a query is what the caller waits for, so that is
 * what is polled (connections cost no API requests). The operations are read only if the
 * compute is not up by then, to fail fast and clearly when Neon reports one failed.
 */
const OPERATION_WATCH_DELAY_MS = 2_000;
/** Connection attempts on a compute that is starting: cheap, so close together. */
const COMPUTE_POLL = { baseDelayMs: 10, maxDelayMs: 25 };

/** Neon takes RFC 3339 times with second precision (no milliseconds). */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function neonConsoleUrl(projectId: string, branchId: string): string {
  return `https://console.neon.tech/app/projects/${encodeURIComponent(projectId)}/branches/${encodeURIComponent(branchId)}`;
}

export class NeonPreviews implements PreviewProvider {
  readonly kind = 'neon' as const;
  private readonly api: NeonApi;
  private resolved?: ResolvedTarget;

  constructor(
    private readonly settings: NeonPreviewSettings,
    private readonly log: Log,
  ) {
    this.api = createNeonApi(settings);
  }

  private context(deadline: number): NeonCallContext {
    return { api: this.api, projectId: this.settings.projectId, log: this.log, deadline };
  }

  /** Resolves parent, database and role, and checks the preview name; changes nothing. */
  async preflight(request: PreviewRequest): Promise<void> {
    const context = this.context(Date.now() + request.waitTimeoutSeconds * 1000);
    const branches = await listBranches(context).catch((error: unknown) => {
      throw projectAccessError(error, this.settings.projectId);
    });
    const parent = this.resolveParent(branches);
    const existing = branches.find((branch) => branch.name === request.branchName);
    if (existing && (existing.default || existing.protected || existing.id === parent.id)) {
      throw new SettingError(
        'branchName',
        `'${request.branchName}' is ${existing.default ? 'the default branch' : existing.protected ? 'a protected branch' : 'the parent'} of project '${this.settings.projectId}'; a preview must be a branch of its own. Use a preview name such as preview/pr-42.`,
      );
    }
    const { database, role } = await this.resolveDatabaseAndRole(context, parent);
    this.resolved = { parent, database, role, existing };
  }

  private resolveParent(branches: Branch[]): Branch {
    const wanted = this.settings.parent;
    if (!wanted) {
      const fallback = branches.find((branch) => branch.default);
      if (!fallback) throw new SettingError('parent', 'the project has no default branch. Name the parent branch explicitly.');
      return fallback;
    }
    const parent = branches.find((branch) => branch.id === wanted) ?? branches.find((branch) => branch.name === wanted);
    if (!parent) {
      const names = branches
        .filter((branch) => !branch.name.startsWith('preview/'))
        .slice(0, 10)
        .map((branch) => branch.name);
      throw new SettingError(
        'parent',
        `no branch named or with id '${wanted}' in project '${this.settings.projectId}'. Existing branches include: ${names.join(', ') || '(none)'}.`,
      );
    }
    return parent;
  }

  private async resolveDatabaseAndRole(context: NeonCallContext, parent: Branch): Promise<{ database: string; role: string }> {
    // Both lists at once: two round trips on the path to the create cost one.
    const [{ databases }, roleList] = await Promise.all([
      callNeon(context, `list the databases of branch '${parent.name}'`, () => this.api.listProjectBranchDatabases(this.settings.projectId, parent.id)),
      this.settings.role
        ? callNeon(context, `list the roles of branch '${parent.name}'`, () => this.api.listProjectBranchRoles(this.settings.projectId, parent.id))
        : undefined,
    ]);
    let database: Database | undefined;
    if (this.settings.database) {
      database = databases.find((candidate) => candidate.name === this.settings.database);
      if (!database)
        throw new SettingError(
          'database',
          `branch '${parent.name}' has no database '${this.settings.database}'. Its databases: ${databases.map((d) => d.name).join(', ') || '(none)'}.`,
        );
    } else if (databases.length === 1) {
      database = databases[0]!;
    } else {
      throw new SettingError(
        'database',
        `branch '${parent.name}' has ${databases.length} databases (${databases.map((d) => d.name).join(', ') || 'none'}); name the one to use.`,
      );
    }
    if (this.settings.role) {
      const roles = roleList!.roles;
      if (!roles.some((role) => role.name === this.settings.role)) {
        throw new SettingError('role', `branch '${parent.name}' has no role '${this.settings.role}'. Its roles: ${roles.map((r) => r.name).join(', ')}.`);
      }
      return { database: database.name, role: this.settings.role };
    }
    return { database: database.name, role: database.owner_name };
  }

  async ensurePreview(request: PreviewRequest): Promise<PreviewDatabase> {
    const deadline = Date.now() + request.waitTimeoutSeconds * 1000;
    const context = this.context(deadline);
    if (!this.resolved) await this.preflight(request);
    const { parent, database, role, existing } = this.resolved!;
    // The listing is used once: a later call lists again.
    this.resolved = undefined;
    const expiresAt = request.expiresInSeconds ? rfc3339Seconds(new Date(Date.now() + request.expiresInSeconds * 1000)) : undefined;

    let outcome: PreviewDatabase['outcome'];
    // The preflight's listing says whether it exists (a twin creating it since then gets
    // the create's 409, handled below), so no second listing.
    let branch = existing ? await waitForBranchReady(context, existing) : undefined;
    let endpoint: Endpoint | undefined;
    let pending: Operation[] = [];
    if (branch && request.onExisting === 'recreate') {
      this.log.info(`Recreating preview branch '${branch.name}' (${branch.id}).`);
      await this.deleteBranch(context, branch);
      branch = undefined;
      outcome = 'recreated';
    }
    if (!branch) {
      const created = await this.createBranch(context, request, parent, expiresAt);
      branch = created.branch;
      endpoint = created.endpoints?.find((candidate) => candidate.type === EndpointType.ReadWrite);
      pending = created.operations ?? [];
      outcome ??= created.isNew ? 'created' : 'reused';
    } else if (request.onExisting === 'reset') {
      this.log.info(`Resetting preview branch '${branch.name}' to the current state of '${parent.name}'.`);
      const { operations } = await callNeon(context, `reset branch '${branch.name}' from its parent`, () =>
        this.api.restoreProjectBranch(this.settings.projectId, branch!.id, { source_branch_id: parent.id }),
      );
      await waitForOperations(context, operations, `resetting '${branch.name}'`);
      if (expiresAt) await this.setExpiry(context, branch, expiresAt);
      outcome = 'reset';
    } else {
      this.log.info(`Reusing preview branch '${branch.name}' (${branch.id}).`);
      outcome = 'reused';
    }

    endpoint ??= await this.readWriteEndpoint(context, branch);
    const computeId = endpoint.id;
    const [pooled, direct] = await Promise.all(
      [true, false].map((isPooled) =>
        callNeon(context, 'read the connection URI', () =>
          this.api.getConnectionUri({
            projectId: this.settings.projectId,
            branch_id: branch!.id,
            endpoint_id: computeId,
            database_name: database,
            role_name: role,
            pooled: isPooled,
          }),
        ).then((data) => data.uri),
      ),
    );
    for (const secret of [pooled!, direct!].flatMap(secretsOfUrl)) this.log.secret(secret);
    await this.waitUntilAnswering(context, direct!, `compute ${computeId}`, pending, `creating '${branch.name}'`);
    const parts = describeUrl(direct!);
    return {
      provider: 'neon',
      branchId: branch.id,
      branchName: branch.name,
      created: outcome === 'created' || outcome === 'recreated',
      outcome,
      databaseUrl: pooled!,
      databaseUrlDirect: direct!,
      host: parts.host,
      database,
      role,
      password: parts.password,
      expiresAt: outcome === 'reset' ? expiresAt : (branch.expires_at ?? expiresAt),
      parentName: parent.name,
      parentId: parent.id,
      consoleUrl: neonConsoleUrl(this.settings.projectId, branch.id),
    };
  }

  /**
   * Waits until the compute answers SELECT 1, polling connections (no API requests); the
   * operations still running are read only after OPERATION_WATCH_DELAY_MS, and one that
   * failed ends the wait with Neon's reason.
   */
  private async waitUntilAnswering(context: NeonCallContext, url: string, what: string, pending: Operation[], doing: string): Promise<void> {
    const stop = new AbortController();
    const stopped = stop.signal;
    // pg loads here, once the branch exists, not before the first API request.
    const answered = import('../../shared/postgres.js').then(({ waitForSelectOne }) =>
      waitForSelectOne(url, context.deadline, this.log, what, { ...COMPUTE_POLL, signal: stopped }),
    );
    const failed = pending.length
      ? abortableSleep(OPERATION_WATCH_DELAY_MS, stopped)
          .then(() =>
            waitForOperations(context, pending, doing, { initialIntervalMs: 1_000, maxIntervalMs: 5_000, sleep: (ms) => abortableSleep(ms, stopped) }),
          )
          .then(() => new Promise<never>(() => {}))
      : new Promise<never>(() => {});
    answered.catch(() => {});
    failed.catch(() => {});
    try {
      await Promise.race([answered, failed]);
    } finally {
      stop.abort(new Error('no longer waiting'));
    }
  }

  /**
   * Creates the branch and returns at once with its computes and the operations still
   * running (waitUntilAnswering waits); an anonymized branch is returned only once masked.
   * A 409 means a twin run made it first, which is as good.
   */
  private async createBranch(
    context: NeonCallContext,
    request: PreviewRequest,
    parent: Branch,
    expiresAt: string | undefined,
  ): Promise<{ branch: Branch; isNew: boolean; endpoints?: Endpoint[]; operations?: Operation[] }> {
    const parentAt = this.settings.parentAt;
    const branchSpec = {
      name: request.branchName,
      parent_id: parent.id,
      ...(parentAt && 'lsn' in parentAt ? { parent_lsn: parentAt.lsn } : {}),
      ...(parentAt && 'timestamp' in parentAt ? { parent_timestamp: parentAt.timestamp } : {}),
      ...(expiresAt ? { expires_at: expiresAt } : {}),
      ...(this.settings.branchType === 'schema-only' ? { init_source: 'schema-only' } : {}),
    };
    const endpoints = [
      {
        type: EndpointType.ReadWrite,
        ...(this.settings.suspendTimeoutSeconds !== undefined ? { suspend_timeout_seconds: this.settings.suspendTimeoutSeconds } : {}),
      },
    ];
    this.log.info(`Creating preview branch '${request.branchName}' from '${parent.name}'${this.settings.maskingRules ? ' with masked data' : ''}.`);
    if (this.settings.branchType === 'schema-only') {
      this.log.warning(
        `'${request.branchName}' is a schema-only branch: Neon counts it as a root branch, and projects allow only a few of those. Delete it when done (cleanup does) or use branch-type: data.`,
      );
    }
    let created: { branch: Branch; operations: Operation[]; endpoints?: Endpoint[] };
    try {
      created = this.settings.maskingRules
        ? await callNeon(context, `create anonymized branch '${request.branchName}'`, () =>
            this.api.createProjectBranchAnonymized(this.settings.projectId, {
              branch_create: { branch: branchSpec, endpoints },
              masking_rules: this.settings.maskingRules,
              start_anonymization: true,
              annotation_value: request.annotations,
            }),
          )
        : await callNeon(context, `create branch '${request.branchName}'`, () =>
            this.api.createProjectBranch(this.settings.projectId, { branch: branchSpec, endpoints, annotation_value: request.annotations }),
          );
    } catch (error) {
      if (error instanceof PermanentError && error.status === 409) {
        const twin = await findBranchByName(context, request.branchName);
        if (twin) {
          this.log.info(`Branch '${request.branchName}' was created meanwhile by another run; reusing it.`);
          return { branch: await waitForBranchReady(context, twin), isNew: false };
        }
      }
      throw error;
    }
    if (this.settings.maskingRules) {
      await waitForOperations(context, created.operations, `creating '${request.branchName}'`);
      await this.waitForAnonymization(context, created.branch);
      return { branch: created.branch, isNew: true, endpoints: created.endpoints };
    }
    return { branch: created.branch, isNew: true, endpoints: created.endpoints, operations: created.operations };
  }

  private async waitForAnonymization(context: NeonCallContext, branch: Branch): Promise<void> {
    await pollUntil(
      async () => {
        const status = await callNeon(context, 'read the anonymization status', () => this.api.getAnonymizedBranchStatus(this.settings.projectId, branch.id));
        if (status.state === 'error' || status.state === 'initialization_error')
          throw new Error(
            `Neon could not anonymize branch '${branch.name}': ${status.status_message ?? status.state}. No connection details are returned for a branch whose data may not be masked.`,
          );
        return status.state === 'anonymized' ? status : undefined;
      },
      { deadline: context.deadline, what: `anonymization of '${branch.name}'`, initialIntervalMs: 200, maxIntervalMs: 5_000 },
    );
  }

  private async setExpiry(context: NeonCallContext, branch: Branch, expiresAt: string): Promise<void> {
    const { operations } = await callNeon(context, `set the expiry of '${branch.name}'`, () =>
      this.api.updateProjectBranch(this.settings.projectId, branch.id, { branch: { expires_at: expiresAt } }),
    );
    await waitForOperations(context, operations, `updating '${branch.name}'`);
  }

  private async deleteBranch(context: NeonCallContext, branch: Branch): Promise<void> {
    const { operations } = await callNeon(context, `delete branch '${branch.name}'`, () =>
      this.api.deleteProjectBranch({ projectId: this.settings.projectId, branchId: branch.id }),
    );
    await waitForOperations(context, operations, `deleting '${branch.name}'`);
  }

  /** The branch's own read-write compute (never a read replica), started if missing. */
  private async readWriteEndpoint(context: NeonCallContext, branch: Branch): Promise<Endpoint> {
    const existing = (await listBranchEndpoints(context, branch.id)).find((endpoint) => endpoint.type === EndpointType.ReadWrite);
    if (existing) return existing;
    this.log.info(`Branch '${branch.name}' has no read-write compute; adding one.`);
    try {
      const created = await callNeon(context, `add a compute to '${branch.name}'`, () =>
        this.api.createProjectEndpoint(this.settings.projectId, {
          endpoint: {
            branch_id: branch.id,
            type: EndpointType.ReadWrite,
            ...(this.settings.suspendTimeoutSeconds !== undefined ? { suspend_timeout_seconds: this.settings.suspendTimeoutSeconds } : {}),
          },
        }),
      );
      await waitForOperations(context, created.operations, `starting the compute of '${branch.name}'`);
      return created.endpoint;
    } catch (error) {
      // A twin added it first: Neon allows one read-write compute per branch.
      if (error instanceof PermanentError && (error.status === 409 || error.status === 422)) {
        const twin = (await listBranchEndpoints(context, branch.id)).find((endpoint) => endpoint.type === EndpointType.ReadWrite);
        if (twin) return twin;
      }
      throw error;
    }
  }
}
