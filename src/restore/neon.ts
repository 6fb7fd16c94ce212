// Restoring on Neon: a snapshot (or a point in time of the source branch) as a NEW branch,
// never over the source (finalize_restore stays false), with a read-write compute to verify
// through. Drill branches carry expires_at, so Neon itself removes a branch a crashed drill
// left behind; the sweep deletes expired drill branches Neon has not removed yet.
import { EndpointType, type Branch, type Operation } from '@neondatabase/api-client';
import { InputError, PermanentError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { createNeonApi, callNeon, type NeonCallContext } from '../providers/neon/client.js';
import { listBranches, findBranchByName, listBranchEndpoints, waitForOperations, type OperationPolling } from '../providers/neon/branches.js';
import { rfc3339Seconds, NEON_MAX_EXPIRY_SECONDS } from '../providers/neon/preview.js';
import { neonOperationPolling, neonSnapshotTags, sourceBranch } from '../snapshot/neon.js';
import { defaultTargetIdentifier } from './identifier.js';
import { newestPreDeploy } from './select.js';
import { drillLifetimeMs } from './tags.js';
import type { RestoreBackend, RestorePlan } from './run.js';
import type { CreatedTarget, RestoreCommon, VerifySettings } from './types.js';

export interface NeonRestoreRequest extends RestoreCommon {
  apiKey: string;
  projectId: string;
  apiHost: string;
  /** The source branch, name or id; default the project's default branch. */
  branch?: string;
}

const DRILL_NAME = /-drill-\d{8}-\d{6}$/;
const POINT_IN_TIME = 'point-in-time';

export function neonRestoreBackend(request: NeonRestoreRequest, deps: { log: Log; now?: () => number }): { backend: RestoreBackend; deadline: number } {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const deadline = now() + request.waitTimeoutSeconds * 1000;
  log.secret(request.apiKey);
  const api = createNeonApi({ apiKey: request.apiKey, projectId: request.projectId, apiHost: request.apiHost });
  const context: NeonCallContext = { api, projectId: request.projectId, log, deadline };
  const polling = neonOperationPolling(request.timing);
  const cleanupContext = (): NeonCallContext => ({ ...context, deadline: now() + request.waitTimeoutSeconds * 1000 });
  let source: Branch | undefined;
  let endpointId: string | undefined;
  /** The restore's operations, waited for in waitAvailable. */
  let pending: Operation[] = [];

  const backend: RestoreBackend = {
    async sweep() {
      const swept: string[] = [];
      for (const branch of await listBranches(context)) {
        if (!DRILL_NAME.test(branch.name) || !branch.expires_at || Date.parse(branch.expires_at) > now()) continue;
        log.info(`Stale drill branch ${branch.name} (expired ${branch.expires_at}): deleting.`);
        await deleteBranch(context, branch.id, polling);
        swept.push(branch.name);
      }
      if (swept.length === 0) log.info('No stale drill branches.');
      return swept;
    },

    async preflight(): Promise<RestorePlan> {
      const branches = await listBranches(context);
      source = sourceBranch(branches, request.branch, request.projectId);
      const where = `Neon branch ${source.name} (${source.id}) of project ${request.projectId}`;
      let snapshotId: string;
      let snapshotCreatedAt: string | undefined;
      if (request.snapshotIdentifier || !request.restoreTime) {
        const { snapshots } = await callNeon(context, 'list snapshots', () => api.listSnapshots(request.projectId));
        const wanted = request.snapshotIdentifier;
        const chosen = wanted
          ? snapshots.find((s) => s.id === wanted || s.name === wanted || s.name.startsWith(`${wanted} (`))
          : newestPreDeploy(
              snapshots
                .filter((s) => s.source_branch_id === source!.id)
                .map((s) => ({ id: s.id, status: 'available', createdAt: new Date(s.created_at), tags: neonSnapshotTags(s.name), snapshot: s })),
            )?.snapshot;
        if (!chosen) {
          if (wanted)
            throw new InputError(
              'snapshot-identifier',
              `no snapshot with id or name '${wanted}' in Neon project ${request.projectId}. Leave it empty for the newest pre-deploy snapshot of ${source.name}.`,
            );
          throw new PermanentError(
            `No pre-deploy snapshot of ${where} (snapshots named by the snapshot action). Take one with the snapshot action, name one in snapshot-identifier, or give restore-time for a point-in-time restore. Nothing was created.`,
          );
        }
        snapshotId = chosen.id;
        snapshotCreatedAt = chosen.created_at;
        log.info(`Snapshot ${chosen.id} (${chosen.name}), taken ${chosen.created_at}.`);
      } else {
        snapshotId = POINT_IN_TIME;
        snapshotCreatedAt = request.restoreTime.toISOString();
        if (request.restoreTime.getTime() > now()) throw new InputError('restore-time', `${request.restoreTime.toISOString()} is in the future.`);
        log.info(`Point-in-time restore of ${source.name} at ${snapshotCreatedAt}.`);
      }
      const targetId = request.targetIdentifier ?? defaultTargetIdentifier(source.name, new Date(now()), request.drill, 'branch');
      if (await findBranchByName(context, targetId))
        throw new InputError(
          'target-identifier',
          `a branch named ${targetId} already exists in Neon project ${request.projectId}. A restore never overwrites anything: choose another name, or leave it empty for a generated one.`,
        );
      return {
        source: where,
        kind: 'branch',
        targetId,
        snapshotId: snapshotId === POINT_IN_TIME ? `${source.name}@${snapshotCreatedAt}` : snapshotId,
        snapshotCreatedAt,
        snapshotTags: {},
        copied: [],
      };
    },

    planned(plan) {
      return { provider: 'neon', kind: 'branch', id: '', name: plan.targetId, projectId: request.projectId, apiHost: request.apiHost };
    },

    async create(plan) {
      let branch: Branch;
      let operations;
      if (plan.snapshotId.startsWith(`${source!.name}@`)) {
        ({ branch, operations } = await callNeon(context, `branch ${source!.name} at ${plan.snapshotCreatedAt}`, () =>
          api.createProjectBranch(request.projectId, { branch: { name: plan.targetId, parent_id: source!.id, parent_timestamp: plan.snapshotCreatedAt } }),
        ));
      } else {
        ({ branch, operations } = await callNeon(context, `restore snapshot ${plan.snapshotId}`, () =>
          api.restoreSnapshot({ projectId: request.projectId, snapshotId: plan.snapshotId }, { name: plan.targetId, finalize_restore: false }),
        ));
      }
      log.info(`Restoring into the new branch ${branch.name} (${branch.id}).`);
      const created: CreatedTarget = {
        provider: 'neon',
        kind: 'branch',
        id: branch.id,
        name: branch.name,
        projectId: request.projectId,
        apiHost: request.apiHost,
      };
      pending = operations;
      return created;
    },

    async waitAvailable(created) {
      await waitForOperations(context, pending, `restoring ${created.id}`, polling);
      if (request.drill) {
        const expires = new Date(now() + Math.min(drillLifetimeMs(request.waitTimeoutSeconds), NEON_MAX_EXPIRY_SECONDS * 1000));
        await callNeon(context, `set expires_at on ${created.id}`, () =>
          api.updateProjectBranch(request.projectId, created.id, { branch: { expires_at: rfc3339Seconds(expires) } }),
        );
      }
      let endpoint = (await listBranchEndpoints(context, created.id)).find((e) => e.type === EndpointType.ReadWrite);
      if (!endpoint) {
        const added = await callNeon(context, `add a compute to ${created.id}`, () =>
          api.createProjectEndpoint(request.projectId, { endpoint: { branch_id: created.id, type: EndpointType.ReadWrite } }),
        );
        await waitForOperations(context, added.operations, `starting the compute of ${created.id}`, polling);
        endpoint = added.endpoint;
      }
      endpointId = endpoint.id;
      return { address: endpoint.host, port: 5432 };
    },

    async verifyUrl(created, settings: VerifySettings) {
      // Neon gives the restored branch's own URL; the verify URL names the role and database.
      const given = new URL(settings.url);
      const role = decodeURIComponent(given.username);
      const database = decodeURIComponent(given.pathname.replace(/^\//, ''));
      if (!role || !database)
        throw new InputError(
          'verify-url',
          'names no role or database: for Neon, give a URL such as postgres://neondb_owner@restored/neondb (the host is ignored; Neon gives the restored branch its own).',
        );
      const { uri } = await callNeon(context, `connection URI of ${created.id}`, () =>
        api.getConnectionUri({ projectId: request.projectId, branch_id: created.id, endpoint_id: endpointId, database_name: database, role_name: role }),
      );
      log.secret(uri);
      const password = new URL(uri).password;
      if (password) log.secret(decodeURIComponent(password));
      return uri;
    },

    async remove(created) {
      return deleteBranch(cleanupContext(), created.id, polling);
    },
  };
  return { backend, deadline };
}

async function deleteBranch(context: NeonCallContext, branchId: string, polling: OperationPolling = {}): Promise<boolean> {
  try {
    const { operations } = await callNeon(context, `delete branch ${branchId}`, () =>
      context.api.deleteProjectBranch({ projectId: context.projectId, branchId }),
    );
    await waitForOperations(context, operations, `deleting ${branchId}`, polling);
    return true;
  } catch (error) {
    if (error instanceof PermanentError && error.status === 404) return false;
    throw error;
  }
}

/** Deletes what a cancelled drill left behind (the post step). */
export async function deleteNeonTarget(created: CreatedTarget, options: { apiKey: string; waitTimeoutSeconds: number; log: Log }): Promise<boolean> {
  options.log.secret(options.apiKey);
  const api = createNeonApi({ apiKey: options.apiKey, projectId: created.projectId!, apiHost: created.apiHost });
  const context: NeonCallContext = { api, projectId: created.projectId!, log: options.log, deadline: Date.now() + options.waitTimeoutSeconds * 1000 };
  // Cancelled while the restore call was in flight: only the name is known.
  const id = created.id || (created.name ? (await findBranchByName(context, created.name))?.id : undefined);
  if (!id) return false;
  return deleteBranch(context, id);
}
