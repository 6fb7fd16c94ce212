// `preview-db list`: the branches preview-db made (with --all, every one), with what a person
// asks of them: kind, parent, age, last activity, expiry, size.
import type { CommandContext } from '../context.js';
import type { BranchInfo } from '../project.js';
import type { CommandResult } from './types.js';

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  const text = s < 90 ? `${s}s` : s < 5400 ? `${Math.round(s / 60)}m` : s < 129600 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
  return future ? `in ${text}` : `${text} ago`;
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function branchJson(branch: BranchInfo) {
  return {
    name: branch.name,
    id: branch.id,
    kind: branch.kind,
    parent: branch.parent ?? null,
    createdAt: branch.createdAt ?? null,
    lastActiveAt: branch.lastActive ?? null,
    expiresAt: branch.expiresAt ?? null,
    sizeBytes: branch.sizeBytes ?? null,
    madeByPreviewDb: branch.madeByPreviewDb,
    children: branch.children,
  };
}

export async function list(ctx: CommandContext): Promise<CommandResult> {
  const project = await ctx.project();
  const all = await ctx.term.group('Listing branches', () => project.list());
  const shown = all.filter((branch) => ctx.flag('all') || branch.madeByPreviewDb).sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  const now = Date.now();
  const rows = [
    ['NAME', 'KIND', 'PARENT', 'CREATED', 'LAST ACTIVE', 'EXPIRES', 'SIZE', 'BY'],
    ...shown.map((b) => [
      b.name,
      b.kind,
      b.parent ?? '-',
      ago(b.createdAt, now),
      ago(b.lastActive, now),
      b.expiresAt ? ago(b.expiresAt, now) : 'never',
      size(b.sizeBytes),
      b.madeByPreviewDb ? 'preview-db' : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const hidden = all.length - shown.length;
  if (hidden > 0) ctx.term.say(`${hidden} other branch(es) not made by preview-db; --all shows them.`);
  return {
    exitCode: 0,
    json: { provider: project.provider, branches: shown.map(branchJson), hidden },
    text: shown.length ? table : 'no branches made by preview-db',
  };
}
