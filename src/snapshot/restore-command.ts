// The command that brings a snapshot back, for the run's outputs and summary. Restoring
// makes a new instance or cluster beside the old one (RDS never restores in place).
export type RestoreTarget =
  | { provider: 'rds'; kind: 'instance' | 'cluster'; sourceId: string; snapshotId: string; region: string; engine?: string }
  | { provider: 'neon'; apiHost: string; projectId: string; snapshotId: string; branchName: string };

function restoredName(sourceId: string): string {
  const suffix = '-restored';
  return `${sourceId.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export function restoreCommand(target: RestoreTarget): string {
  if (target.provider === 'neon') {
    // A new branch from the snapshot; finalize_restore: true would swap it in for the original instead.
    const body = JSON.stringify({ name: `${target.branchName}-restored`, finalize_restore: false });
    return `curl -sS -X POST -H "Authorization: Bearer $NEON_API_KEY" -H 'Content-Type: application/json' -d '${body.replace(/'/g, "'\\''")}' ${target.apiHost.replace(/\/+$/, '')}/projects/${target.projectId}/snapshots/${target.snapshotId}/restore`;
  }
  if (target.kind === 'instance') {
    return `aws rds restore-db-instance-from-db-snapshot --region ${target.region} --db-snapshot-identifier ${target.snapshotId} --db-instance-identifier ${restoredName(target.sourceId)}`;
  }
  return `aws rds restore-db-cluster-from-snapshot --region ${target.region} --snapshot-identifier ${target.snapshotId} --db-cluster-identifier ${restoredName(target.sourceId)} --engine ${target.engine ?? 'aurora-postgresql'}`;
}
