// The restore core: plain values in, plain values out; never imports @actions/*.
import { InputError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { rdsRestoreBackend, type RdsRestoreRequest } from './rds.js';
import { neonRestoreBackend, type NeonRestoreRequest } from './neon.js';
import { runRestore, type RunDeps } from './run.js';
import { recordedCounts } from '../snapshot/counts.js';
import type { RestoreResult, VerifySettings } from './types.js';

export type { RdsRestoreRequest } from './rds.js';
export type { NeonRestoreRequest } from './neon.js';
export { deleteRdsTarget } from './rds.js';
export { deleteNeonTarget } from './neon.js';
export { RestoreFailedError, type RestoreResult, type CreatedTarget } from './types.js';

function countsFor(verify: VerifySettings | undefined) {
  return (plan: { snapshotId: string; snapshotTags: Record<string, string> }) => {
    if (!verify?.expectCounts) return undefined;
    if (verify.expectCounts !== 'recorded') return verify.expectCounts;
    const counts = recordedCounts(plan.snapshotTags);
    if (Object.keys(counts).length === 0) {
      throw new InputError(
        'expect-counts',
        `is 'recorded', but snapshot ${plan.snapshotId} carries no recorded row counts (row-count:<table> tags). Take snapshots with record-counts on the snapshot action, or give the counts as JSON.`,
      );
    }
    return counts;
  };
}

export async function restoreRds(request: RdsRestoreRequest, deps: RunDeps & { log: Log }): Promise<RestoreResult> {
  const { backend, deadline } = await rdsRestoreBackend(request, deps);
  return runRestore(backend, { drill: request.drill, verify: request.verify, expectCounts: countsFor(request.verify), deadline }, deps);
}

export async function restoreNeon(request: NeonRestoreRequest, deps: RunDeps & { log: Log }): Promise<RestoreResult> {
  if (request.verify?.expectCounts === 'recorded')
    throw new InputError(
      'expect-counts',
      "'recorded' applies to RDS snapshots (their tags hold the counts); Neon snapshots have no tags. Give the counts as JSON.",
    );
  const { backend, deadline } = neonRestoreBackend(request, deps);
  return runRestore(backend, { drill: request.drill, verify: request.verify, expectCounts: countsFor(request.verify), deadline }, deps);
}
