// The pull request's one comment (and the step summary): what the preview is, what the
// migrations did and measured, and what the schema change is. Never a URL or password.
import { codeBlock, codeSpan, details, escapeTableCell, table } from '../shared/markdown.js';
import { renderMigrateSummary, type MigrateResult } from '../migrate/index.js';
import type { CleanupReport } from '../cleanup/index.js';
import type { PreviewDatabase } from '../providers/types.js';
import type { SchemaReport } from '../schema/index.js';
import type { OpenResult } from './index.js';

export interface CommentContext {
  /** The commit the preview was made for (shown short). */
  sha: string;
  /** Link to the workflow run, for the details. */
  runUrl?: string;
}

/** The key that finds this pull request's comment again (`<!-- preview-db:preview -->`). */
export const COMMENT_KEY = 'preview';

/** Most characters the migrations' part of the comment may take. */
export const MIGRATION_SECTION_CHARS = 40_000;

const OUTCOME: Record<PreviewDatabase['outcome'], string> = {
  created: 'created',
  reused: 'reused (a later push)',
  reset: 'reset to the parent',
  recreated: 'recreated',
};

function footer(context: CommentContext): string {
  const commit = context.sha ? `for ${codeSpan(context.sha.slice(0, 7))}` : '';
  const run = context.runUrl ? ` · [workflow run](${context.runUrl})` : '';
  return `<sub>preview-db ${commit}${run}</sub>`;
}

export function renderSchemaReport(schema: SchemaReport | undefined): string {
  if (!schema) return '';
  if (schema.source === 'neon') {
    if (!schema.diff.trim()) return `#### Schema against ${codeSpan(schema.against)}\n\nNo schema changes.\n`;
    const headline = `${schema.added} line(s) added, ${schema.removed} removed in the schema against ${codeSpan(schema.against)}`;
    return `#### Schema against ${codeSpan(schema.against)}\n\n${details(headline, codeBlock(schema.diff, 'diff'), { open: schema.added + schema.removed <= 40 })}\n`;
  }
  if (schema.changes.length === 0) return `#### Schema against ${codeSpan(schema.against)}\n\nNo schema changes.\n`;
  const rows = schema.changes.map((change) => [
    change.change === 'added' ? '➕ added' : change.change === 'removed' ? '➖ removed' : '✏️ changed',
    change.kind,
    codeSpan(change.name),
    change.change === 'changed' ? `${codeSpan(change.before ?? '')} → ${codeSpan(change.after ?? '')}` : codeSpan((change.after ?? change.before ?? '') || '—'),
  ]);
  return `#### Schema against ${codeSpan(schema.against)}\n\n${table(['Change', 'Kind', 'Name', 'Definition'], rows)}\n`;
}

export function renderOpenComment(result: OpenResult, context: CommentContext): string {
  const { preview, migration } = result;
  const status = !migration
    ? '✅'
    : migration.ok
      ? migration.findings.some((f) => f.severity === 'error') || migration.locks.some((l) => l.overThreshold)
        ? '⚠️'
        : '✅'
      : '❌';
  const facts: string[][] = [
    ['Preview', `${codeSpan(preview.branchName)} — ${OUTCOME[preview.outcome]}${preview.consoleUrl ? ` · [open in the console](${preview.consoleUrl})` : ''}`],
    ['Database', `${codeSpan(preview.database)} on ${codeSpan(preview.host)} as ${codeSpan(preview.role)}`],
  ];
  if (preview.parentName) facts.push(['Cloned from', codeSpan(preview.parentName)]);
  facts.push(['Expires', preview.expiresAt ? escapeTableCell(preview.expiresAt) : 'when the pull request closes']);
  const sections = [
    `### ${status} Preview database ${codeSpan(preview.branchName)}`,
    '',
    table(['', ''], facts),
    '',
    "The connection URL is in the workflow run's outputs, never here.",
    '',
  ];
  // The migrations' part stays well inside GitHub's 65,536 characters, leaving room for the schema.
  if (migration) sections.push(renderMigrateSummary(migration, MIGRATION_SECTION_CHARS), '');
  else sections.push('No migrations configured.', '');
  const schema = renderSchemaReport(result.schema);
  if (schema) sections.push(schema);
  sections.push(footer(context));
  return sections.join('\n');
}

export function renderClosedComment(branchName: string, report: CleanupReport, context: CommentContext): string {
  const gone = report.deleted.includes(branchName) || report.alreadyGone.includes(branchName);
  const headline = report.dryRun
    ? `### 🧪 Preview database ${codeSpan(branchName)} would be deleted (dry run)`
    : gone
      ? `### 🗑️ Preview database ${codeSpan(branchName)} deleted`
      : `### ❌ Preview database ${codeSpan(branchName)} was not deleted`;
  // When it is gone, the headline says all; otherwise the reason it stayed matters.
  const detail = gone ? '' : (report.rows.find((row) => row.name === branchName)?.detail ?? report.failure ?? 'No preview by that name was found.');
  const lines = [headline, ''];
  if (report.alreadyGone.includes(branchName)) lines.push('It was already gone (expired, or deleted by an earlier run).', '');
  else if (gone && !report.dryRun) lines.push('The pull request is closed; nothing is billed for this preview any more.', '');
  if (detail) lines.push(escapeTableCell(detail), '');
  lines.push(footer(context));
  return lines.join('\n');
}

/** No preview (a fork's pull request, or lint-only): why, and the offline lint of the migrations. */
export function renderLintOnlyComment(branchName: string, reason: string, migration: MigrateResult, context: CommentContext): string {
  const status = !migration.ok ? '❌' : migration.findings.some((f) => f.severity === 'error') ? '⚠️' : '✅';
  return [
    `### ${status} Migrations linted; no preview database ${codeSpan(branchName)}`,
    '',
    reason,
    '',
    renderMigrateSummary(migration),
    '',
    footer(context),
  ].join('\n');
}

/** When the preview could not be made at all: the reason, for the pull request's author. */
export function renderFailedComment(branchName: string, reason: string, context: CommentContext): string {
  return [
    `### ❌ Preview database ${codeSpan(branchName)} could not be created`,
    '',
    codeBlock(reason),
    '',
    'The workflow run has the details. Fix the cause and push again (or re-run the job).',
    '',
    footer(context),
  ].join('\n');
}
