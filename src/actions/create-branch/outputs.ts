// What create-branch hands to later steps; the root action hands over the same.
import * as core from '@actions/core';
import type { PreviewDatabase } from '../../providers/types.js';
import type { Outputs } from '../runtime.js';
import type { ExportEnv } from './inputs.js';

/** The preview's outputs, shared with the root action. */
export function previewOutputs(preview: PreviewDatabase): Outputs {
  return {
    'branch-id': preview.branchId,
    'branch-name': preview.branchName,
    created: preview.created,
    'database-url': preview.databaseUrl,
    'database-url-direct': preview.databaseUrlDirect,
    host: preview.host,
    database: preview.database,
    role: preview.role,
    password: preview.password,
    'expires-at': preview.expiresAt,
  };
}

/** `export-env`: the URLs into the job's environment under the user's names. */
export function exportPreviewEnv(exportEnv: ExportEnv, preview: PreviewDatabase): void {
  for (const { name, kind } of exportEnv) core.exportVariable(name, kind === 'pooled' ? preview.databaseUrl : preview.databaseUrlDirect);
}
