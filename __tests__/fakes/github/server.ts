/**
 * A fake of the GitHub REST API: the endpoints the suite uses, over real HTTP, shaped like
 * github.com's answers (response bodies are typed with @octokit/openapi-types, GitHub's own
 * OpenAPI description, so tsc catches drift in the fields we produce).
 *
 * - `GET /user`: the token's login; 403 "Resource not accessible by integration" for an
 *   app installation token (the default GITHUB_TOKEN is one, its login `github-actions[bot]`).
 * - Issue comments: list (`per_page` default 30, max 100, `page`; `Link` header with
 *   first/prev/next/last pointing at `/repositories/{id}/issues/{n}/comments`, as GitHub
 *   does), create (201; 422 for a missing body or one over 65,536 characters), update,
 *   delete (204), `GET /repos/{o}/{r}/issues/comments/{id}`.
 * - Pull requests: `GET /repos/{o}/{r}/pulls/{n}` and `GET /repos/{o}/{r}/pulls?state=`.
 * - Auth: `Authorization: token X` or `Bearer X`; unknown token → 401 "Bad credentials";
 *   a read-only token gets 403 "Resource not accessible by integration" on writes.
 * - Rate limits: every answer carries `x-ratelimit-*` headers; `inject()` adds faults such
 *   as a secondary rate limit (403 + `retry-after`), 429, an exhausted primary limit, 5xx.
 * Repositories spring into existence on first use (id assigned then).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components } from '@octokit/openapi-types';

type SimpleUser = components['schemas']['simple-user'];
export type IssueComment = components['schemas']['issue-comment'] & { id: number; body: string; user: SimpleUser };
type PullRequest = components['schemas']['pull-request'];
type PullRequestFields = Pick<
  PullRequest,
  | 'url'
  | 'id'
  | 'node_id'
  | 'html_url'
  | 'number'
  | 'state'
  | 'locked'
  | 'title'
  | 'body'
  | 'created_at'
  | 'updated_at'
  | 'closed_at'
  | 'merged_at'
  | 'draft'
  | 'merged'
  | 'user'
> & {
  head: Pick<PullRequest['head'], 'label' | 'ref' | 'sha'> & { repo: { full_name: string } | null };
  base: Pick<PullRequest['base'], 'label' | 'ref' | 'sha'> & { repo: { full_name: string } };
};

export const COMMENT_BODY_LIMIT = 65_536;

export interface TokenSpec {
  login: string;
  /** `Bot` for app installation tokens (GET /user answers 403). Default: Bot when the login ends in `[bot]`. */
  type?: 'User' | 'Bot';
  /** Writes answer 403 "Resource not accessible by integration" (a fork's GITHUB_TOKEN, `permissions: read`). */
  readOnly?: boolean;
}

export interface Fault {
  method?: string;
  /** Matches the request path (with query string): a substring or a RegExp. */
  path?: string | RegExp;
  /** `secondary`: 403 + retry-after; `primary`: 403 with `x-ratelimit-remaining: 0`; else this status. */
  kind?: 'secondary' | 'primary' | 'status';
  status?: number;
  /** Seconds, sent as `retry-after` (secondary, 429). Default 1. */
  retryAfter?: number;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Drop the connection instead of answering. */
  reset?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  login?: string;
  body?: unknown;
}

export interface SeedCommentOptions {
  repository?: string;
  issueNumber: number;
  body: string;
  login?: string;
  type?: 'User' | 'Bot';
  createdAt?: string;
}

export interface SeedPullRequestOptions {
  repository?: string;
  number: number;
  state?: 'open' | 'closed';
  merged?: boolean;
  body?: string | null;
  draft?: boolean;
  /** `owner/repo` of the head; another repository makes it a fork pull request. */
  headRepository?: string;
  headSha?: string;
}

export interface FakeGitHub {
  /** Base URL to give Octokit (`baseUrl`) or the runner (`GITHUB_API_URL`). */
  apiUrl: string;
  /** The comments on an issue/pull request, oldest first (`repository` default: every repository). */
  comments(issueNumber: number, repository?: string): IssueComment[];
  seedComment(options: SeedCommentOptions): IssueComment;
  seedPullRequest(options: SeedPullRequestOptions): void;
  addToken(token: string, spec: TokenSpec): void;
  inject(fault: Fault): void;
  /** Removes every fault not yet used up. */
  clearFaults(): void;
  /** Delay every answer by this many ms (widens race windows). */
  setLatency(ms: number): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const DEFAULT_REPOSITORY = 'example-org/example-repo';

interface Repository {
  id: number;
  fullName: string;
  comments: IssueComment[];
  pulls: Map<number, PullRequestFields>;
}

export async function startFakeGitHub(options: { token: string; login: string; readOnly?: boolean; type?: 'User' | 'Bot' }): Promise<FakeGitHub> {
  const tokens = new Map<string, Required<TokenSpec>>();
  const users = new Map<string, SimpleUser>();
  const repositories = new Map<string, Repository>();
  const faults: Array<Fault & { remaining: number }> = [];
  const requests: RecordedRequest[] = [];
  let latencyMs = 0;
  let nextCommentId = 1_000_001;
  let nextRepositoryId = 500_001;
  let apiUrl = '';
  let clock = Date.parse('2026-01-01T00:00:00Z');
  // Strictly increasing timestamps, one second apart, like separate events on GitHub.
  const now = () => new Date((clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const addToken = (token: string, spec: TokenSpec) => {
    tokens.set(token, { login: spec.login, type: spec.type ?? (spec.login.endsWith('[bot]') ? 'Bot' : 'User'), readOnly: spec.readOnly ?? false });
  };
  addToken(options.token, options);

  const userFor = (login: string, type?: 'User' | 'Bot'): SimpleUser => {
    const existing = users.get(login);
    if (existing) return existing;
    const id = 40_000_000 + users.size + 1;
    const html = `https://github.com/${login.replace('[bot]', '')}`;
    const url = `${apiUrl}/users/${encodeURIComponent(login)}`;
    const user: SimpleUser = {
      login,
      id,
      node_id: Buffer.from(`04:User${id}`).toString('base64'),
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url,
      html_url: login.endsWith('[bot]') ? `https://github.com/apps/${login.replace('[bot]', '')}` : html,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'),
      user_view_type: 'public',
      site_admin: false,
    };
    users.set(login, user);
    return user;
  };

  const repository = (fullName: string): Repository => {
    const key = fullName.toLowerCase();
    let repo = repositories.get(key);
    if (!repo) {
      repo = { id: nextRepositoryId++, fullName, comments: [], pulls: new Map() };
      repositories.set(key, repo);
    }
    return repo;
  };

  const makeComment = (repo: Repository, issueNumber: number, body: string, user: SimpleUser, createdAt?: string): IssueComment => {
    const id = nextCommentId++;
    const timestamp = createdAt ?? now();
    const comment: IssueComment = {
      id,
      node_id: Buffer.from(`012:IssueComment${id}`).toString('base64'),
      url: `${apiUrl}/repos/${repo.fullName}/issues/comments/${id}`,
      html_url: `https://github.com/${repo.fullName}/pull/${issueNumber}#issuecomment-${id}`,
      issue_url: `${apiUrl}/repos/${repo.fullName}/issues/${issueNumber}`,
      body,
      user,
      created_at: timestamp,
      updated_at: timestamp,
      author_association: user.type === 'Bot' ? 'NONE' : 'MEMBER',
      performed_via_github_app: null,
    };
    repo.comments.push(comment);
    issueOf.set(id, issueNumber);
    return comment;
  };
  const issueOf = new Map<number, number>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-github-request-id': `FAKE:${requests.length}`,
      ...headers,
    });
    res.end(text);
  };
  const error = (status: number, message: string, documentation = 'https://docs.github.com/rest', extra: Record<string, unknown> = {}) => ({
    message,
    ...extra,
    documentation_url: documentation,
    status: String(status),
  });

  const linkHeader = (base: string, page: number, perPage: number, total: number, query: URLSearchParams): string | undefined => {
    const last = Math.max(1, Math.ceil(total / perPage));
    if (last <= 1) return undefined;
    const at = (p: number) => {
      const params = new URLSearchParams(query);
      params.set('per_page', String(perPage));
      params.set('page', String(p));
      return `<${base}?${params.toString()}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (page > 1) links.push(`${at(1)}; rel="first"`);
    return links.join(', ');
  };

  const pageOf = <T>(items: T[], query: URLSearchParams): { page: number; perPage: number; slice: T[] } | { invalid: string } => {
    const perPage = query.has('per_page') ? Number(query.get('per_page')) : 30;
    const page = query.has('page') ? Number(query.get('page')) : 1;
    if (!Number.isInteger(perPage) || !Number.isInteger(page)) return { invalid: 'per_page and page must be integers' };
    const size = Math.min(100, Math.max(1, perPage));
    const at = Math.max(1, page);
    return { page: at, perPage: size, slice: items.slice((at - 1) * size, at * size) };
  };

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return undefined;
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return Symbol.for('invalid-json');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: RecordedRequest) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    record.body = body;
    if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs));

    const fault = faults.find((f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && matches(f.path, `${url.pathname}${url.search}`));
    if (fault) {
      fault.remaining--;
      if (fault.reset) {
        req.socket.destroy();
        return;
      }
      const retryAfter = String(fault.retryAfter ?? 1);
      if (fault.kind === 'secondary') {
        return send(
          res,
          403,
          error(
            403,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.',
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          ),
          { 'retry-after': retryAfter },
        );
      }
      if (fault.kind === 'primary') {
        return send(
          res,
          403,
          error(403, 'API rate limit exceeded for installation ID 1.', 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'),
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + (fault.retryAfter ?? 1)),
          },
        );
      }
      const status = fault.status ?? 500;
      return send(
        res,
        status,
        status === 429 ? error(429, 'Too Many Requests') : error(status, status >= 500 ? 'Server Error' : 'Injected fault'),
        status === 429 ? { 'retry-after': retryAfter } : {},
      );
    }

    const authorization = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(authorization)?.[1];
    const identity = token ? tokens.get(token) : undefined;
    if (!identity) return send(res, 401, error(401, authorization ? 'Bad credentials' : 'Requires authentication'));
    record.login = identity.login;
    const actor = userFor(identity.login, identity.type);
    const write = method !== 'GET' && method !== 'HEAD';
    const forbidden = (docs: string) => send(res, 403, error(403, 'Resource not accessible by integration', docs));

    let match: RegExpExecArray | null;
    if (method === 'GET' && url.pathname === '/user') {
      if (identity.type === 'Bot') return forbidden('https://docs.github.com/rest/users/users#get-the-authenticated-user');
      return send(res, 200, actor);
    }

    // Comments of one issue: /repos/{o}/{r}/issues/{n}/comments or /repositories/{id}/issues/{n}/comments
    if ((match = /^\/(?:repos\/([^/]+\/[^/]+)|repositories\/(\d+))\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const repo = match[1] ? repository(decodeURIComponent(match[1])) : [...repositories.values()].find((r) => String(r.id) === match![2]);
      if (!repo) return send(res, 404, error(404, 'Not Found'));
      const issueNumber = Number(match[3]);
      if (method === 'GET') {
        const all = repo.comments.filter((comment) => issueOf.get(comment.id) === issueNumber);
        const paged = pageOf(all, url.searchParams);
        if ('invalid' in paged) return send(res, 422, error(422, paged.invalid));
        const link = linkHeader(`${apiUrl}/repositories/${repo.id}/issues/${issueNumber}/comments`, paged.page, paged.perPage, all.length, url.searchParams);
        return send(res, 200, paged.slice, link ? { link } : {});
      }
      if (method === 'POST') {
        if (identity.readOnly) return forbidden('https://docs.github.com/rest/issues/comments#create-an-issue-comment');
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string' || text === '') {
          return send(
            res,
            422,
            error(422, 'Invalid request.\n\n"body" wasn\'t supplied.', 'https://docs.github.com/rest/issues/comments#create-an-issue-comment'),
          );
        }
        if (text.length > COMMENT_BODY_LIMIT) return send(res, 422, tooLong('create-an-issue-comment'));
        const comment = makeComment(repo, issueNumber, text, actor);
        return send(res, 201, comment, { location: comment.url });
      }
      return send(res, 404, error(404, 'Not Found'));
    }

    if ((match = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname))) {
      const repo = repository(decodeURIComponent(match[1]!));
      const id = Number(match[2]);
      const index = repo.comments.findIndex((comment) => comment.id === id);
      if (write && identity.readOnly) return forbidden('https://docs.github.com/rest/issues/comments#update-an-issue-comment');
      if (index < 0) return send(res, 404, error(404, 'Not Found', 'https://docs.github.com/rest/issues/comments'));
      const comment = repo.comments[index]!;
      if (method === 'GET') return send(res, 200, comment);
      if (method === 'PATCH') {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string' || text === '') return send(res, 422, error(422, 'Invalid request.\n\n"body" wasn\'t supplied.'));
        if (text.length > COMMENT_BODY_LIMIT) return send(res, 422, tooLong('update-an-issue-comment'));
        comment.body = text;
        comment.updated_at = now();
        return send(res, 200, comment);
      }
      if (method === 'DELETE') {
        repo.comments.splice(index, 1);
        res.writeHead(204, { 'x-ratelimit-remaining': '4999' });
        return res.end();
      }
      return send(res, 404, error(404, 'Not Found'));
    }

    if ((match = /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/.exec(url.pathname)) && method === 'GET') {
      const pull = repository(decodeURIComponent(match[1]!)).pulls.get(Number(match[2]));
      if (!pull) return send(res, 404, error(404, 'Not Found', 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request'));
      return send(res, 200, pull);
    }

    if ((match = /^\/(?:repos\/([^/]+\/[^/]+)|repositories\/(\d+))\/pulls$/.exec(url.pathname)) && method === 'GET') {
      const repo = match[1] ? repository(decodeURIComponent(match[1])) : [...repositories.values()].find((r) => String(r.id) === match![2]);
      if (!repo) return send(res, 404, error(404, 'Not Found'));
      const state = url.searchParams.get('state') ?? 'open';
      if (!['open', 'closed', 'all'].includes(state)) {
        return send(
          res,
          422,
          error(422, 'Validation Failed', 'https://docs.github.com/rest/pulls/pulls#list-pull-requests', {
            errors: [{ value: state, resource: 'Issue', field: 'state', code: 'invalid' }],
          }),
        );
      }
      const direction = url.searchParams.get('direction') ?? 'desc';
      const all = [...repo.pulls.values()]
        .filter((pull) => state === 'all' || pull.state === state)
        .sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number));
      const paged = pageOf(all, url.searchParams);
      if ('invalid' in paged) return send(res, 422, error(422, paged.invalid));
      const link = linkHeader(`${apiUrl}/repositories/${repo.id}/pulls`, paged.page, paged.perPage, all.length, url.searchParams);
      return send(res, 200, paged.slice, link ? { link } : {});
    }

    return send(res, 404, error(404, 'Not Found'));
  };

  const tooLong = (doc: string) =>
    error(422, 'Validation Failed', `https://docs.github.com/rest/issues/comments#${doc}`, {
      errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)` }],
    });

  const server = createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    handle(req, res, record).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, error(500, `fake GitHub crashed: ${String(err)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl,
    requests,
    comments(issueNumber, fullName) {
      const repos = fullName ? [repository(fullName)] : [...repositories.values()];
      return repos.flatMap((repo) => repo.comments.filter((comment) => issueOf.get(comment.id) === issueNumber));
    },
    seedComment({ repository: fullName = DEFAULT_REPOSITORY, issueNumber, body, login = 'octo-dev', type, createdAt }) {
      return makeComment(repository(fullName), issueNumber, body, userFor(login, type), createdAt);
    },
    seedPullRequest({ repository: fullName = DEFAULT_REPOSITORY, number, state = 'open', merged = false, body = '', draft = false, headRepository, headSha }) {
      const repo = repository(fullName);
      const at = now();
      const sha = headSha ?? number.toString(16).padStart(40, 'a');
      repo.pulls.set(number, {
        url: `${apiUrl}/repos/${repo.fullName}/pulls/${number}`,
        id: 900_000 + number,
        node_id: Buffer.from(`011:PullRequest${number}`).toString('base64'),
        html_url: `https://github.com/${repo.fullName}/pull/${number}`,
        number,
        state: merged ? 'closed' : state,
        locked: false,
        title: `Pull request ${number}`,
        body,
        user: userFor('octo-dev'),
        created_at: at,
        updated_at: at,
        closed_at: merged || state === 'closed' ? at : null,
        merged_at: merged ? at : null,
        draft,
        merged,
        head: { label: `example-org:feature-${number}`, ref: `feature-${number}`, sha, repo: { full_name: headRepository ?? repo.fullName } },
        base: { label: 'example-org:main', ref: 'main', sha: 'b'.repeat(40), repo: { full_name: repo.fullName } },
      });
    },
    addToken,
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function matches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? path.includes(pattern) : pattern.test(path);
}
