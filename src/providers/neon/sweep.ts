// Cleanup on Neon: list the project's branches with what cleanup needs to judge them
// (flags, children, last activity, pull request), and delete one branch. Every request
// goes through one shared Pacer, so a sweep's workers together stay inside Neon's rate
// limits, and a 429 pauses them all for its Retry-After.
import type { AnnotationData, Branch, Endpoint } from '@neondatabase/api-client';
import { PermanentError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { Pacer, NEON_RATE_LIMIT, type RateLimit } from '../../shared/pacer.js';
import type { CleanupMode, ListRequest, PreviewResource, PreviewStore } from '../store.js';
import { pullRequestFromName } from '../../shared/naming.js';
import {
  callNeon,
  classifyNeonError,
  collectPages,
  createNeonApi,
  neonStatus,
  projectAccessError,
  type NeonApi,
  type NeonCallContext,
  type NeonConnection,
} from './client.js';
import { waitForOperations } from './branches.js';

/** Neon accepts up to 10,000 branches per page; fewer, larger pages spend less of the rate limit. */
export const SWEEP_PAGE_SIZE = 1000;

export interface NeonSweepSettings extends NeonConnection {
  /** Default: Neon's documented limits (700 requests/minute, 40/second per route). */
  rateLimit?: RateLimit;
  /** Deletions in flight at once (default 8); the pacer decides how fast they start. */
  concurrency?: number;
  /** Bound for the retries of each call, in seconds (default 300). */
  callTimeoutSeconds?: number;
  /** Branches per page when listing (default SWEEP_PAGE_SIZE). */
  pageSize?: number;
  /** Wait for Neon to finish each deletion (PR mode: one branch, a few more requests). */
  waitForDeletion?: boolean;
  /** `owner/repo` of this workflow: a branch annotated with another repository's pull request is never matched to ours. */
  repository?: string;
}

export interface NeonBranchFacts {
  branch: Branch;
  endpoints: Endpoint[];
  annotations: Record<string, string>;
  children: Branch[];
}

/** The latest of the branch's `updated_at` and its computes' `last_active`. */
export function neonLastActivity(branch: Branch, endpoints: Endpoint[]): { at?: Date; source: string } {
  let best: { at: number; source: string } | undefined;
  const consider = (text: string | undefined, source: string) => {
    const at = text ? Date.parse(text) : NaN;
    if (!Number.isNaN(at) && (!best || at > best.at)) best = { at, source };
  };
  consider(branch.updated_at, 'branch updated');
  for (const endpoint of endpoints) consider(endpoint.last_active, `compute ${endpoint.id} active`);
  return best ? { at: new Date(best.at), source: best.source } : { source: 'no activity reported' };
}

/** The pull request a branch belongs to: its annotation when it names this repository, else its name. */
export function neonPullRequest(branch: Branch, annotations: Record<string, string>, repository: string | undefined): number | undefined {
  const annotatedRepository = annotations['github-repo'];
  if (annotatedRepository && repository && annotatedRepository !== repository) return undefined;
  const annotated = Number(annotations['github-pr-number']);
  if (Number.isSafeInteger(annotated) && annotated > 0) return annotated;
  return pullRequestFromName(branch.name);
}

export function toPreviewResource(facts: NeonBranchFacts, repository?: string): PreviewResource {
  const activity = neonLastActivity(facts.branch, facts.endpoints);
  return {
    id: facts.branch.id,
    name: facts.branch.name,
    isDefault: facts.branch.default === true || (facts.branch as { primary?: boolean }).primary === true,
    isProtected: facts.branch.protected === true,
    children: facts.children.map((child) => child.name),
    lastActivity: activity.at,
    activitySource: activity.source,
    pullRequest: neonPullRequest(facts.branch, facts.annotations, repository),
  };
}

export class NeonPreviewStore implements PreviewStore {
  readonly kind = 'neon' as const;
  readonly concurrency: number;
  readonly pacer: Pacer;
  private readonly api: NeonApi;

  constructor(
    private readonly settings: NeonSweepSettings,
    private readonly log: Log,
  ) {
    this.api = createNeonApi(settings);
    this.pacer = new Pacer(settings.rateLimit ?? NEON_RATE_LIMIT);
    this.concurrency = settings.concurrency ?? 8;
  }

  private context(): NeonCallContext {
    return { api: this.api, projectId: this.settings.projectId, log: this.log, deadline: Date.now() + (this.settings.callTimeoutSeconds ?? 300) * 1000 };
  }

  /** One request, after a token from the shared pacer; a 429 pauses every worker. */
  private paced<T>(request: () => Promise<T>): () => Promise<T> {
    return async () => {
      await this.pacer.acquire();
      try {
        return await request();
      } catch (error) {
        if (neonStatus(error) === 429) {
          const verdict = classifyNeonError(error);
          this.pacer.pause(verdict.retry ? verdict.retryAfterMs : undefined);
        }
        throw error;
      }
    };
  }

  /** Every branch with its annotations, children and (in stale mode) computes. */
  async listFacts(mode: CleanupMode): Promise<NeonBranchFacts[]> {
    const annotations: Record<string, AnnotationData> = {};
    const projectId = this.settings.projectId;
    let branches: Branch[];
    try {
      branches = await collectPages(async (cursor) => {
        const page = await callNeon(
          this.context(),
          'list branches',
          this.paced(() =>
            this.api.listProjectBranches({ projectId, cursor, limit: this.settings.pageSize ?? SWEEP_PAGE_SIZE, sort_by: 'created_at', sort_order: 'asc' }),
          ),
        );
        Object.assign(annotations, page.annotations ?? {});
        return { items: page.branches, next: page.pagination?.next };
      });
    } catch (error) {
      throw projectAccessError(error, projectId);
    }
    // Computes matter only for staleness; one request lists the whole project's.
    const endpoints =
      mode === 'stale'
        ? (
            await callNeon(
              this.context(),
              'list computes',
              this.paced(() => this.api.listProjectEndpoints(projectId)),
            )
          ).endpoints
        : [];
    const byBranch = new Map<string, Endpoint[]>();
    for (const endpoint of endpoints) byBranch.set(endpoint.branch_id, [...(byBranch.get(endpoint.branch_id) ?? []), endpoint]);
    const children = new Map<string, Branch[]>();
    for (const branch of branches) if (branch.parent_id) children.set(branch.parent_id, [...(children.get(branch.parent_id) ?? []), branch]);
    return branches.map((branch) => ({
      branch,
      endpoints: byBranch.get(branch.id) ?? [],
      annotations: stringValues(annotations[branch.id]?.value),
      children: children.get(branch.id) ?? [],
    }));
  }

  async list(request: ListRequest): Promise<PreviewResource[]> {
    const facts = await this.listFacts(request.mode);
    this.log.info(`Project ${this.settings.projectId} has ${facts.length} branch(es).`);
    return facts.map((fact) => toPreviewResource(fact, this.settings.repository));
  }

  async remove(resource: PreviewResource): Promise<{ alreadyGone: boolean; note?: string }> {
    const context = this.context();
    try {
      const deleted = await callNeon(
        context,
        `delete branch '${resource.name}'`,
        this.paced(() => this.api.deleteProjectBranch({ projectId: this.settings.projectId, branchId: resource.id })),
      );
      // Neon documents 204 (no body) for a branch that does not exist or is already deleted.
      if (!deleted || typeof deleted !== 'object' || !deleted.branch) return { alreadyGone: true };
      if (this.settings.waitForDeletion) await waitForOperations(context, deleted.operations ?? [], `deleting '${resource.name}'`);
      return { alreadyGone: false };
    } catch (error) {
      // Deleted meanwhile (another run, Neon's own expiry): the goal is reached.
      if (error instanceof PermanentError && error.status === 404) return { alreadyGone: true };
      throw error;
    }
  }

  async close(): Promise<void> {}
}

function stringValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}
