// Neon snapshots of a branch through the Neon API (snapshots are in beta at Neon).
//
// Neon snapshots have no tags, so what RDS keeps in tags lives in the snapshot's name:
// `<identifier> (preview-db <repository> run <run id> attempt <n>)`. Only snapshots named
// that way are ours: they are the only ones pruning may remove, and a re-run of the same
// workflow run finds its snapshot by that name and reuses it.
import type { Branch, Operation, Snapshot } from '@neondatabase/api-client';
import { InputError, PermanentError, errorMessage } from '../shared/errors.js';
import { DeadlineExceededError } from '../shared/retry.js';
import { formatDuration } from '../shared/duration.js';
import { MANAGED_BY } from '../shared/naming.js';
import type { Log } from '../shared/log.js';
import { createNeonApi, callNeon, type NeonCallContext } from '../providers/neon/client.js';
import { listBranches, waitForOperations, type OperationPolling } from '../providers/neon/branches.js';
import { defaultSnapshotIdentifier, validateSnapshotIdentifier } from './identifier.js';
import { isFromRun, TAG_MANAGED_BY, TAG_REPOSITORY, TAG_WORKFLOW_RUN, TAG_RUN_ATTEMPT, type TagRun } from './tags.js';
import { pruneSnapshots, type PruneDecision } from './prune.js';
import { restoreCommand } from './restore-command.js';
import { pollIntervals, SnapshotIncompleteError, type SnapshotCommon, type SnapshotResult } from './types.js';

export interface NeonSnapshotRequest extends SnapshotCommon {
  apiKey: string;
  projectId: string;
  apiHost: string;
  /** Name or id; default the project's default branch. */
  branch?: string;
}

const MARK = new RegExp(`^(\\S+) \\(${MANAGED_BY} (\\S+) run (\\S+) attempt (\\S+)\\)$`);

/** The snapshot's name: the identifier, and the marks RDS would keep in tags. */
export function neonSnapshotName(identifier: string, run: TagRun): string {
  return `${identifier} (${MANAGED_BY} ${run.repository || 'unknown'} run ${run.runId || 'local'} attempt ${run.runAttempt})`;
}

/** The tags a snapshot's name stands for; empty for snapshots not made by this action. */
export function neonSnapshotTags(name: string): Record<string, string> {
  const match = MARK.exec(name);
  if (!match) return {};
  return { [TAG_MANAGED_BY]: MANAGED_BY, [TAG_REPOSITORY]: match[2]!, [TAG_WORKFLOW_RUN]: match[3]!, [TAG_RUN_ATTEMPT]: match[4]! };
}

/**
 * How to poll Neon's operations: the request's timing when it has one (as RDS polls), else
 * Neon's own pace (operations usually end within seconds, so polling starts at 100 ms).
 */
export function neonOperationPolling(timing: SnapshotCommon['timing']): OperationPolling {
  if (!timing) return {};
  const { initialIntervalMs, maxIntervalMs } = pollIntervals(timing);
  return { initialIntervalMs, maxIntervalMs };
}

/** The branch a snapshot (or restore) is of: the one named or with that id, else the project's default. */
export function sourceBranch(branches: Branch[], requested: string | undefined, projectId: string): Branch {
  const found = requested ? branches.find((b) => b.id === requested || b.name === requested) : branches.find((b) => b.default);
  if (found) return found;
  if (requested)
    throw new InputError('branch', `no branch named or with id '${requested}' in Neon project ${projectId}. Leave it empty for the project's default branch.`);
  throw new PermanentError(`Neon project ${projectId} reports no default branch; set branch.`);
}

export async function takeNeonSnapshot(request: NeonSnapshotRequest, deps: { log: Log; now?: () => number }): Promise<SnapshotResult> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const deadline = now() + request.waitTimeoutSeconds * 1000;
  const polling = neonOperationPolling(request.timing);
  log.secret(request.apiKey);
  const context: NeonCallContext = {
    api: createNeonApi({ apiKey: request.apiKey, projectId: request.projectId, apiHost: request.apiHost }),
    projectId: request.projectId,
    log,
    deadline,
  };
  const identifier = request.snapshotIdentifier
    ? validateSnapshotIdentifier(request.snapshotIdentifier, 'neon')
    : defaultSnapshotIdentifier(request.run, new Date(now()), 'neon');

  const branch = await log.group(`Pre-flight: Neon project ${request.projectId}`, async () => {
    const found = sourceBranch(await listBranches(context), request.branch, request.projectId);
    log.info(`Branch ${found.name} (${found.id}): ${found.current_state}`);
    return found;
  });
  const where = `Neon branch ${branch.name} (${branch.id}) of project ${request.projectId}`;

  const listOwn = async (): Promise<Snapshot[]> => {
    const { snapshots } = await callNeon(context, 'list snapshots', () => context.api.listSnapshots(request.projectId));
    return snapshots.filter((s) => s.source_branch_id === branch.id);
  };

  // The phases, in order: pre-flight (above), reuse or create, wait, prune, result.
  let reused = false;
  const { snapshot: taken, operations } = await reuseOrCreate();
  const partial = (status: string) => ({ provider: 'neon' as const, snapshotId: taken.id, snapshotArn: taken.id, status });
  let status = operations.length === 0 || operations.every((o) => o.status === 'finished' || o.status === 'skipped') ? 'available' : 'creating';

  if (!request.wait) {
    log.info(`Not waiting (wait: false): ${taken.id} is ${status}. Pruning is skipped, since nothing is pruned before the new snapshot is available.`);
    return result([], []);
  }
  await waitUntilAvailable();
  status = 'available';
  log.info(`Snapshot ${taken.id} is available.`);

  const { pruned, decisions } = await pruneSnapshots(request, {
    of: branch.name,
    newId: taken.id,
    dryRun: request.pruneDryRun,
    now: now(),
    log,
    list: async () => (await listOwn()).map((s) => ({ id: s.id, status: 'available', createdAt: new Date(s.created_at), tags: neonSnapshotTags(s.name) })),
    remove: async (decision) => {
      const { operations: deleting } = await callNeon(context, `delete snapshot ${decision.id}`, () =>
        context.api.deleteSnapshot(request.projectId, decision.id),
      );
      await waitForOperations(context, deleting, `deleting snapshot ${decision.id}`, polling);
      return 'removed';
    },
  });
  return result(pruned, decisions);

  /** Reuse: the snapshot this workflow run took before; create: a new one, named with the run's marks. */
  async function reuseOrCreate(): Promise<{ snapshot: Snapshot; operations: Operation[] }> {
    const earlier = (await listOwn()).find((s) => isFromRun(neonSnapshotTags(s.name), request.run));
    if (earlier) {
      reused = true;
      log.info(`Workflow run ${request.run.runId} already took ${earlier.name} (${earlier.id}): reusing it instead of taking another.`);
      return { snapshot: earlier, operations: [] };
    }
    const name = neonSnapshotName(identifier, request.run);
    const created = await log.group(`Snapshot ${identifier}`, () =>
      callNeon(context, `snapshot ${where}`, () => context.api.createSnapshot({ projectId: request.projectId, branchId: branch.id, name })),
    );
    log.info(`Started snapshot ${created.snapshot.id} (${created.snapshot.name}).`);
    return { snapshot: created.snapshot, operations: created.operations };
  }

  /** Finished operations and a snapshot that is still listed; a timeout or failure keeps what is known of it. */
  async function waitUntilAvailable(): Promise<void> {
    try {
      await log.group(`Waiting for ${taken.id}`, async () => {
        await waitForOperations({ ...context, deadline }, operations, `snapshotting ${branch.name}`, polling);
        // Finished operations are not enough: the snapshot must be there.
        const present = (await listOwn()).find((s) => s.id === taken.id);
        if (!present)
          throw new PermanentError(
            `Neon snapshot ${taken.id} of ${where} was not found after it was taken: it was deleted or failed. It is not usable; run again.`,
          );
      });
    } catch (error) {
      if (error instanceof DeadlineExceededError) {
        throw new SnapshotIncompleteError(
          `Neon snapshot ${taken.id} of ${where} was not finished within wait-timeout (${formatDuration(request.waitTimeoutSeconds)}); a re-run of this workflow run reuses it. (${errorMessage(error)})`,
          partial('creating'),
        );
      }
      throw new SnapshotIncompleteError(errorMessage(error), partial(/not found/.test(errorMessage(error)) ? 'not-found' : 'failed'));
    }
  }

  function result(prunedIds: string[], pruneDecisions: PruneDecision[]): SnapshotResult {
    return {
      provider: 'neon',
      snapshotId: taken.id,
      snapshotArn: taken.id,
      status,
      createdAt: taken.created_at ? new Date(taken.created_at).toISOString() : undefined,
      reused,
      pruned: prunedIds,
      pruneDecisions,
      restoreCommand: restoreCommand({
        provider: 'neon',
        apiHost: request.apiHost,
        projectId: request.projectId,
        snapshotId: taken.id,
        branchName: branch.name,
      }),
      source: where,
    };
  }
}
