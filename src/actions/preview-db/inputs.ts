// The root action's inputs: create-branch's and migrate's under their own names (the
// migrate command as `migrate-command`), plus the comment. Everything is read and
// validated before anything changes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../shared/errors.js';
import { validateOptions } from '../../migrate/settings.js';
import type { MigrateSettings } from '../../migrate/types.js';
import type { LifecyclePhase } from '../../lifecycle/index.js';
import type { RunFacts } from '../context.js';
import { inputs } from '../runtime.js';
import { getCreateBranchInputs, type CreateBranchInputs } from '../create-branch/inputs.js';
import { readMigrateOptions } from '../migrate/inputs.js';
import { PROVIDER_SETTING_INPUTS } from '../provider-inputs.js';

/**
 * The core's settings under the root action's input names. The migration's `databaseUrl` is
 * the preview's own (no input), and its command is `migrate-command`.
 */
export const LIFECYCLE_SETTING_INPUTS = { ...PROVIDER_SETTING_INPUTS, command: 'migrate-command', seed: 'seed', exportEnv: 'export-env' } as const;

export interface LifecycleInputs extends CreateBranchInputs {
  /** Absent when there is nothing to migrate (no migrations directory with the built-in runner). */
  migrate?: Omit<MigrateSettings, 'databaseUrl'>;
  dryRun: boolean;
  comment: boolean;
  githubToken: string;
}

export function getLifecycleInputs(facts: RunFacts, phase: LifecyclePhase | undefined): LifecycleInputs {
  const created = getCreateBranchInputs(facts);
  // The tool's command gets DATABASE_URL and every name export-env gives (all the direct URL:
  // migrations need a real session).
  const migrateOptions = readMigrateOptions(facts, {
    commandInput: 'migrate-command',
    isProtected: false,
    exportEnv: ['DATABASE_URL', ...created.exportEnv.map((entry) => entry.name)],
  });
  const githubToken = inputs.secret('github-token');
  const comment = inputs.boolean('comment', true);
  // The target is the preview, known only once it exists: everything else is checked now.
  validateOptions({ ...migrateOptions, exportEnv: [...new Set(migrateOptions.exportEnv)] });
  const workspaceMigrations = join(migrateOptions.workingDirectory, 'migrations');
  const nothingToMigrate = migrateOptions.runner === 'builtin' && !migrateOptions.migrationsDir && !existsSync(workspaceMigrations);
  if (phase === 'open' && comment && !githubToken)
    throw new InputError('github-token', 'is empty but comment is true. Pass github-token (the default is the workflow token) or set comment: false.');
  return {
    ...created,
    migrate: nothingToMigrate ? undefined : { ...migrateOptions, exportEnv: [...new Set(migrateOptions.exportEnv)] },
    dryRun: migrateOptions.dryRun,
    comment,
    githubToken,
  };
}
