// The step summary of a restore or drill: what was restored from which snapshot, how long
// it took, every check, and what became of the restored copy.
import type { RestoreResult } from './types.js';

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderRestoreSummary(result: RestoreResult): string {
  const ok = !result.failure;
  const title = result.drill ? `### Restore drill: ${ok ? 'passed' : 'FAILED'}` : `### Restore: ${ok ? 'done' : 'FAILED'}`;
  const lines = [
    title,
    '',
    '| | |',
    '|---|---|',
    `| Source | ${cell(result.source)} |`,
    `| Snapshot | ${code(result.snapshotIdentifier)}${result.snapshotCreatedAt ? ` (${result.snapshotCreatedAt})` : ''} |`,
    `| Restored as | ${result.restoredName && result.restoredName !== result.restoredIdentifier ? `${code(result.restoredName)} ` : ''}${code(result.restoredIdentifier)}${result.writerIdentifier ? ` (writer ${code(result.writerIdentifier)})` : ''} |`,
  ];
  if (result.endpoint) lines.push(`| Endpoint | ${code(result.endpoint)} |`);
  if (result.availableSeconds !== undefined) lines.push(`| Restore → available | ${result.availableSeconds}s |`);
  if (result.recoverySeconds !== undefined)
    lines.push(`| Recovery time (restore → ${result.verified === undefined ? 'available' : 'verified'}) | **${result.recoverySeconds}s** |`);
  if (result.copied.length > 0) lines.push(`| Copied from the source | ${result.copied.join(', ')} |`);
  if (result.drill) lines.push(`| Drill copy deleted | ${result.deleted ? 'yes' : '**no: delete it by hand**'} |`);
  if (result.swept.length > 0) lines.push(`| Stale drills deleted | ${result.swept.map(code).join(', ')} |`);
  lines.push('');
  if (result.checks.length > 0) {
    lines.push('#### Checks', '', '| Check | Result |', '|---|---|');
    for (const check of result.checks) lines.push(`| ${cell(check.name)} | ${check.ok ? 'ok' : '**failed**'}: ${cell(check.detail)} |`);
    lines.push('');
  } else {
    lines.push('No verification (set verify-url to check the restored database).', '');
  }
  if (result.failure) lines.push(`**${cell(result.failure)}**`, '');
  return lines.join('\n');
}
