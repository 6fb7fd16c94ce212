// The full migrate report as a file under RUNNER_TEMP (the `report-file` output): the step
// summary and the comment may be aggregated, this file always holds every row.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeReportFile(markdown: string): string {
  const path = join(process.env.RUNNER_TEMP || tmpdir(), 'preview-db-migrate-report.md');
  writeFileSync(path, markdown);
  return path;
}
