// Which old snapshots go. Only manual snapshots of the same instance or cluster that carry
// managed-by=preview-db are ever candidates; the snapshot just taken never is. retain-count N
// keeps the N newest marked snapshots (the new one included); retain-days D keeps every
// marked snapshot younger than D days; with both, a snapshot goes only when neither keeps it.
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { isManaged } from './tags.js';

export interface PruneCandidate {
  id: string;
  status: string;
  createdAt?: Date;
  tags: Record<string, string>;
}

export interface RetainPolicy {
  retainCount?: number;
  retainDays?: number;
}

export interface PruneDecision {
  id: string;
  createdAt?: string;
  remove: boolean;
  reason: string;
}

export function pruningEnabled(policy: RetainPolicy): boolean {
  return policy.retainCount !== undefined || policy.retainDays !== undefined;
}

/**
 * Decides for every snapshot. `newId` is the one just taken; when planning before it
 * exists (quota advice), `reserveNewSlot` counts it among the newest all the same.
 */
export function planPrune(
  snapshots: PruneCandidate[],
  policy: RetainPolicy,
  options: { now: number; newId?: string; reserveNewSlot?: boolean },
): PruneDecision[] {
  if (!pruningEnabled(policy)) return [];
  const { retainCount, retainDays } = policy;
  const time = (s: PruneCandidate) => s.createdAt?.getTime() ?? Number.POSITIVE_INFINITY; // not started yet: newest
  const marked = snapshots.filter((s) => isManaged(s.tags)).sort((a, b) => time(b) - time(a) || b.id.localeCompare(a.id));
  // The new snapshot is always the newest for counting, whatever its clock says.
  const newest = options.newId ? [...marked.filter((s) => s.id === options.newId), ...marked.filter((s) => s.id !== options.newId)] : marked;
  const offset = options.reserveNewSlot ? 1 : 0;
  const rank = new Map(newest.map((s, index) => [s.id, index + offset]));
  const decisions: PruneDecision[] = [];
  for (const s of [...snapshots].sort((a, b) => time(b) - time(a) || b.id.localeCompare(a.id))) {
    const createdAt = s.createdAt?.toISOString();
    const keep = (reason: string) => decisions.push({ id: s.id, createdAt, remove: false, reason });
    if (s.id === options.newId) {
      keep('the snapshot just taken');
      continue;
    }
    if (!isManaged(s.tags)) {
      keep('not made by preview-db (no managed-by=preview-db tag)');
      continue;
    }
    if (s.status !== 'available') {
      keep(`still ${s.status}`);
      continue;
    }
    const position = rank.get(s.id)!;
    const ageMs = options.now - time(s);
    const age = formatDuration(Math.max(0, Math.floor(ageMs / 1000)));
    const keptByCount = retainCount !== undefined && position < retainCount;
    const keptByDays = retainDays !== undefined && ageMs < retainDays * 86_400_000;
    if (keptByCount) {
      keep(`one of the ${retainCount} newest (#${position + 1})`);
      continue;
    }
    if (keptByDays) {
      keep(`younger than ${retainDays}d (${age} old)`);
      continue;
    }
    const why = [
      retainCount !== undefined ? `not among the ${retainCount} newest (#${position + 1})` : '',
      retainDays !== undefined ? `older than ${retainDays}d (${age} old)` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    decisions.push({ id: s.id, createdAt, remove: true, reason: why });
  }
  return decisions;
}

export interface PruneRun {
  /** `orders-db`, for the log group's title. */
  of: string;
  /** The snapshot just taken: never removed, and named in the warning when pruning fails. */
  newId: string;
  dryRun: boolean;
  now: number;
  log: Log;
  /** The snapshots of the same source, our own and others. */
  list: () => Promise<PruneCandidate[]>;
  /** Removes one; says what became of it (`removed`, `already gone`), or undefined when it was kept after all. */
  remove: (decision: PruneDecision) => Promise<string | undefined>;
}

/**
 * Prunes after a new snapshot is available, the same way for every provider. The new snapshot is
 * good whatever happens here: a pruning failure is a warning, not a failed deploy gate.
 */
export async function pruneSnapshots(policy: RetainPolicy, run: PruneRun): Promise<{ pruned: string[]; decisions: PruneDecision[] }> {
  const { log } = run;
  const pruned: string[] = [];
  let decisions: PruneDecision[] = [];
  if (!pruningEnabled(policy)) {
    log.info('Pruning is off (set retain-count and/or retain-days to turn it on).');
    return { pruned, decisions };
  }
  await log.group(`Pruning snapshots of ${run.of}${run.dryRun ? ' (dry run)' : ''}`, async () => {
    try {
      decisions = planPrune(await run.list(), policy, { now: run.now, newId: run.newId });
      for (const decision of decisions) {
        if (!decision.remove) {
          log.info(`keep ${decision.id}: ${decision.reason}`);
        } else if (run.dryRun) {
          log.info(`would remove ${decision.id}: ${decision.reason}`);
          pruned.push(decision.id);
        } else {
          const outcome = await run.remove(decision);
          if (outcome === undefined) continue;
          log.info(`${outcome} ${decision.id}: ${decision.reason}`);
          pruned.push(decision.id);
        }
      }
      if (pruned.length === 0) log.info('Nothing to prune.');
    } catch (error) {
      log.warning(
        `Pruning stopped: ${errorMessage(error)}. Snapshot ${run.newId} itself is available; old snapshots were left in place${pruned.length > 0 ? ` (removed before the error: ${pruned.join(', ')})` : ''}.`,
        { title: 'Snapshot pruning failed' },
      );
    }
  });
  return { pruned, decisions };
}
