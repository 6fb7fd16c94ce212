// The migrate report in Markdown: the step summary, the `report` output, and the sections
// the lifecycle comment embeds. Never holds a URL or password (the result has none).
import { escapeTableCell as cell, truncateMarkdown } from '../shared/markdown.js';
import { formatMillis } from '../shared/duration.js';
import { formatThreshold, lockModeName, lockStrength, statementCount } from './measure.js';
import type { LintFinding, LockReportEntry, MigrateResult } from './types.js';
import { renderDownCheck } from './down.js';

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
    for (const m of earlier)
      out.push(`| \`${cell(m.file)}\`${m.noTransaction ? ' (no transaction)' : ''} (applied by an earlier push) | ${formatMillis(m.durationMs)} | – |`);
    for (const m of result.applied)
      out.push(`| \`${cell(m.file)}\`${m.noTransaction ? ' (no transaction)' : ''} | ${formatMillis(m.durationMs)} | ${statementCount(m.statements) || '–'} |`);
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
      out.push(
        `Held until commit; threshold ${formatThreshold(result.lockThresholdMs)}.`,
        '',
        '| Table | Lock | Rows | Held | Statement |',
        '| --- | --- | ---: | ---: | --- |',
      );
      for (const lock of [...result.locks].sort((a, b) => b.heldMs - a.heldMs)) {
        const held = `${lock.overThreshold ? '🛑 ' : ''}${formatMillis(lock.heldMs)}`;
        out.push(
          `| \`${cell(lock.table)}\` | ${lockModeName(lock.mode)} | ${rows(lock.rows, lock.rowsEstimated)} | ${held} | \`${cell(lock.file)}:${lock.line}\` |`,
        );
      }
      out.push('');
      const blocking = result.locks.filter((lock) => lock.overThreshold);
      if (blocking.length > 0)
        out.push(
          `🛑 ${blocking.length} lock(s) held longer than ${formatThreshold(result.lockThresholdMs)}: production would stall ${blocking.map((lock) => `\`${cell(lock.table)}\``).join(', ')} for that long.`,
          '',
        );
    }
  }

  if (result.findings.length > 0) {
    out.push('#### Lint findings', '', '| Severity | Rule | Where | Finding | Safer |', '| --- | --- | --- | --- | --- |');
    for (const finding of result.findings) {
      out.push(
        `| ${SEVERITY_ICON[finding.severity]} | \`${finding.rule}\` | \`${cell(finding.file)}:${finding.line}\` | ${cell(finding.message)} | ${cell(finding.safer)} |`,
      );
    }
    out.push('');
  }

  const refused = result.problems ?? [];
  if (refused.length > 0) {
    out.push('#### Files refused', '', '| File | Problem | Fix |', '| --- | --- | --- |');
    for (const problem of refused)
      out.push(`| \`${cell(problem.file)}${problem.line ? `:${problem.line}` : ''}\` | ${cell(problem.reason)} | ${cell(problem.fix)} |`);
    out.push('');
  }

  const problems: string[] = [];
  for (const m of result.drifted) problems.push(`\`${cell(m.file)}\` was edited after it was applied (checksum differs).`);
  for (const m of result.missing) problems.push(`${cell(m.version)} ${cell(m.name)} is applied but its file is gone.`);
  for (const id of result.failedInHistory) problems.push(`${cell(id)} started and never finished (a failed migration in the tool's history).`);
  for (const m of result.outOfOrder) problems.push(`\`${cell(m.file)}\` is older than a migration already applied (out of order).`);
  if (problems.length > 0) out.push('#### History', '', ...problems.map((p) => `- ${p}`), '');
  if (result.downCheck) out.push(...renderDownCheck(result.downCheck));
  if (result.seeded.length > 0) out.push(`Seeded: ${result.seeded.map((s) => `\`${cell(s)}\``).join(', ')}`, '');
  return out.join('\n');
}

// ---------------------------------------------------------------- the summary of a large run

/** GitHub refuses a step summary over 1 MiB; a UTF-16 unit is at most 3 bytes of UTF-8, so this many characters always fit. */
export const STEP_SUMMARY_CHARS = 300_000;

/** Lists longer than this are aggregated in the summary (the report file keeps every row). */
const LIST_ROWS = 40;
/** Rows of an aggregated table or of a "first few" list. */
const TOP = 25;

const SEVERITY_ORDER = { error: 0, warning: 1, note: 2 } as const;

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

function more(count: number, what: string): string[] {
  return count > 0 ? [`- … and ${count.toLocaleString('en-US')} more ${count === 1 ? what : `${what}s`}: see the full report.`] : [];
}

/** Per table: the strongest lock, the longest hold, how many statements locked it, and where the worst one is. */
function locksByTable(locks: LockReportEntry[]): Array<{ worst: LockReportEntry; count: number; over: number }> {
  const byTable = new Map<string, { worst: LockReportEntry; count: number; over: number }>();
  const worse = (a: LockReportEntry, b: LockReportEntry): boolean =>
    a.overThreshold !== b.overThreshold
      ? a.overThreshold
      : lockStrength(a.mode) !== lockStrength(b.mode)
        ? lockStrength(a.mode) > lockStrength(b.mode)
        : a.heldMs > b.heldMs;
  for (const lock of locks) {
    const entry = byTable.get(lock.table);
    if (!entry) byTable.set(lock.table, { worst: lock, count: 1, over: lock.overThreshold ? 1 : 0 });
    else {
      entry.count++;
      if (lock.overThreshold) entry.over++;
      if (worse(lock, entry.worst)) entry.worst = lock;
    }
  }
  return [...byTable.values()].sort((a, b) => (worse(a.worst, b.worst) ? -1 : worse(b.worst, a.worst) ? 1 : b.count - a.count));
}

interface RuleGroup {
  rule: string;
  severity: LintFinding['severity'];
  count: number;
  files: Set<string>;
  first: LintFinding;
  safer: string;
}

function findingsByRule(findings: LintFinding[]): RuleGroup[] {
  const groups = new Map<string, RuleGroup>();
  for (const finding of findings) {
    const key = `${finding.rule}\u0000${finding.severity}`;
    const group = groups.get(key) ?? {
      rule: finding.rule,
      severity: finding.severity,
      count: 0,
      files: new Set<string>(),
      first: finding,
      safer: finding.safer,
    };
    group.count++;
    group.files.add(finding.file);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.count - a.count || a.rule.localeCompare(b.rule));
}

function findingsByTable(findings: LintFinding[]): Array<{ table: string; count: number; errors: number; rules: Map<string, number> }> {
  const tables = new Map<string, { table: string; count: number; errors: number; rules: Map<string, number> }>();
  for (const finding of findings) {
    if (finding.table === undefined) continue;
    const entry = tables.get(finding.table) ?? { table: finding.table, count: 0, errors: 0, rules: new Map<string, number>() };
    entry.count++;
    if (finding.severity === 'error') entry.errors++;
    entry.rules.set(finding.rule, (entry.rules.get(finding.rule) ?? 0) + 1);
    tables.set(finding.table, entry);
  }
  return [...tables.values()].sort((a, b) => b.errors - a.errors || b.count - a.count || a.table.localeCompare(b.table));
}

function where(finding: { file: string; line: number }): string {
  return `\`${cell(finding.file)}:${finding.line}\``;
}

/**
 * The report for the step summary and the pull-request comment: the full report when it is short,
 * else an aggregate that stays readable on hundreds of migrations and thousands of findings
 * (findings per rule and per table, the worst locks first, every error finding by name) and
 * points at the full report. Never longer than `limit` characters.
 */
export function renderMigrateSummary(result: Omit<MigrateResult, 'reportMarkdown'>, limit = STEP_SUMMARY_CHARS): string {
  const long = [result.applied, result.findings, result.locks, result.pendingMigrations, result.warnings].some((list) => list.length > LIST_ROWS);
  if (!long) {
    const full = renderMigrateReport(result);
    if (full.length <= limit) return full;
  }
  const out: string[] = ['### Migrations', '', `**${migrateHeadline(result)}**`, ''];
  if (result.error) {
    const at = result.error.file ? `\`${result.error.file}${result.error.line ? `:${result.error.line}` : ''}\`: ` : '';
    out.push(`> [!CAUTION]`, `> ${at}${cell(result.error.message)}`);
    if (result.error.detail) out.push(`> Detail: ${cell(result.error.detail)}`);
    if (result.error.hint) out.push(`> Hint: ${cell(result.error.hint)}`);
    out.push('');
  }
  for (const warning of result.warnings.slice(0, 10)) out.push(`- ⚠️ ${cell(warning)}`);
  out.push(...more(result.warnings.length - 10, 'warning'));
  if (result.warnings.length > 0) out.push('');

  if (result.applied.length > 0) {
    const slowest = [...result.applied].sort((a, b) => b.durationMs - a.durationMs).slice(0, Math.min(10, result.applied.length));
    const outside = result.applied.filter((m) => m.noTransaction).length;
    out.push(`${plural(result.applied.length, 'migration')} applied${outside > 0 ? ` (${outside} without a transaction)` : ''}; the slowest:`, '');
    out.push('| Migration | Duration | Statements |', '| --- | ---: | ---: |');
    for (const m of slowest)
      out.push(`| \`${cell(m.file)}\`${m.noTransaction ? ' (no transaction)' : ''} | ${formatMillis(m.durationMs)} | ${statementCount(m.statements) || '–'} |`);
    out.push('');
  } else if (result.pendingMigrations.length > 0 && (result.dryRun || !result.ok)) {
    const pending = result.pendingMigrations;
    out.push(`Pending: ${plural(pending.length, 'migration')}, from \`${cell(pending[0]!.file)}\` to \`${cell(pending[pending.length - 1]!.file)}\`.`, '');
  }

  if (result.measured) {
    out.push('#### Locks measured on the preview', '');
    if (result.locks.length === 0) out.push('No existing table was locked SHARE or stronger.', '');
    else {
      const tables = locksByTable(result.locks);
      const blocking = result.locks.filter((lock) => lock.overThreshold);
      out.push(
        `${plural(result.locks.length, 'lock')} on ${plural(tables.length, 'table')}, held until commit; threshold ${formatThreshold(result.lockThresholdMs)}. Worst first, one row per table:`,
        '',
        '| Table | Strongest lock | Rows | Longest held | Locks | Worst at |',
        '| --- | --- | ---: | ---: | ---: | --- |',
      );
      for (const { worst, count, over } of tables.slice(0, TOP)) {
        const held = `${worst.overThreshold ? '🛑 ' : ''}${formatMillis(worst.heldMs)}`;
        out.push(
          `| \`${cell(worst.table)}\` | ${lockModeName(worst.mode)} | ${rows(worst.rows, worst.rowsEstimated)} | ${held} | ${count}${over > 0 ? ` (${over} 🛑)` : ''} | ${where(worst)} |`,
        );
      }
      out.push(...more(tables.length - TOP, 'table'), '');
      if (blocking.length > 0) out.push(`🛑 ${plural(blocking.length, 'lock')} held longer than ${formatThreshold(result.lockThresholdMs)}.`, '');
    }
  }

  if (result.findings.length > 0) {
    const findings = result.findings;
    const count = (severity: LintFinding['severity']): number => findings.filter((f) => f.severity === severity).length;
    const files = new Set(findings.map((f) => f.file)).size;
    out.push(
      '#### Lint findings',
      '',
      `${plural(findings.length, 'finding')} in ${plural(files, 'file')}: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('note'), 'note')}.`,
      '',
    );
    out.push('By rule:', '', '| Severity | Rule | Findings | Files | First at | Safer |', '| --- | --- | ---: | ---: | --- | --- |');
    for (const group of findingsByRule(findings)) {
      out.push(
        `| ${SEVERITY_ICON[group.severity]} | \`${group.rule}\` | ${group.count.toLocaleString('en-US')} | ${group.files.size.toLocaleString('en-US')} | ${where(group.first)} | ${cell(group.safer)} |`,
      );
    }
    out.push('');
    const tables = findingsByTable(findings);
    if (tables.length > 0) {
      out.push('By table, most errors first:', '', '| Table | Findings | Errors | Rules |', '| --- | ---: | ---: | --- |');
      for (const table of tables.slice(0, TOP)) {
        const rules = [...table.rules].sort((a, b) => b[1] - a[1]).map(([rule, n]) => `\`${rule}\` ×${n}`);
        out.push(
          `| \`${cell(table.table)}\` | ${table.count.toLocaleString('en-US')} | ${table.errors.toLocaleString('en-US')} | ${rules.slice(0, 4).join(', ')}${rules.length > 4 ? `, +${rules.length - 4}` : ''} |`,
        );
      }
      out.push(...more(tables.length - TOP, 'table'), '');
    }
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      out.push('Errors:', '');
      for (const finding of errors.slice(0, TOP)) out.push(`- 🛑 \`${finding.rule}\` at ${where(finding)}: ${cell(finding.message)}`);
      out.push(...more(errors.length - TOP, 'error'), '');
    }
  }

  const problems: string[] = [];
  for (const m of result.drifted) problems.push(`\`${cell(m.file)}\` was edited after it was applied (checksum differs).`);
  for (const m of result.missing) problems.push(`${cell(m.version)} ${cell(m.name)} is applied but its file is gone.`);
  for (const id of result.failedInHistory) problems.push(`${cell(id)} started and never finished (a failed migration in the tool's history).`);
  for (const m of result.outOfOrder) problems.push(`\`${cell(m.file)}\` is older than a migration already applied (out of order).`);
  if (problems.length > 0) out.push('#### History', '', ...problems.slice(0, TOP).map((p) => `- ${p}`), ...more(problems.length - TOP, 'problem'), '');
  if (result.seeded.length > 0) out.push(`Seeded: ${plural(result.seeded.length, 'file')}.`, '');
  if (result.downCheck) out.push(...renderDownCheck(result.downCheck));
  out.push(
    '_This is a summary: the full report, with every migration, lock and finding, is in the `report-file` output (and the `report` output); every finding is also in the `lint-findings` output._',
  );
  return truncateMarkdown(out.join('\n'), limit).text;
}

/** The `lint-findings` output's bound: GitHub caps one output at 1 MB; the rest of the margin is the other outputs'. */
export const FINDINGS_OUTPUT_BYTES = 900_000;

/** The `rule` of the entry that ends a cut `lint-findings` list. */
export const TRUNCATED_RULE = 'truncated';

/**
 * The `lint-findings` output: JSON `{rule, severity, file, line, column, message}` per finding.
 * Over `maxBytes` (about 4,000 findings), the list keeps errors first, then warnings, then notes,
 * and ends with one entry `{rule: "truncated", severity: "note", more: <count>, ...}` saying how
 * many were left out and that the report file lists every one.
 */
export function findingsOutput(findings: readonly LintFinding[], maxBytes = FINDINGS_OUTPUT_BYTES): string {
  const entries = findings.map(({ rule, severity, file, line, column, message }) => JSON.stringify({ rule, severity, file, line, column, message }));
  const size = (list: string[]) => list.reduce((sum, entry) => sum + Buffer.byteLength(entry) + 1, 1);
  if (size(entries) <= maxBytes) return `[${entries.join(',')}]`;
  const rank = { error: 0, warning: 1, note: 2 } as const;
  const order = findings.map((finding, index) => ({ index, rank: rank[finding.severity] })).sort((a, b) => a.rank - b.rank || a.index - b.index);
  const marker = (more: number) =>
    JSON.stringify({
      rule: TRUNCATED_RULE,
      severity: 'note',
      file: '',
      line: 0,
      column: 0,
      message: `${more} more finding(s) left out of this output (GitHub's 1 MB limit per output): every finding is in the report (the report-file output).`,
      more,
    });
  // Room for the marker with the largest count it can carry.
  let budget = maxBytes - Buffer.byteLength(marker(findings.length)) - 2;
  const kept: string[] = [];
  for (const { index } of order) {
    const bytes = Buffer.byteLength(entries[index]!) + 1;
    if (bytes > budget) break;
    budget -= bytes;
    kept.push(entries[index]!);
  }
  kept.push(marker(findings.length - kept.length));
  return `[${kept.join(',')}]`;
}
