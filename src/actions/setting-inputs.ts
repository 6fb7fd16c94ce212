// Which input holds each setting the cores name in a SettingError, so an entry point can name
// the input (or, in the CLI, the flag). No imports: the CLI loads this at start.

/** The providers' settings under their input names, for errors the core reports about them (SettingError). */
export const PROVIDER_SETTING_INPUTS = {
  provider: 'provider',
  postgresAdminUrl: 'postgres-url',
  neonApiKey: 'neon-api-key',
  neonProjectId: 'neon-project-id',
  branchName: 'branch-name',
  parent: 'parent',
  database: 'database',
  role: 'role',
  template: 'template',
} as const;

/** The migrate core's settings under the migrate action's input names. */
export const MIGRATE_SETTING_INPUTS = {
  databaseUrl: 'database-url',
  command: 'command',
  seed: 'seed',
  exportEnv: 'export-env',
  checkDown: 'check-down',
  requireDown: 'require-down',
} as const;
