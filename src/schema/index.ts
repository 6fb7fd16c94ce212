// What a pull request changes in the schema: the preview against its parent.
import { errorMessage } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import type { PreviewDatabase } from '../providers/types.js';
import { connectWithRetry, withDatabase } from '../shared/postgres.js';
import { callNeon, createNeonApi, type NeonConnection } from '../providers/neon/client.js';
import { readSchema, type SchemaObject } from './catalog.js';
import { diffSchemas, summarizeUnifiedDiff, type SchemaChange } from './diff.js';

export type { SchemaChange } from './diff.js';

export type SchemaReport =
  { source: 'catalog'; against: string; changes: SchemaChange[] } | { source: 'neon'; against: string; diff: string; added: number; removed: number };

async function schemaOf(url: string, deadline: number, log: Log, ignoreTables: string[]): Promise<SchemaObject[]> {
  const client = await connectWithRetry(url, deadline, log, 'schema comparison');
  try {
    return await readSchema(client, { ignoreTables });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Postgres provider: compares the catalogs of the preview and its template (or an empty
 * database when there is none). Bookkeeping tables (migration history) are left out.
 */
export async function compareWithTemplate(
  preview: PreviewDatabase,
  adminUrl: string,
  template: string | undefined,
  log: Log,
  ignoreTables: string[] = [],
): Promise<SchemaReport> {
  const deadline = Date.now() + 60_000;
  const after = await schemaOf(preview.databaseUrlDirect, deadline, log, ignoreTables);
  const before = template ? await schemaOf(withDatabase(adminUrl, template), deadline, log, ignoreTables) : [];
  return { source: 'catalog', against: template ?? '(empty database)', changes: diffSchemas(before, after) };
}

/** Neon provider: Neon's own schema comparison of the preview branch with its parent. */
export async function compareWithNeonParent(preview: PreviewDatabase, connection: NeonConnection, log: Log): Promise<SchemaReport | undefined> {
  if (!preview.parentId) return undefined;
  const api = createNeonApi(connection);
  const data = await callNeon({ api, projectId: connection.projectId, log, deadline: Date.now() + 60_000 }, 'compare the schema with the parent', () =>
    api.getProjectBranchSchemaComparison({
      projectId: connection.projectId,
      branchId: preview.branchId,
      base_branch_id: preview.parentId,
      db_name: preview.database,
    }),
  );
  const summary = summarizeUnifiedDiff(data.diff ?? '');
  return { source: 'neon', against: preview.parentName ?? preview.parentId, diff: summary.text, added: summary.added, removed: summary.removed };
}

/** The comparison is information: its failure is a warning, never the run's failure. */
export async function schemaReportOrWarning(compare: () => Promise<SchemaReport | undefined>, log: Log): Promise<SchemaReport | undefined> {
  try {
    return await compare();
  } catch (error) {
    log.warning(`Could not compare the schema with the parent: ${errorMessage(error)}`);
    return undefined;
  }
}
