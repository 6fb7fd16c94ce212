// Reading a Neon project's branches: shared by create-branch, cleanup and snapshot.
import type { Branch, Endpoint, Operation } from '@neondatabase/api-client';
import { callNeon, collectPages, type NeonCallContext } from './client.js';
import { pollUntil } from '../../shared/retry.js';

export const NEON_BRANCH_PAGE_SIZE = 100;

/** Every branch of the project (all pages), optionally only names containing `search`. */
export async function listBranches(context: NeonCallContext, search?: string): Promise<Branch[]> {
  return collectPages(async (cursor) => {
    const page = await callNeon(context, 'list branches', () =>
      context.api.listProjectBranches({ projectId: context.projectId, search, cursor, limit: NEON_BRANCH_PAGE_SIZE, sort_by: 'created_at', sort_order: 'asc' }),
    );
    return { items: page.branches, next: page.pagination?.next };
  });
}

export async function findBranchByName(context: NeonCallContext, name: string): Promise<Branch | undefined> {
  return (await listBranches(context, name)).find((branch) => branch.name === name);
}

export async function listBranchEndpoints(context: NeonCallContext, branchId: string): Promise<Endpoint[]> {
  const data = await callNeon(context, 'list the branch computes', () => context.api.listProjectBranchEndpoints(context.projectId, branchId));
  return data.endpoints;
}

const OPERATION_FAILED = new Set(['failed', 'error', 'cancelled']);
const OPERATION_DONE = new Set(['finished', 'skipped']);

export interface OperationPolling {
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Waits, polling fast at first, until every operation has finished; a failed one throws. */
export async function waitForOperations(context: NeonCallContext, operations: Operation[], what: string, polling: OperationPolling = {}): Promise<void> {
  for (const operation of operations) {
    if (OPERATION_DONE.has(operation.status)) continue;
    await pollUntil(
      async () => {
        const { operation: current } = await callNeon(context, `read operation ${operation.id}`, () =>
          context.api.getProjectOperation(context.projectId, operation.id),
        );
        if (OPERATION_FAILED.has(current.status))
          throw new Error(`Neon operation ${current.action} (${current.id}) ${current.status} while ${what}${current.error ? `: ${current.error}` : ''}.`);
        return OPERATION_DONE.has(current.status) ? current : undefined;
      },
      {
        deadline: context.deadline,
        what: `Neon operation ${operation.action} (${operation.id}) while ${what}`,
        initialIntervalMs: 100,
        maxIntervalMs: 3_000,
        ...polling,
      },
    );
  }
}

/** A branch another run is still creating (or resetting) is not usable until it is ready. */
export async function waitForBranchReady(context: NeonCallContext, branch: Branch): Promise<Branch> {
  if (branch.current_state === 'ready' && !branch.pending_state) return branch;
  return pollUntil(
    async () => {
      const { branch: current } = await callNeon(context, `read branch '${branch.name}'`, () => context.api.getProjectBranch(context.projectId, branch.id));
      return current.current_state === 'ready' && !current.pending_state ? current : undefined;
    },
    { deadline: context.deadline, what: `branch '${branch.name}' to be ready`, initialIntervalMs: 100, maxIntervalMs: 3_000 },
  );
}
