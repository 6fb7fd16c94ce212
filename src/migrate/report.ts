// The migrate report in Markdown: the step summary, the `report` output, and the sections
// the lifecycle comment embeds. Never holds a URL or password (the result has none).
import { escapeTableCell as cell } from '../github/markdown.js';
import { formatMillis } from '../shared/duration.js';
import { formatThreshold, lockModeName } from './measure.js';
import type { MigrateResult } from './types.js';

function rows(count: number | undefined, estimated: boolean): string {
  if (count === undefined) return 'unknown';
  return `${estimated ? '~' : ''}${count.toLocaleString('en-US')}`;
}

const SEVERITY_ICON = { error: '🛑 error', warning: '⚠️ warning', note: 'ℹ️ note' } as const;

/** The headline: what happened, in one line. */
export function migrateHeadline(result: Omit<MigrateResult, 'reportMarkdown'>): string {
  const runner = result.runner === 'builtin' ? 'built-in runner' : result.runner;
  if (result.dryRun) return `Dry run (${runner}): ${result.pending} pending migration(s), nothing applied.`;
  const total = result.applied.reduce((sum, m) => sum + m.durationMs, 0);
  const applied = `Applied ${result.applied.length} of ${result.pending} pending migration(s) in ${formatMillis(total)} (${runner}).`;
  return result.ok ? applied : `Migration failed. ${applied}`;
}

export function renderMigrateReport(result: Omit<MigrateResult, 'reportMarkdown'>): string {
  const out: string[] = ['### Migrations', '', `**${migrateHeadline(result)}**`, ''];
  if (result.error) {
    const where = result.error.file ? `\`${result.error.file}${result.error.line ? `:${result.error.line}` : ''}\`: ` : '';
    out.push(`> [!CAUTION]`, `> ${where}${cell(result.error.message)}`);
    if (result.error.detail) out.push(`> Detail: ${cell(result.error.detail)}`);
    if (result.error.hint) out.push(`> Hint: ${cell(result.error.hint)}`);
    out.push('');
  }
  for (const warning of result.warnings) out.push(`- ⚠️ ${cell(warning)}`);
  if (result.warnings.length > 0) out.push('');

  const earlier = result.earlier ?? [];
  if (result.applied.length > 0 || earlier.length > 0) {
    out.push('| Migration | Duration | Statements |', '| --- | ---: | ---: |');
    for (const m of earlier) out.push(`| \`${cell(m.file)}\`${m.noTransaction ? ' (no transaction)' : ''} (applied by an earlier push) | ${formatMillis(m.durationMs)} | – |`);
    for (const m of result.applied) out.push(`| \`${cell(m.file)}\`${m.noTransaction ? ' (no transaction)' : ''} | ${formatMillis(m.durationMs)} | ${m.statements.length || '–'} |`);
    out.push('');
  }
  if (result.applied.length === 0 && result.pendingMigrations.length > 0 && (result.dryRun || !result.ok)) {
    out.push('Pending:', ...result.pendingMigrations.map((m) => `- \`${cell(m.file)}\``), '');
  }

  if (result.measured) {
    out.push('#### Locks measured on the preview', '');
    if (result.locks.length === 0) {
      out.push('No existing table was locked SHARE or stronger.', '');
    } else {
      out.push(`Held until commit; threshold ${formatThreshold(result.lockThresholdMs)}.`, '', '| Table | Lock | Rows | Held | Statement |', '| --- | --- | ---: | ---: | --- |');
      for (const lock of [...result.locks].sort((a, b) => b.heldMs - a.heldMs)) {
        const held = `${lock.overThreshold ? '🛑 ' : ''}${formatMillis(lock.heldMs)}`;
        out.push(`| \`${cell(lock.table)}\` | ${lockModeName(lock.mode)} | ${rows(lock.rows, lock.rowsEstimated)} | ${held} | \`${cell(lock.file)}:${lock.line}\` |`);
      }
      out.push('');
      const blocking = result.locks.filter((lock) => lock.overThreshold);
      if (blocking.length > 0) out.push(`🛑 ${blocking.length} lock(s) held longer than ${formatThreshold(result.lockThresholdMs)}: production would stall ${blocking.map((lock) => `\`${cell(lock.table)}\``).join(', ')} for that long.`, '');
    }
  }

  if (result.findings.length > 0) {
    out.push('#### Lint findings', '', '| Severity | Rule | Where | Finding | Safer |', '| --- | --- | --- | --- | --- |');
    for (const finding of result.findings) {
      out.push(`| ${SEVERITY_ICON[finding.severity]} | \`${finding.rule}\` | \`${cell(finding.file)}:${finding.line}\` | ${cell(finding.message)} | ${cell(finding.safer)} |`);
    }
    out.push('');
  }

  const problems: string[] = [];
  for (const m of result.drifted) problems.push(`\`${cell(m.file)}\` was edited after it was applied (checksum differs).`);
  for (const m of result.missing) problems.push(`${cell(m.version)} ${cell(m.name)} is applied but its file is gone.`);
  for (const id of result.failedInHistory) problems.push(`${cell(id)} started and never finished (a failed migration in the tool's history).`);
  for (const m of result.outOfOrder) problems.push(`\`${cell(m.file)}\` is older than a migration already applied (out of order).`);
  if (problems.length > 0) out.push('#### History', '', ...problems.map((p) => `- ${p}`), '');
  if (result.seeded.length > 0) out.push(`Seeded: ${result.seeded.map((s) => `\`${cell(s)}\``).join(', ')}`, '');
  return out.join('\n');
}
