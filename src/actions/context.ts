// The workflow run's facts an action needs, read once from the runner's environment and
// event file and handed to the core as plain values.
import { readFileSync, existsSync } from 'node:fs';

export interface PullRequestFacts {
  number: number;
  headSha: string;
  headRef: string;
  /** The head repository differs from the base one: secrets are withheld. */
  fromFork: boolean;
  body: string;
  state: string;
  merged: boolean;
}

export interface RunFacts {
  eventName: string;
  action?: string;
  repository: string;
  sha: string;
  runId: string;
  runAttempt: string;
  serverUrl: string;
  apiUrl: string;
  pullRequest?: PullRequestFacts;
}

export function readRunFacts(env: NodeJS.ProcessEnv = process.env): RunFacts {
  const path = env.GITHUB_EVENT_PATH;
  const event = path && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>) : {};
  const pr = event.pull_request as Record<string, any> | undefined;
  const repository = env.GITHUB_REPOSITORY ?? event.repository?.full_name ?? '';
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    action: typeof event.action === 'string' ? event.action : undefined,
    repository,
    sha: env.GITHUB_SHA ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    pullRequest: pr
      ? {
          number: Number(pr.number ?? event.number),
          headSha: String(pr.head?.sha ?? ''),
          headRef: String(pr.head?.ref ?? ''),
          fromFork: Boolean(pr.head?.repo && pr.base?.repo && pr.head.repo.full_name !== pr.base.repo.full_name),
          body: String(pr.body ?? ''),
          state: String(pr.state ?? ''),
          merged: Boolean(pr.merged),
        }
      : undefined,
  };
}
