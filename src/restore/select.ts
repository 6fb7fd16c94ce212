// Which snapshot to restore: one named, or the newest pre-deploy snapshot of the source
// (made by the snapshot action: managed-by=preview-db), optionally the newest taken at or
// before a given time.
import { isManaged } from '../snapshot/tags.js';

export interface SnapshotCandidate {
  id: string;
  status: string;
  createdAt?: Date;
  tags: Record<string, string>;
}

export function newestPreDeploy<T extends SnapshotCandidate>(snapshots: T[], before?: Date): T | undefined {
  return snapshots
    .filter((s) => isManaged(s.tags) && s.status === 'available' && s.createdAt !== undefined)
    .filter((s) => !before || s.createdAt!.getTime() <= before.getTime())
    .sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime() || b.id.localeCompare(a.id))[0];
}
