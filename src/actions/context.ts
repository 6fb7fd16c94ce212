// The workflow run's facts an action needs, read once from the runner's environment and
// event file and handed to the core as plain values.
import { readFileSync, existsSync } from 'node:fs';

export interface PullRequestFacts {
  number: number;
  headSha: string;
  headRef: string;
  /** The commit the pull request is compared with (`pull_request.base.sha`): offline lint checks only what it adds or changes. */
  baseSha?: string;
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

/** The run's event file (GITHUB_EVENT_PATH) is unreadable or not what GitHub writes. */
export class EventFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`The event file ${path} (GITHUB_EVENT_PATH) ${message}`);
    this.name = 'EventFileError';
  }
}

function readEvent(path: string | undefined): Record<string, any> {
  if (!path || !existsSync(path)) return {};
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EventFileError(
      path,
      `is not JSON (${error instanceof Error ? error.message : String(error)}). The runner writes it; when you run the action yourself, point GITHUB_EVENT_PATH at a JSON event payload.`,
    );
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    throw new EventFileError(path, 'does not hold a JSON object, as every GitHub event payload is.');
  return event as Record<string, any>;
}

export function readRunFacts(env: NodeJS.ProcessEnv = process.env): RunFacts {
  const path = env.GITHUB_EVENT_PATH;
  const event = readEvent(path);
  const pr = event.pull_request as Record<string, any> | undefined;
  const number = pr ? Number(pr.number ?? event.number) : undefined;
  if (pr && !(Number.isSafeInteger(number) && number! > 0)) {
    throw new EventFileError(
      path!,
      `has a pull_request without a valid number (${JSON.stringify(pr.number ?? event.number ?? null)}); previews are named after it, so nothing is done.`,
    );
  }
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
          number: number!,
          headSha: String(pr.head?.sha ?? ''),
          headRef: String(pr.head?.ref ?? ''),
          baseSha: typeof pr.base?.sha === 'string' ? pr.base.sha : undefined,
          fromFork: Boolean(pr.head?.repo && pr.base?.repo && pr.head.repo.full_name !== pr.base.repo.full_name),
          body: String(pr.body ?? ''),
          state: String(pr.state ?? ''),
          merged: Boolean(pr.merged),
        }
      : undefined,
  };
}
