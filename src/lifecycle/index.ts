// The whole preview lifecycle from a pull-request event, on top of the same cores the
// separate actions use: create-branch, migrate, cleanup, and the schema comparison.
import type { Log } from '../shared/log.js';
import { createPreview, type CreateBranchSettings } from '../create-branch/index.js';
import { migrate, readMigrationSet, type MigrateResult, type MigrateSettings } from '../migrate/index.js';
import { DEFAULT_PREFIXES, runCleanup, type CleanupReport, type CleanupSettings } from '../cleanup/index.js';
import { previewStoreFor } from '../cleanup/stores.js';
import type { PreviewDatabase } from '../providers/types.js';
import { compareWithNeonParent, compareWithTemplate, schemaReportOrWarning, type SchemaReport } from '../schema/index.js';

export { phaseOf, type LifecyclePhase } from './phase.js';

export interface OpenSettings {
  create: CreateBranchSettings;
  /** Everything migrate needs except the URL, which is the preview's direct one. */
  migrate?: Omit<MigrateSettings, 'databaseUrl'>;
}

export interface OpenResult {
  preview: PreviewDatabase;
  migration?: MigrateResult;
  schema?: SchemaReport;
}

/** The history has files the runner refuses: no preview was made, the migrations were linted offline. */
export interface RefusedResult {
  preview?: undefined;
  migration: MigrateResult;
  refusedFiles: number;
}

export async function openPreview(settings: OpenSettings, log: Log): Promise<OpenResult | RefusedResult> {
  // Everything that needs no database first: a missing directory or seed fails here, before a
  // database or role exists; refused files are all reported (offline lint), and nothing is made.
  if (settings.migrate) {
    const set = await log.group('Reading migrations', () => readMigrationSet(settings.migrate!));
    log.info(`${set.files.length} migration(s) read and parsed.`);
    if (set.problems.length > 0) {
      const migration = await lintWithoutPreview(settings.migrate, log);
      return { migration, refusedFiles: new Set(set.problems.map((problem) => problem.file)).size };
    }
  }
  const preview = await createPreview(settings.create, log);
  const migration = settings.migrate
    ? await log.group('Migrations', () => migrate({ ...settings.migrate!, databaseUrl: preview.databaseUrlDirect }, log))
    : undefined;
  const schema = await log.group('Schema compared with the parent', () =>
    schemaReportOrWarning(async () => {
      if (settings.create.provider === 'neon' && settings.create.neon) return compareWithNeonParent(preview, settings.create.neon, log);
      if (settings.create.postgres) {
        return compareWithTemplate(
          preview,
          settings.create.postgres.adminUrl,
          settings.create.postgres.template,
          log,
          settings.migrate ? [settings.migrate.historyTable] : [],
        );
      }
      return undefined;
    }, log),
  );
  return { preview, migration, schema };
}

/** No preview can or should be made: lint the migrations offline (same rules, graded statically). */
export async function lintWithoutPreview(settings: Omit<MigrateSettings, 'databaseUrl'>, log: Log): Promise<MigrateResult> {
  return log.group('Migrations (linted offline)', () => migrate({ ...settings, databaseUrl: '', lintOnly: true }, log));
}

export interface CloseSettings {
  create: CreateBranchSettings;
  dryRun: boolean;
  /** `owner/repo`, so a Neon branch annotated by another repository is never taken for ours. */
  repository?: string;
}

/** Deletes the pull request's preview (gone already is fine) with cleanup's own safety rules. */
export async function closePreview(settings: CloseSettings, log: Log): Promise<CleanupReport> {
  const branchName = settings.create.request.branchName;
  const cleanup: CleanupSettings = {
    mode: 'pr',
    branchName,
    // The same rule as the sweep: only names under preview/ are ever deleted, so a
    // misconfigured branch-name (say, staging) can never take a real branch with it.
    prefixes: DEFAULT_PREFIXES,
    olderThanSeconds: 0,
    closedPrs: false,
    dryRun: settings.dryRun,
    maxDeletions: 1,
  };
  const store = previewStoreFor({ provider: settings.create.provider, neon: settings.create.neon, postgresUrl: settings.create.postgres?.adminUrl }, log, {
    waitForDeletion: true,
    repository: settings.repository,
  });
  try {
    return await runCleanup(cleanup, store, log);
  } finally {
    await store.close();
  }
}
