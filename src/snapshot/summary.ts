// The step summary: which snapshot, where, its state, what pruning did, and how to restore.
import type { SnapshotResult } from './types.js';

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

export function renderSnapshotSummary(result: SnapshotResult, options: { dryRun?: boolean } = {}): string {
  const lines = [
    `### Pre-deploy snapshot: ${result.status === 'available' ? 'available' : result.status}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Snapshot | ${code(result.snapshotId)}${result.reused ? ' (taken by an earlier attempt of this run, reused)' : ''} |`,
    `| Source | ${result.source} |`,
    `| Status | ${result.status} |`,
  ];
  if (result.snapshotArn) lines.push(`| ARN | ${code(result.snapshotArn)} |`);
  if (result.createdAt) lines.push(`| Created | ${result.createdAt} |`);
  if (result.recordedCounts)
    lines.push(
      `| Row counts recorded | ${Object.entries(result.recordedCounts)
        .map(([t, n]) => `${code(t)} ${n}`)
        .join(', ')} |`,
    );
  if (result.copy) lines.push(`| Copy | ${code(result.copy.snapshotId)} in ${result.copy.region} (${result.copy.status}) |`);
  lines.push('', 'Restore with:', '', '```sh', result.restoreCommand, '```', '');
  if (result.pruneDecisions.length > 0) {
    lines.push(`#### Pruning${options.dryRun ? ' (dry run: nothing removed)' : ''}`, '');
    for (const d of result.pruneDecisions) lines.push(`- ${d.remove ? (options.dryRun ? 'would remove' : 'removed') : 'kept'} ${code(d.id)}: ${d.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}
