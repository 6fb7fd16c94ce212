// What the snapshot core takes and gives back, the same for RDS and Neon.
import type { PruneDecision, RetainPolicy } from './prune.js';
import type { TagRun } from './tags.js';

/** Polling and retry pacing. Production uses the defaults; tests shrink them. */
export interface SnapshotTiming {
  /** First poll interval; later polls back off to five times this. Default 1000 ms. */
  pollFloorMs?: number;
}

export interface SnapshotCommon extends RetainPolicy {
  /** An explicit identifier (already validated), or undefined for the generated one. */
  snapshotIdentifier?: string;
  wait: boolean;
  waitTimeoutSeconds: number;
  userTags: Array<[string, string]>;
  pruneDryRun: boolean;
  run: TagRun;
  timing?: SnapshotTiming;
}

export interface SnapshotResult {
  provider: 'rds' | 'neon';
  snapshotId: string;
  snapshotArn: string;
  status: string;
  createdAt?: string;
  /** True when an earlier attempt of this workflow run had taken it already. */
  reused: boolean;
  /** Removed by pruning; with prune-dry-run, what would have been removed. */
  pruned: string[];
  pruneDecisions: PruneDecision[];
  restoreCommand: string;
  /** Where it was taken, for the summary: `instance orders-db in us-east-1`. */
  source: string;
  copy?: { region: string; snapshotId: string; snapshotArn: string; status: string };
  /** With record-counts: the row counts recorded in the snapshot's tags. */
  recordedCounts?: Record<string, number>;
}

/**
 * The run stopped while a snapshot existed (still creating, or failed): carries what is
 * known so the action can still publish the snapshot's identifier.
 */
export class SnapshotIncompleteError extends Error {
  constructor(
    message: string,
    readonly partial: Pick<SnapshotResult, 'provider' | 'snapshotId' | 'snapshotArn' | 'status'>,
  ) {
    super(message);
    this.name = 'SnapshotIncompleteError';
  }
}

export function pollIntervals(timing: SnapshotTiming | undefined): {
  initialIntervalMs: number;
  maxIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
} {
  const floor = Math.max(1, timing?.pollFloorMs ?? 1000);
  return { initialIntervalMs: floor, maxIntervalMs: floor * 5, retryBaseMs: Math.max(1, Math.round(floor / 4)), retryMaxMs: floor * 10 };
}
