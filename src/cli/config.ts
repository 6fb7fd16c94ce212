// Where each setting comes from, in order: the command line, the environment, then the
// repository's checked-in configuration (preview-db.config.json, or a "preview-db" key in
// package.json), which holds non-secret settings only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTION_INPUTS } from './generated/action-inputs.js';
import { UsageError } from './errors.js';
import { CLI_SETTINGS, SECRET_SETTINGS, envName } from './options.js';

export const CONFIG_FILE = 'preview-db.config.json';

/** Every key a config file may hold: the actions' input names and the CLI's own. */
export function configKeys(): Set<string> {
  const keys = new Set<string>(Object.keys(CLI_SETTINGS));
  for (const action of Object.values(ACTION_INPUTS)) for (const name of Object.keys(action)) keys.add(name);
  keys.add('dotenv');
  return keys;
}

export interface ConfigFile {
  /** For messages: `preview-db.config.json` or `package.json ("preview-db")`. */
  label: string;
  values: Map<string, string>;
}

function configValue(label: string, key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',');
  // env-vars as an object: { "DATABASE_URL": "pooled", "DIRECT_URL": "direct" }.
  if (key === 'env-vars' && value && typeof value === 'object' && Object.values(value).every((item) => typeof item === 'string')) {
    return Object.entries(value as Record<string, string>)
      .map(([name, kind]) => `${name}=${kind}`)
      .join(',');
  }
  throw new UsageError(`${label}: "${key}" must be a string, number, boolean or list of strings.`);
}

/** Reads the repository's configuration; undefined when there is none. */
export function loadConfig(cwd: string): ConfigFile | undefined {
  let label: string;
  let raw: unknown;
  const file = join(cwd, CONFIG_FILE);
  if (existsSync(file)) {
    label = CONFIG_FILE;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`${CONFIG_FILE} is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    const manifest = join(cwd, 'package.json');
    if (!existsSync(manifest)) return undefined;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch {
      return undefined;
    }
    if (parsed['preview-db'] === undefined) return undefined;
    label = 'package.json ("preview-db")';
    raw = parsed['preview-db'];
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`${label} must hold a JSON object of settings, e.g. {"provider": "neon", "neon-project-id": "misty-fog-123456"}.`);
  const known = configKeys();
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (SECRET_SETTINGS.has(key)) {
      throw new UsageError(
        `${label} holds "${key}", a secret; a checked-in file is no place for it and preview-db never reads one from there. Remove it and set ${envName(key)} in your environment instead.`,
      );
    }
    if (!known.has(key))
      throw new UsageError(
        `${label}: unknown setting "${key}". Settings are the actions' input names (provider, neon-project-id, parent, template, migrations-dir, ...) and env-file, env-vars.`,
      );
    values.set(key === 'dotenv' ? 'env-file' : key, configValue(label, key, value));
  }
  return { label, values };
}

export type Source = 'flag' | 'env' | 'config' | 'default';

/**
 * One command's settings, looked up by the action input name: flags, then the environment,
 * then the config file. `overrides` are values the command decides itself.
 */
export class Settings {
  readonly overrides = new Map<string, string>();

  constructor(
    private readonly flags: Map<string, { value: string; flag: string }>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly config: ConfigFile | undefined,
  ) {}

  get(setting: string): string {
    return this.lookup(setting)?.value ?? '';
  }

  has(setting: string): boolean {
    return this.lookup(setting) !== undefined;
  }

  source(setting: string): Source {
    return this.lookup(setting)?.source ?? 'default';
  }

  /** How the person set it, in their words: `--parent`, `NEON_PROJECT_ID`, `parent in preview-db.config.json`. */
  describe(setting: string): string {
    const found = this.lookup(setting);
    if (found?.source === 'env') return envName(setting);
    if (found?.source === 'config') return `"${setting}" in ${this.config!.label}`;
    return this.flags.get(setting)?.flag ?? `--${setting}`;
  }

  private lookup(setting: string): { value: string; source: Source } | undefined {
    const override = this.overrides.get(setting);
    if (override !== undefined) return { value: override, source: 'default' };
    const flag = this.flags.get(setting);
    if (flag !== undefined) return { value: flag.value, source: 'flag' };
    const fromEnv = this.env[envName(setting)];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv, source: 'env' };
    if (!SECRET_SETTINGS.has(setting)) {
      const fromConfig = this.config?.values.get(setting);
      if (fromConfig !== undefined) return { value: fromConfig, source: 'config' };
    }
    return undefined;
  }
}
