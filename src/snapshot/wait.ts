// Waiting for a snapshot: adaptive polling (quick at first, backing off to a few seconds so
// completion is noticed promptly), progress in the log, and a snapshot that disappears
// treated as the failure it is. (The CLI's db-snapshot-completed waiter reports success
// when the snapshot is not found.)
import { PermanentError } from '../shared/errors.js';
import { pollUntil } from '../shared/retry.js';
import { formatMillis } from '../shared/duration.js';
import type { Log } from '../shared/log.js';

export interface SnapshotProgress {
  status: string;
  percent?: number;
}

export interface WaitOptions {
  /** `snapshot pre-deploy-… of instance orders-db`, for messages. */
  what: string;
  deadline: number;
  log: Log;
  initialIntervalMs: number;
  maxIntervalMs: number;
  ready?: (status: string) => boolean;
  failed?: (status: string) => boolean;
  now?: () => number;
  /** For a simulated clock (the bench); real time by default. */
  sleep?: (ms: number) => Promise<void>;
}

const FAILED = /^(failed|error|deleted|deleting|incompatible-.*)$/;

export async function waitForSnapshot<T extends SnapshotProgress>(read: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const { what, log } = options;
  const ready = options.ready ?? ((status: string) => status === 'available');
  const failed = options.failed ?? ((status: string) => FAILED.test(status));
  const now = options.now ?? Date.now;
  const started = now();
  let last = '';
  return pollUntil(
    async () => {
      const snapshot = await read();
      if (!snapshot) {
        throw new PermanentError(
          `${what} was not found while waiting for it: it was deleted, or RDS removed it after a failure. It is not usable; check the instance's events, then run again.`,
        );
      }
      const progress = `${snapshot.status}${snapshot.percent !== undefined ? ` ${snapshot.percent}%` : ''}`;
      if (progress !== last) {
        log.info(`${what}: ${progress} (${formatMillis(now() - started)})`);
        last = progress;
      }
      if (ready(snapshot.status)) return snapshot;
      if (failed(snapshot.status))
        throw new PermanentError(`${what} ended in state '${snapshot.status}'. It is not usable; check the events of the database, then run again.`);
      return undefined;
    },
    {
      deadline: options.deadline,
      what,
      initialIntervalMs: options.initialIntervalMs,
      maxIntervalMs: options.maxIntervalMs,
      now,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
  );
}
