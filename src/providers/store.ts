// What a provider offers cleanup: the previews it holds, listed with what cleanup needs to
// judge them, and a way to delete one. The cleanup core decides; the stores list and delete.
import type { ProviderKind } from './types.js';

/** A Neon branch or a database on a shared Postgres server, as the providers list them. */
export interface PreviewResource {
  /** Neon branch id, or the Postgres database name. */
  id: string;
  /** The preview's name: the Neon branch name, or the branch named in a Postgres database's mark. */
  name: string;
  /** Neon: the project's default branch. */
  isDefault: boolean;
  /** Neon: a protected branch. */
  isProtected: boolean;
  /** Names of branches created from this one (Neon refuses to delete a parent). */
  children: string[];
  /**
   * Postgres: the database carries this project's mark and its name matches it. Neon
   * branches have no mark (`undefined`): their name and flags decide.
   */
  marked?: boolean;
  /** Why the resource is not a preview whatever its name (the admin database, a template...). */
  reserved?: string;
  /** The last sign of use the provider reports; undefined when unknown (then it is kept). */
  lastActivity?: Date;
  /** What `lastActivity` is made of, for the report (e.g. "compute active"). */
  activitySource?: string;
  /** The pull request this preview belongs to, when its name or annotations say so. */
  pullRequest?: number;
  /** Provider's proof of identity checked again just before deleting (Postgres: the mark's created-at). */
  incarnation?: string;
  /** Postgres: the expiry create-branch wrote in the mark (Neon removes expired branches itself). */
  expiresAt?: Date;
}

export type CleanupMode = 'pr' | 'stale';

/** What a provider offers cleanup: list its resources, delete one. */
export interface PreviewStore {
  readonly kind: ProviderKind;
  /** Deletions at a time (the provider's own pacing still applies). */
  readonly concurrency: number;
  /** Every resource that could matter; in PR mode `branchName` is the one wanted. */
  list(request: ListRequest): Promise<PreviewResource[]>;
  /** Deletes one; `alreadyGone` when it had disappeared meanwhile. Throws on failure. */
  remove(resource: PreviewResource): Promise<{ alreadyGone: boolean; note?: string }>;
  close(): Promise<void>;
}

export interface ListRequest {
  mode: CleanupMode;
  branchName?: string;
  /** Stale mode: a store may look closer (and only) at resources idle longer than this. */
  olderThanSeconds: number;
  now: Date;
}
