// Reads and validates every create-branch input before anything changes.
import type { MaskingRule } from '@neondatabase/api-client';
import { InputError } from '../../shared/errors.js';
import { parseDuration } from '../../shared/duration.js';
import { NEON_MAX_EXPIRY_SECONDS } from '../../providers/neon/defaults.js';
import type { CreateBranchSettings } from '../../create-branch/index.js';
import { previewAnnotations } from '../../create-branch/annotations.js';
import type { RunFacts } from '../context.js';
import { inputs } from '../runtime.js';
import { missingCredential, readBranchName, readProviderConnection, requireProviderConnection } from '../provider-inputs.js';

export const DEFAULT_WAIT_TIMEOUT_SECONDS = 300;
/** Up to the 6 hours a job may run on a GitHub-hosted runner. */
export const WAIT_TIMEOUT_BOUNDS = { min: 1, max: 6 * 3600 };
/** A minute at least; a year at most (Neon allows 30 days, checked below). */
export const EXPIRES_IN_BOUNDS = { min: 60, max: 365 * 86400 };

export type ExportEnv = Array<{ name: string; kind: 'pooled' | 'direct' }>;

export interface CreateBranchInputs {
  settings: CreateBranchSettings;
  exportEnv: ExportEnv;
  /** Set when the run must skip (a fork's pull request has no secrets). */
  skipReason?: string;
}

/** `-1` never suspend, `0` Neon's default, otherwise 60 s .. 1 week. */
export function parseSuspendTimeout(text: string): number | undefined {
  if (text === '') return undefined;
  if (text === '-1') return -1;
  const seconds = parseDuration(text, 'suspend-timeout');
  if (seconds !== 0 && (seconds < 60 || seconds > 604800))
    throw new InputError('suspend-timeout', `${text} is outside Neon's range: use -1 (never), 0 (Neon's default) or 1m to 7d.`);
  return seconds;
}

export function parseParentAt(text: string): { timestamp: string } | { lsn: string } | undefined {
  if (text === '') return undefined;
  if (/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text)) return { lsn: text.toUpperCase() };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text)))
    return { timestamp: new Date(text).toISOString() };
  throw new InputError('parent-at', `'${text}' is neither an RFC 3339 timestamp (2026-01-31T09:00:00Z) nor an LSN (0/1A2B3C4).`);
}

export function parseMaskingRules(text: string): MaskingRule[] | undefined {
  if (text === '') return undefined;
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch {
    throw new InputError(
      'masking-rules',
      'is not valid JSON. Give a JSON list such as [{"database_name":"neondb","schema_name":"public","table_name":"users","column_name":"email","masking_function":"anon.dummy_free_email()"}].',
    );
  }
  if (!Array.isArray(rules) || rules.length === 0) throw new InputError('masking-rules', 'must be a non-empty JSON list of rules.');
  return rules.map((rule, index) => {
    const fields = ['database_name', 'schema_name', 'table_name', 'column_name'] as const;
    for (const field of fields) {
      if (typeof rule?.[field] !== 'string' || rule[field] === '') throw new InputError('masking-rules', `rule ${index + 1} needs a string '${field}'.`);
    }
    if (rule.masking_function === undefined && rule.masking_value === undefined)
      throw new InputError('masking-rules', `rule ${index + 1} needs masking_function or masking_value.`);
    return rule as MaskingRule;
  });
}

export function parseExportEnv(lines: Array<[string, string]>): ExportEnv {
  return lines.map(([name, kind]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InputError('export-env', `'${name}' is not an environment variable name.`);
    if (name.toUpperCase().startsWith('GITHUB_') || name.toUpperCase() === 'PATH') throw new InputError('export-env', `'${name}' is reserved by the runner.`);
    if (kind !== 'pooled' && kind !== 'direct') throw new InputError('export-env', `'${name}=${kind}': the value must be pooled or direct.`);
    return { name, kind };
  });
}

export function getCreateBranchInputs(facts: RunFacts): CreateBranchInputs {
  const connection = readProviderConnection();
  // Read every input up front, so a mistake anywhere is reported before any change.
  const raw = {
    parent: inputs.text('parent'),
    database: inputs.text('database'),
    role: inputs.text('role'),
    suspendTimeout: inputs.text('suspend-timeout'),
    expiresIn: inputs.duration('expires-in', EXPIRES_IN_BOUNDS),
    template: inputs.text('template'),
    waitTimeout: inputs.duration('wait-timeout', WAIT_TIMEOUT_BOUNDS),
    onExisting: inputs.choice('on-existing', ['reuse', 'reset', 'recreate'] as const, 'reuse'),
    parentAt: parseParentAt(inputs.text('parent-at')),
    branchType: inputs.choice('branch-type', ['data', 'schema-only'] as const, 'data'),
    maskingRules: parseMaskingRules(inputs.text('masking-rules')),
    exportEnv: parseExportEnv(inputs.keyValues('export-env')),
  };
  const branchName = readBranchName(facts);
  const suspendTimeoutSeconds = parseSuspendTimeout(raw.suspendTimeout);
  if (connection.provider === 'neon' && raw.expiresIn !== undefined && raw.expiresIn > NEON_MAX_EXPIRY_SECONDS) {
    throw new InputError('expires-in', `Neon lets a branch expire at most 30 days ahead; use 30d or less.`);
  }
  if (connection.provider === 'postgres' && raw.maskingRules)
    throw new InputError('masking-rules', 'is not supported yet for provider postgres (only Neon anonymized branches). Remove it or use provider neon.');
  if (connection.provider === 'postgres' && (raw.parentAt || raw.branchType !== 'data')) {
    throw new InputError(raw.parentAt ? 'parent-at' : 'branch-type', 'is only supported for provider neon.');
  }
  const missing = missingCredential(connection);
  const settings: CreateBranchSettings = {
    provider: connection.provider,
    request: {
      branchName,
      onExisting: raw.onExisting,
      waitTimeoutSeconds: raw.waitTimeout ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
      expiresInSeconds: raw.expiresIn,
      annotations: previewAnnotations({
        repository: facts.repository,
        pullRequest: facts.pullRequest?.number,
        sha: facts.pullRequest?.headSha || facts.sha,
        runId: facts.runId,
        serverUrl: facts.serverUrl,
      }),
    },
  };
  if (missing && facts.pullRequest?.fromFork) {
    return {
      settings,
      exportEnv: raw.exportEnv,
      skipReason: `This pull request comes from a fork, and GitHub gives such runs no secrets (${missing} is empty). No preview database is created; a maintainer can run the workflow for it from a branch of this repository.`,
    };
  }
  requireProviderConnection(connection);
  if (connection.provider === 'neon') {
    settings.neon = {
      ...connection.neon,
      parent: raw.parent || undefined,
      database: raw.database || undefined,
      role: raw.role || undefined,
      suspendTimeoutSeconds,
      parentAt: raw.parentAt,
      branchType: raw.branchType,
      maskingRules: raw.maskingRules,
    };
  } else {
    settings.postgres = { adminUrl: connection.postgresUrl, template: raw.template || undefined };
  }
  return { settings, exportEnv: raw.exportEnv };
}
