/**
 * Links to a provider's web console, for reports and the pull-request comment. Plain
 * functions of identifiers; none of them needs (or may contain) a secret.
 */

const NEON_CONSOLE = 'https://console.neon.tech';

/** The Neon console page of one branch. */
export function neonBranchUrl(projectId: string, branchId: string): string {
  return `${NEON_CONSOLE}/app/projects/${encodeURIComponent(projectId)}/branches/${encodeURIComponent(branchId)}`;
}

/** The Neon console page of a project. */
export function neonProjectUrl(projectId: string): string {
  return `${NEON_CONSOLE}/app/projects/${encodeURIComponent(projectId)}`;
}

/** The AWS console host for a region (the China and GovCloud partitions have their own). */
export function awsConsoleHost(region: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new Error(`'${region}' is not an AWS region name`);
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

/**
 * The RDS console page of a manual snapshot: `#db-snapshot:id=` for an instance snapshot,
 * `#db-cluster-snapshot:id=` for an Aurora/Multi-AZ cluster snapshot.
 */
export function rdsSnapshotUrl(region: string, snapshotId: string, kind: 'instance' | 'cluster' = 'instance'): string {
  const anchor = kind === 'cluster' ? 'db-cluster-snapshot' : 'db-snapshot';
  return `${awsConsoleHost(region)}/rds/home?region=${region}#${anchor}:id=${encodeURIComponent(snapshotId)}`;
}

/** The RDS console page of a database instance or cluster. */
export function rdsDatabaseUrl(region: string, identifier: string, kind: 'instance' | 'cluster' = 'instance'): string {
  return `${awsConsoleHost(region)}/rds/home?region=${region}#database:id=${encodeURIComponent(identifier)};is-cluster=${kind === 'cluster'}`;
}

/** A pull request's page on GitHub (`serverUrl` is `GITHUB_SERVER_URL`, e.g. for GHES). */
export function pullRequestUrl(serverUrl: string, repository: string, number: number): string {
  return `${serverUrl.replace(/\/+$/, '')}/${repository}/pull/${number}`;
}

/** A workflow run's page on GitHub. */
export function workflowRunUrl(serverUrl: string, repository: string, runId: string | number, attempt?: string | number): string {
  const base = `${serverUrl.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`;
  return attempt !== undefined && String(attempt) !== '' && String(attempt) !== '1' ? `${base}/attempts/${attempt}` : base;
}
