// The step summary: tables, rows and bytes, masked and unmasked personal-looking columns,
// time per phase.
import { formatMillis } from '../shared/duration.js';
import type { RefreshResult } from './index.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function renderRefreshReport(result: Omit<RefreshResult, 'reportMarkdown'>): string {
  const lines = [
    `### Template \`${result.template}\` refreshed`,
    '',
    `${result.tables.length} table(s), ${result.rowsCopied} row(s), ${bytes(result.bytesCopied)} copied from production in ${result.durationSeconds}s; ${result.maskedColumns.length} column(s) masked at the source; ${result.sequences} sequence(s) set.`,
    '',
    '| Phase | Time |',
    '| --- | --- |',
    ...result.phases.map((p) => `| ${p.phase} | ${formatMillis(p.ms)} |`),
    '',
    '| Table | Rows | Bytes | Time | Why these rows |',
    '| --- | ---: | ---: | ---: | --- |',
    ...result.tables.map((t) => `| \`${t.table}\` | ${t.rows} | ${bytes(t.bytes)} | ${formatMillis(t.ms)} | ${cell(t.why)} |`),
  ];
  if (result.maskedColumns.length > 0) {
    lines.push(
      '',
      '<details><summary>Masked columns</summary>',
      '',
      '| Column | Strategy |',
      '| --- | --- |',
      ...result.maskedColumns.map((m) => `| \`${m.column}\` | ${m.strategy} |`),
      '',
      '</details>',
    );
  }
  if (result.unmaskedPersonalColumns.length > 0) {
    lines.push(
      '',
      `> [!WARNING]`,
      `> ${result.unmaskedPersonalColumns.length} column(s) look personal and were copied unmasked: give each a rule (\`keep\` when it is not personal).`,
      '',
      '| Column | Looks like | Found by |',
      '| --- | --- | --- |',
      ...result.unmaskedPersonalColumns.map((p) => `| \`${p.column}\` | ${p.kind} | ${p.by} |`),
    );
  }
  if (result.deferredForeignKeys.length > 0)
    lines.push('', `Foreign keys in a cycle, added back and validated after the load: ${result.deferredForeignKeys.map((fk) => `\`${fk}\``).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
