// Snapshot identifiers RDS accepts: ASCII letters, digits and hyphens, a letter first, no
// two hyphens in a row, no hyphen at the end; at most 255 characters for DB snapshots and
// 63 for DB cluster snapshots. RDS stores them lowercase, so we do too.
import { InputError } from '../shared/errors.js';

export type SnapshotScope = 'instance' | 'cluster' | 'neon';

export const MAX_IDENTIFIER_LENGTH: Record<SnapshotScope, number> = { instance: 255, cluster: 63, neon: 255 };

export interface RunIdentity {
  sha: string;
  runId: string;
  runAttempt: string;
}

/** `20261122-014501` in UTC. */
export function timestamp(at: Date): string {
  const iso = at.toISOString(); // 2026-11-22T01:45:01.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** Turns any text into a legal identifier of at most `max` characters. */
export function legalizeIdentifier(text: string, max: number): string {
  let id = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(id)) id = `snapshot-${id}`.replace(/-+$/, '');
  return id.slice(0, max).replace(/-+$/, '');
}

/** `pre-deploy-<YYYYMMDD-HHMMSS>-<short sha>-<run id>-<attempt>`, made legal. */
export function defaultSnapshotIdentifier(run: RunIdentity, at: Date, scope: SnapshotScope): string {
  const parts = ['pre-deploy', timestamp(at), run.sha.slice(0, 7), run.runId, run.runId ? run.runAttempt : ''];
  return legalizeIdentifier(parts.filter(Boolean).join('-'), MAX_IDENTIFIER_LENGTH[scope]);
}

/** Checks an identifier the user gave; returns it lowercased. Says which rule it breaks. */
export function validateSnapshotIdentifier(id: string, scope: SnapshotScope, input = 'snapshot-identifier'): string {
  const max = MAX_IDENTIFIER_LENGTH[scope];
  const problems: string[] = [];
  if (id.length === 0) problems.push('it is empty');
  if (id.length > max) problems.push(`it is ${id.length} characters long; ${scope === 'cluster' ? 'cluster snapshots allow' : 'RDS allows'} at most ${max}`);
  if (id.length > 0 && !/^[A-Za-z]/.test(id)) problems.push('it must start with a letter');
  const bad = [...new Set(id.replace(/[A-Za-z0-9-]/g, ''))];
  if (bad.length > 0) problems.push(`it contains ${bad.map((c) => `'${c}'`).join(', ')}; only letters, digits and hyphens are allowed`);
  if (id.includes('--')) problems.push('it contains two hyphens in a row');
  if (id.endsWith('-')) problems.push('it ends with a hyphen');
  if (problems.length > 0) {
    throw new InputError(
      input,
      `'${id}' is not a legal snapshot identifier: ${problems.join('; ')}. For example: ${legalizeIdentifier(id || 'pre-deploy', max)}. Leave it empty for the generated pre-deploy-<time>-<sha>-<run>-<attempt>.`,
    );
  }
  return id.toLowerCase();
}
