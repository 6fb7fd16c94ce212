// Pull-request lookups for the cleanup sweep, against the fake GitHub REST API through the
// real Octokit from @actions/github.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { startFakeGitHub, type FakeGitHub, DEFAULT_REPOSITORY } from './fakes/github/server.js';
import { closedPullRequestNumbers, getPullRequest, isPullRequestOpen, pullRequestState, pullRequestStates } from '../src/github/pull-requests.js';
import { MemoryLog } from './support/memory-log.js';

const TOKEN = 'ghs_test_installation_token_0101';
const [owner, repo] = DEFAULT_REPOSITORY.split('/') as [string, string];
let github: FakeGitHub;
const lookup = (token = TOKEN) => ({ octokit: getOctokit(token, { baseUrl: github.apiUrl }), owner, repo, baseDelayMs: 10, log: new MemoryLog() });

beforeAll(async () => {
  github = await startFakeGitHub({ token: TOKEN, login: 'github-actions[bot]' });
  github.seedPullRequest({ number: 1, state: 'open', body: 'squawk-ignore: ban-drop-column' });
  github.seedPullRequest({ number: 2, state: 'closed' });
  github.seedPullRequest({ number: 3, merged: true });
  github.seedPullRequest({ number: 4, state: 'open', draft: true, headRepository: 'someone/example-repo' });
  for (let n = 10; n < 70; n++) github.seedPullRequest({ number: n, state: n % 3 === 0 ? 'open' : 'closed' });
});
afterAll(() => github.close());

test('reads one pull request', async () => {
  await expect(getPullRequest({ ...lookup(), number: 1 })).resolves.toMatchObject({
    number: 1,
    state: 'open',
    merged: false,
    body: 'squawk-ignore: ban-drop-column',
    headRepository: DEFAULT_REPOSITORY,
  });
  await expect(getPullRequest({ ...lookup(), number: 4 })).resolves.toMatchObject({ draft: true, headRepository: 'someone/example-repo' });
  await expect(getPullRequest({ ...lookup(), number: 9999 })).resolves.toBeUndefined();
});

test('open, closed, merged and missing are told apart; missing is never closed', async () => {
  expect(await pullRequestState({ ...lookup(), number: 1 })).toBe('open');
  expect(await pullRequestState({ ...lookup(), number: 2 })).toBe('closed');
  expect(await pullRequestState({ ...lookup(), number: 3 })).toBe('merged');
  expect(await pullRequestState({ ...lookup(), number: 5 })).toBe('missing');
  expect(await isPullRequestOpen({ ...lookup(), number: 1 })).toBe(true);
  expect(await isPullRequestOpen({ ...lookup(), number: 3 })).toBe(false);
  const closed = await closedPullRequestNumbers({ ...lookup(), numbers: [1, 2, 3, 5, 2] });
  expect([...closed].sort()).toEqual([2, 3]);
});

test('looks many up a few at a time, retrying transient failures', async () => {
  github.inject({ path: '/pulls/11', status: 502 });
  github.inject({ path: '/pulls/12', kind: 'secondary', retryAfter: 0 });
  const numbers = Array.from({ length: 60 }, (_, i) => 10 + i);
  const states = await pullRequestStates({ ...lookup(), numbers, concurrency: 4 });
  expect(states.size).toBe(60);
  for (const n of numbers) expect(states.get(n)).toBe(n % 3 === 0 ? 'open' : 'closed');
  const closed = await closedPullRequestNumbers({ ...lookup(), numbers });
  expect(closed.size).toBe(numbers.filter((n) => n % 3 !== 0).length);
});

test('a bad token rejects (the sweep must not guess)', async () => {
  await expect(pullRequestStates({ ...lookup('ghs_wrong'), numbers: [1] })).rejects.toMatchObject({ status: 401 });
  await expect(pullRequestStates({ ...lookup(), numbers: [0] })).rejects.toThrow(/not a pull request number/);
});

test('the fake lists pull requests by state with Link pagination', async () => {
  const octokit = getOctokit(TOKEN, { baseUrl: github.apiUrl });
  const closed = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'closed', per_page: 7 });
  expect(closed.map((p) => p.number).sort((a, b) => a - b)).toEqual([2, 3, ...Array.from({ length: 60 }, (_, i) => 10 + i).filter((n) => n % 3 !== 0)]);
  expect(closed.every((p) => p.state === 'closed')).toBe(true);
});
