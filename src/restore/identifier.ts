// The restored target's name: `<source>-restored-<yyyymmdd-hhmmss>` (`-drill-` in drill mode),
// legal for RDS (a letter first, letters, digits and hyphens, no `--`, no trailing hyphen,
// at most 63 characters; a cluster leaves room for its `-writer` instance).
import { InputError } from '../shared/errors.js';
import { timestamp, legalizeIdentifier } from '../snapshot/identifier.js';

export const WRITER_SUFFIX = '-writer';
const RDS_MAX = 63;

export function maxTargetLength(kind: 'instance' | 'cluster' | 'branch'): number {
  if (kind === 'branch') return 256;
  return kind === 'cluster' ? RDS_MAX - WRITER_SUFFIX.length : RDS_MAX;
}

export function defaultTargetIdentifier(sourceId: string, at: Date, drill: boolean, kind: 'instance' | 'cluster' | 'branch'): string {
  const suffix = `-${drill ? 'drill' : 'restored'}-${timestamp(at)}`;
  const base = legalizeIdentifier(sourceId, maxTargetLength(kind) - suffix.length);
  return `${base}${suffix}`;
}

/** Checks a target identifier the user gave; returns it lowercased (RDS) or as given (Neon). */
export function validateTargetIdentifier(id: string, kind: 'instance' | 'cluster' | 'branch', sourceId: string): string {
  if (kind === 'branch') {
    // eslint-disable-next-line no-control-regex
    if (id.length > 256 || id.trim() !== id || id === '' || /[\u0000-\u001f\u007f]/.test(id))
      throw new InputError(
        'target-identifier',
        `${JSON.stringify(id)} is not a usable Neon branch name (1-256 characters, no control characters such as a newline, no leading or trailing spaces).`,
      );
    if (id === sourceId)
      throw new InputError(
        'target-identifier',
        `is the source branch itself; a restore always makes a new branch. Choose another name, or leave it empty for ${sourceId}-restored-<time>.`,
      );
    return id;
  }
  const max = maxTargetLength(kind);
  const problems: string[] = [];
  if (id.length > max)
    problems.push(
      `it is ${id.length} characters long; at most ${max} are allowed${kind === 'cluster' ? ` (63, less room for the writer instance ${WRITER_SUFFIX})` : ''}`,
    );
  if (!/^[A-Za-z]/.test(id)) problems.push('it must start with a letter');
  const bad = [...new Set(id.replace(/[A-Za-z0-9-]/g, ''))];
  if (bad.length > 0) problems.push(`it contains ${bad.map((c) => `'${c}'`).join(', ')}; only letters, digits and hyphens are allowed`);
  if (id.includes('--')) problems.push('it contains two hyphens in a row');
  if (id.endsWith('-')) problems.push('it ends with a hyphen');
  if (problems.length > 0)
    throw new InputError(
      'target-identifier',
      `'${id}' is not a legal RDS identifier: ${problems.join('; ')}. For example: ${legalizeIdentifier(id || 'restored', max)}.`,
    );
  if (id.toLowerCase() === sourceId.toLowerCase())
    throw new InputError(
      'target-identifier',
      `is the source ${kind} itself; a restore never overwrites the source. Choose another identifier, or leave it empty for ${sourceId}-restored-<time>.`,
    );
  return id.toLowerCase();
}
