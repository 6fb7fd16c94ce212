// What the restore core takes and gives back, the same for RDS and Neon.
import type { SnapshotTiming } from '../snapshot/types.js';
import type { TagRun } from '../snapshot/tags.js';

export interface VerifySettings {
  /** Credentials and database to connect with; host and port are replaced by the restored endpoint's. */
  url: string;
  /** `{ "public.orders": 1200 }`, or `recorded`: the counts the snapshot action recorded in the snapshot's tags. */
  expectCounts?: Record<string, number> | 'recorded';
  /** A file of SQL checks: every row of every statement must have a true first column. */
  sql?: { path: string; text: string };
}

export interface RestoreCommon {
  /** An explicit snapshot; undefined for the newest pre-deploy snapshot of the source. */
  snapshotIdentifier?: string;
  /** RDS: the newest pre-deploy snapshot taken at or before this time. Neon: the point in time to restore. */
  restoreTime?: Date;
  /** An explicit target (validated); undefined for `<source>-restored-<time>` (`-drill-` in drill mode). */
  targetIdentifier?: string;
  drill: boolean;
  verify?: VerifySettings;
  waitTimeoutSeconds: number;
  userTags: Array<[string, string]>;
  run: TagRun;
  timing?: SnapshotTiming;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RestoreResult {
  provider: 'rds' | 'neon';
  /** `DB instance orders-db in us-east-1`. */
  source: string;
  kind: 'instance' | 'cluster' | 'branch';
  restoredIdentifier: string;
  /** Neon: the new branch's name (the identifier is its id). */
  restoredName?: string;
  /** The writer instance of a restored cluster. */
  writerIdentifier?: string;
  /** `host:port` of the restored database. */
  endpoint?: string;
  snapshotIdentifier: string;
  snapshotCreatedAt?: string;
  /** Restore called → verified (or → available without verification). */
  recoverySeconds?: number;
  /** Restore called → available. */
  availableSeconds?: number;
  /** true/false after verification; undefined when nothing was verified. */
  verified?: boolean;
  checks: Check[];
  drill: boolean;
  /** Drill mode: the restored target was deleted (deletion accepted by the provider). */
  deleted: boolean;
  /** Stale drill targets deleted before this drill. */
  swept: string[];
  /** Source attributes copied onto the restored target. */
  copied: string[];
  /** Why the run failed after something was created (verification, a failed wait). */
  failure?: string;
}

/** Where the post step finds what a cancelled drill left behind. */
export interface CreatedTarget {
  provider: 'rds' | 'neon';
  kind: 'instance' | 'cluster' | 'branch';
  /** Empty while only planned on Neon (ids are Neon's to give): then `name` finds it. */
  id: string;
  name?: string;
  region?: string;
  writerId?: string;
  /** Neon: project and API host (the key comes from the input again). */
  projectId?: string;
  apiHost?: string;
}

/** The restore ran but did not succeed: the result says what was made and deleted. */
export class RestoreFailedError extends Error {
  constructor(
    message: string,
    readonly result: RestoreResult,
  ) {
    super(message);
    this.name = 'RestoreFailedError';
  }
}
