// The mark create-branch writes with COMMENT ON DATABASE, so cleanup can tell previews
// from every other database on a shared server. Format (one line, `; `-separated):
//   managed-by=preview-db; branch=preview%2Fpr-42; created-at=2026-01-01T00:00:00.000Z; expires-at=...;
//   repo=example-org%2Fexample-app; pr=42
import { MANAGED_BY } from '../../shared/naming.js';

export interface PreviewMarker {
  branch: string;
  createdAt: string;
  expiresAt?: string;
  /** `owner/repo` that made it: a sweep of another repository never matches its pull requests. */
  repository?: string;
  pullRequest?: number;
}

export function formatMarker(marker: PreviewMarker): string {
  const parts = [`managed-by=${MANAGED_BY}`, `branch=${encodeURIComponent(marker.branch)}`, `created-at=${marker.createdAt}`];
  if (marker.expiresAt) parts.push(`expires-at=${marker.expiresAt}`);
  if (marker.repository) parts.push(`repo=${encodeURIComponent(marker.repository)}`);
  if (marker.pullRequest) parts.push(`pr=${marker.pullRequest}`);
  return parts.join('; ');
}

/** Undefined unless the comment is this project's mark. */
export function parseMarker(comment: string | null | undefined): PreviewMarker | undefined {
  if (!comment) return undefined;
  const fields = new Map(
    comment.split(';').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  if (fields.get('managed-by') !== MANAGED_BY || !fields.get('branch')) return undefined;
  let branch: string;
  let repository: string | undefined;
  try {
    branch = decodeURIComponent(fields.get('branch')!);
    repository = fields.get('repo') ? decodeURIComponent(fields.get('repo')!) : undefined;
  } catch {
    return undefined;
  }
  const pullRequest = /^\d+$/.test(fields.get('pr') ?? '') ? Number(fields.get('pr')) : undefined;
  return { branch, createdAt: fields.get('created-at') ?? '', expiresAt: fields.get('expires-at') || undefined, repository, pullRequest };
}
