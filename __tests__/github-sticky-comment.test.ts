// The sticky pull-request comment against the fake GitHub REST API, through the real
// Octokit that @actions/github builds (no mocked client).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { startFakeGitHub, type FakeGitHub, COMMENT_BODY_LIMIT, DEFAULT_REPOSITORY } from './fakes/github/server.js';
import { commentMarker, composeStickyBody, upsertStickyComment, type StickyCommentOptions } from '../src/github/sticky-comment.js';
import { classifyGitHubError, nextPageUrl, type GitHubClient } from '../src/github/client.js';
import { MemoryLog } from './support/memory-log.js';

const TOKEN = 'ghs_test_installation_token_0001'; // like GITHUB_TOKEN: an app installation token
const PAT = 'github_pat_test_0002';
const READ_ONLY = 'ghs_test_read_only_0003';
const OTHER_APP = 'ghs_test_other_app_0004';
const [owner, repo] = DEFAULT_REPOSITORY.split('/') as [string, string];

let github: FakeGitHub;
let nextIssue = 100;
const client = (token: string): GitHubClient => getOctokit(token, { baseUrl: github.apiUrl });

beforeAll(async () => {
  github = await startFakeGitHub({ token: TOKEN, login: 'github-actions[bot]' });
  github.addToken(PAT, { login: 'release-bot-user' });
  github.addToken(READ_ONLY, { login: 'github-actions[bot]', readOnly: true });
  github.addToken(OTHER_APP, { login: 'other-app[bot]' });
});
afterAll(() => github.close());

function upsert(issueNumber: number, body: string, extra: Partial<StickyCommentOptions> = {}, log = new MemoryLog()) {
  return upsertStickyComment({
    octokit: client(TOKEN),
    owner,
    repo,
    issueNumber,
    marker: commentMarker(`pr-${issueNumber}`),
    body,
    log,
    baseDelayMs: 20,
    ...extra,
  });
}

describe('upsertStickyComment', () => {
  test('creates once, leaves an unchanged body alone, edits in place', async () => {
    const issue = nextIssue++;
    const first = await upsert(issue, '## Preview\nmigrated 1');
    expect(first).toMatchObject({ action: 'created', truncated: false, removedDuplicates: 0 });
    const before = github.requests.length;
    const again = await upsert(issue, '## Preview\nmigrated 1');
    expect(again).toMatchObject({ action: 'unchanged' });
    expect(github.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);

    for (let push = 2; push <= 6; push++) expect(await upsert(issue, `## Preview\nmigrated ${push}`)).toMatchObject({ action: 'updated' });
    const comments = github.comments(issue);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toBe(`${commentMarker(`pr-${issue}`)}\n## Preview\nmigrated 6`);
    expect(first.action !== 'failed' && comments[0]!.id).toBe(first.action !== 'failed' && first.id);
    expect(comments[0]!.user.login).toBe('github-actions[bot]');
  });

  test("reads every page of comments and follows GitHub's Link headers", async () => {
    const issue = nextIssue++;
    const marker = commentMarker(`pr-${issue}`);
    for (let i = 0; i < 230; i++) github.seedComment({ issueNumber: issue, body: `discussion ${i}`, login: i % 2 ? 'octo-dev' : 'octo-reviewer' });
    const ours = github.seedComment({ issueNumber: issue, body: `${marker}\nold`, login: 'github-actions[bot]' });
    const before = github.requests.length;
    expect(await upsert(issue, 'new')).toMatchObject({ action: 'updated', id: ours.id });
    const lists = github.requests.slice(before).filter((r) => r.method === 'GET' && r.path.includes('/comments'));
    expect(lists.map((r) => r.path)).toEqual([
      `/repos/${owner}/${repo}/issues/${issue}/comments?per_page=100`,
      expect.stringMatching(new RegExp(`^/repositories/\\d+/issues/${issue}/comments\\?per_page=100&page=2$`)),
      expect.stringMatching(/page=3$/),
    ]);
    expect(github.comments(issue)).toHaveLength(231);
    expect(github.comments(issue).at(-1)!.body).toBe(`${marker}\nnew`);
  });

  test('never takes over a comment it did not write, nor one that only quotes the marker', async () => {
    const issue = nextIssue++;
    const marker = commentMarker(`pr-${issue}`);
    const human = github.seedComment({ issueNumber: issue, body: `${marker}\nI copied the marker`, login: 'octo-dev' });
    const quote = github.seedComment({ issueNumber: issue, body: `> ${marker}\n> quoted`, login: 'github-actions[bot]' });
    const result = await upsert(issue, 'ours');
    expect(result).toMatchObject({ action: 'created' });
    const comments = github.comments(issue);
    expect(comments.find((c) => c.id === human.id)!.body).toBe(`${marker}\nI copied the marker`);
    expect(comments.find((c) => c.id === quote.id)!.body).toBe(`> ${marker}\n> quoted`);
    expect(comments).toHaveLength(3);
  });

  test("with a user token, only comments by the token's own login count (GET /user)", async () => {
    const issue = nextIssue++;
    const marker = commentMarker(`pr-${issue}`);
    const bots = github.seedComment({ issueNumber: issue, body: `${marker}\nby the workflow bot`, login: 'github-actions[bot]' });
    const result = await upsert(issue, 'by the PAT user', { octokit: client(PAT) });
    expect(result).toMatchObject({ action: 'created' });
    expect(github.comments(issue).find((c) => c.id === bots.id)!.body).toContain('by the workflow bot');
    expect(await upsert(issue, 'second push', { octokit: client(PAT) })).toMatchObject({ action: 'updated' });
    expect(github.comments(issue).filter((c) => c.user.login === 'release-bot-user')).toHaveLength(1);
  });

  test('keeps the oldest of duplicates and deletes the rest', async () => {
    const issue = nextIssue++;
    const marker = commentMarker(`pr-${issue}`);
    const oldest = github.seedComment({ issueNumber: issue, body: `${marker}\na`, login: 'github-actions[bot]' });
    github.seedComment({ issueNumber: issue, body: `${marker}\nb`, login: 'github-actions[bot]' });
    github.seedComment({ issueNumber: issue, body: `${marker}\nc`, login: 'github-actions[bot]' });
    expect(await upsert(issue, 'd')).toMatchObject({ action: 'updated', id: oldest.id, removedDuplicates: 2 });
    expect(github.comments(issue).map((c) => c.body)).toEqual([`${marker}\nd`]);
  });

  test('two runs at once end with exactly one comment (create race)', async () => {
    github.setLatency(15);
    const before = github.requests.length;
    try {
      for (let round = 0; round < 4; round++) {
        const issue = nextIssue++;
        const [a, b] = await Promise.all([upsert(issue, `run A ${round}`), upsert(issue, `run B ${round}`)]);
        expect(a.action).not.toBe('failed');
        expect(b.action).not.toBe('failed');
        const comments = github.comments(issue);
        expect(comments).toHaveLength(1);
        expect([`run A ${round}`, `run B ${round}`].map((text) => `${commentMarker(`pr-${issue}`)}\n${text}`)).toContain(comments[0]!.body);
        // Both runs report the comment that survived.
        expect(a.action !== 'failed' && a.id).toBe(comments[0]!.id);
        expect(b.action !== 'failed' && b.id).toBe(comments[0]!.id);
      }
      // The race really happened: both created, and one deleted its own duplicate.
      expect(github.requests.slice(before).filter((r) => r.method === 'DELETE' && r.status === 204).length).toBeGreaterThan(0);
      // Three at once, with an existing comment being edited by all of them.
      const issue = nextIssue++;
      await upsert(issue, 'first');
      const results = await Promise.all([upsert(issue, 'x'), upsert(issue, 'y'), upsert(issue, 'z')]);
      expect(results.every((r) => r.action === 'updated')).toBe(true);
      expect(github.comments(issue)).toHaveLength(1);
    } finally {
      github.setLatency(0);
    }
  });

  test('shortens a body over 65,536 characters with a visible note instead of failing', async () => {
    const issue = nextIssue++;
    const body = `## Report\n\n\`\`\`sql\n${'SELECT 1;\n'.repeat(8000)}\`\`\`\n`;
    const log = new MemoryLog();
    const result = await upsert(issue, body, {}, log);
    expect(result).toMatchObject({ action: 'created', truncated: true });
    const [comment] = github.comments(issue);
    expect(comment!.body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(comment!.body.startsWith(commentMarker(`pr-${issue}`))).toBe(true);
    expect(comment!.body).toMatch(/shortened to fit GitHub's limit of 65,536 characters \(it had 80,/);
    // The cut closed the open code fence, so the note renders as text.
    expect((comment!.body.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect(log.text('warning')).toMatch(/shortened/);
    // Re-running with the same long body changes nothing.
    expect(await upsert(issue, body)).toMatchObject({ action: 'unchanged' });
  });

  test('a read-only or bad token is a warning result, never an exception', async () => {
    const issue = nextIssue++;
    const log = new MemoryLog();
    const readOnly = await upsert(issue, 'x', { octokit: client(READ_ONLY) }, log);
    expect(readOnly).toMatchObject({ action: 'failed', status: 403 });
    expect(readOnly.action === 'failed' && readOnly.warning).toMatch(/pull-requests: write/);
    expect(log.text('warning')).toMatch(/Resource not accessible by integration/);

    const bad = await upsert(issue, 'x', { octokit: client('ghs_not_a_real_token') });
    expect(bad).toMatchObject({ action: 'failed', status: 401 });
    expect(bad.action === 'failed' && bad.warning).toMatch(/Bad credentials.*github-token/);
    expect(github.comments(issue)).toHaveLength(0);
  });

  test('retries secondary rate limits, 429 and 5xx, and waits out an exhausted primary limit', async () => {
    const issue = nextIssue++;
    github.inject({ method: 'GET', path: `/issues/${issue}/comments`, kind: 'secondary', retryAfter: 1 });
    github.inject({ method: 'POST', path: `/issues/${issue}/comments`, status: 502, times: 2 });
    github.inject({ method: 'GET', path: `/issues/${issue}/comments`, status: 429, retryAfter: 0 });
    const log = new MemoryLog();
    const started = Date.now();
    expect(await upsert(issue, 'after faults', {}, log)).toMatchObject({ action: 'created' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // honoured retry-after: 1
    expect(log.text('info')).toMatch(/secondary rate limit/);
    expect(log.text('info')).toMatch(/HTTP 502/);
    expect(github.comments(issue)).toHaveLength(1);

    github.inject({ method: 'PATCH', kind: 'primary', retryAfter: 1 });
    expect(await upsert(issue, 'after the reset')).toMatchObject({ action: 'updated' });
  });

  test('gives up at the deadline with a warning when GitHub stays down', async () => {
    const issue = nextIssue++;
    github.inject({ path: `/issues/${issue}/comments`, status: 503, times: 1000 });
    const result = await upsert(issue, 'x', { timeoutMs: 300 });
    expect(result).toMatchObject({ action: 'failed' });
    expect(result.action === 'failed' && result.warning).toMatch(/gave up after \d+ attempt/);
    github.clearFaults();
  });

  test('rejects a marker that is not one hidden HTML comment (a programming error)', async () => {
    await expect(upsert(nextIssue++, 'x', { marker: 'preview-db' })).rejects.toThrow(/hidden HTML comment/);
    expect(() => commentMarker('bad key!')).toThrow(/may only hold/);
  });
});

describe('the fake GitHub API itself', () => {
  test('refuses a comment body over 65,536 characters with 422, as GitHub does', async () => {
    const octokit = getOctokit(TOKEN, { baseUrl: github.apiUrl });
    const error = await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'x'.repeat(COMMENT_BODY_LIMIT + 1) }).then(
      () => undefined,
      (e: unknown) => e as { status: number; response: { data: { errors: Array<{ message: string }> } } },
    );
    expect(error?.status).toBe(422);
    expect(error?.response.data.errors[0]!.message).toBe('body is too long (maximum is 65536 characters)');
    await expect(octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'x'.repeat(COMMENT_BODY_LIMIT) })).resolves.toMatchObject({
      status: 201,
    });
  });

  test('GET /user: a login for user tokens, 403 for installation tokens', async () => {
    await expect(getOctokit(PAT, { baseUrl: github.apiUrl }).rest.users.getAuthenticated()).resolves.toMatchObject({
      data: { login: 'release-bot-user', type: 'User' },
    });
    await expect(getOctokit(OTHER_APP, { baseUrl: github.apiUrl }).rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
  });

  test("Octokit's own paginate reads the Link headers to the end", async () => {
    const issue = nextIssue++;
    for (let i = 0; i < 75; i++) github.seedComment({ issueNumber: issue, body: `c${i}` });
    const octokit = getOctokit(TOKEN, { baseUrl: github.apiUrl });
    const all = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 20 });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 75 }, (_, i) => `c${i}`));
  });
});

describe('client helpers', () => {
  test('nextPageUrl finds rel="next" among GitHub\'s links', () => {
    expect(
      nextPageUrl(
        '<https://api.github.com/repositories/1/issues/2/comments?page=1>; rel="prev", <https://api.github.com/repositories/1/issues/2/comments?page=3>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last"',
      ),
    ).toBe('https://api.github.com/repositories/1/issues/2/comments?page=3');
    expect(nextPageUrl('<https://x/?page=1>; rel="first", <https://x/?page=4>; rel="prev"')).toBeUndefined();
    expect(nextPageUrl(undefined)).toBeUndefined();
  });

  test.each([
    [{ status: 403, response: { headers: { 'retry-after': '3' }, data: { message: 'x' } } }, true, 3000],
    [{ status: 403, response: { headers: {}, data: { message: 'You have exceeded a secondary rate limit.' } } }, true, 60_000],
    [{ status: 403, response: { headers: {}, data: { message: 'Resource not accessible by integration' } } }, false, undefined],
    [{ status: 429, response: { headers: {} } }, true, 60_000],
    [{ status: 500, response: { headers: {} } }, true, undefined],
    [{ status: 401, response: { headers: {} } }, false, undefined],
    [{ status: 422, response: { headers: {} } }, false, undefined],
    [new Error('no status'), false, undefined],
  ])('classifies %j', (error, retry, retryAfterMs) => {
    const verdict = classifyGitHubError(error, 0);
    expect(verdict.retry).toBe(retry);
    if (verdict.retry) expect(verdict.retryAfterMs).toBe(retryAfterMs);
  });

  test('an exhausted primary limit waits until x-ratelimit-reset', () => {
    const verdict = classifyGitHubError({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' } } }, 90_000);
    expect(verdict).toMatchObject({ retry: true, retryAfterMs: 11_000 });
  });

  test('composeStickyBody puts the marker first and leaves a short body alone', () => {
    expect(composeStickyBody('<!-- preview-db:k -->', 'a\r\nb')).toEqual({ text: '<!-- preview-db:k -->\na\nb', truncated: false });
  });
});
