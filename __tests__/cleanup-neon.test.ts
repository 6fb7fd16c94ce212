// Cleanup with the Neon provider against the fake Neon API (real HTTP, the real
// @neondatabase/api-client) and, for closed-prs, the fake GitHub API through real Octokit.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { createApiClient } from '@neondatabase/api-client';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { startFakeGitHub, type FakeGitHub, DEFAULT_REPOSITORY } from './fakes/github/server.js';
import { runCleanup, type CleanupSettings, type ClosedPullRequestLookup } from '../src/cleanup/index.js';
import { NeonPreviewStore, type NeonSweepSettings } from '../src/providers/neon/sweep.js';
import { closedPullRequestNumbers } from '../src/github/pull-requests.js';
import { MemoryLog } from './support/memory-log.js';
import { classifyNeonError, NEON_LOCKED_MAX_DELAY_MS } from '../src/providers/neon/client.js';

const postgresUrl = process.env.TEST_DATABASE_URL!;
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

function settings(overrides: Partial<CleanupSettings>): CleanupSettings {
  return { mode: 'stale', prefixes: ['preview/'], olderThanSeconds: 7 * 86400, closedPrs: false, dryRun: false, maxDeletions: 50, ...overrides };
}

function store(fake: FakeNeon, log: MemoryLog, extra: Partial<NeonSweepSettings> = {}): NeonPreviewStore {
  return new NeonPreviewStore({ apiKey: fake.apiKey, projectId: fake.projectId, apiHost: fake.apiHost, callTimeoutSeconds: 30, ...extra }, log);
}

const names = (fake: FakeNeon) =>
  fake
    .branches()
    .map((branch) => branch.name)
    .sort();

describe('PR mode', () => {
  let fake: FakeNeon;
  beforeAll(async () => {
    fake = await startFakeNeon({ postgresUrl, operationDelayMs: 200 });
  });
  afterAll(() => fake.close());

  test('deletes the closed pull request’s branch with its compute, waits for Neon, and a re-run is a no-op', async () => {
    await fake.seedBranch({ name: 'preview/pr-1', withEndpoint: true });
    await fake.seedBranch({ name: 'preview/pr-10', virtual: true });
    const log = new MemoryLog();
    const report = await runCleanup(settings({ mode: 'pr', branchName: 'preview/pr-1' }), store(fake, log, { waitForDeletion: true }), log);
    expect(report).toMatchObject({ candidates: ['preview/pr-1'], deleted: ['preview/pr-1'], alreadyGone: [], skipped: [], failed: [] });
    expect(names(fake)).toEqual(['main', 'preview/pr-10']);
    // It waited for the deletion's operations to finish.
    expect(fake.requests.some((request) => request.method === 'GET' && /\/operations\//.test(request.path))).toBe(true);

    const again = new MemoryLog();
    const rerun = await runCleanup(settings({ mode: 'pr', branchName: 'preview/pr-1' }), store(fake, again), again);
    expect(rerun).toMatchObject({ candidates: [], deleted: [], alreadyGone: ['preview/pr-1'], failed: [] });
    expect(again.text('notice')).toMatch(/Preview 'preview\/pr-1' does not exist/);
    expect(names(fake)).toEqual(['main', 'preview/pr-10']);
    expect(fake.violations).toEqual([]);
  });

  test('keeps a protected branch and a branch with children, and says why', async () => {
    await fake.seedBranch({ name: 'preview/pr-2', protected: true, virtual: true });
    const parent = await fake.seedBranch({ name: 'preview/pr-3', virtual: true });
    await fake.seedBranch({ name: 'preview/pr-3-debug', parentId: parent.id, virtual: true });
    const deletesBefore = fake.requests.filter((request) => request.method === 'DELETE').length;
    for (const [branch, reason] of [
      ['preview/pr-2', 'a protected branch'],
      ['preview/pr-3', 'has child branches (preview/pr-3-debug); delete them first'],
    ] as const) {
      const log = new MemoryLog();
      const report = await runCleanup(settings({ mode: 'pr', branchName: branch }), store(fake, log), log);
      expect(report).toMatchObject({ candidates: [], deleted: [], skipped: [{ name: branch, reason }], failed: [] });
      expect(log.text('warning')).toContain(`Not deleting '${branch}': ${reason}.`);
    }
    expect(names(fake)).toEqual(expect.arrayContaining(['preview/pr-2', 'preview/pr-3', 'preview/pr-3-debug']));
    expect(fake.requests.filter((request) => request.method === 'DELETE').length - deletesBefore).toBe(0);
  });

  test('a branch deleted by someone else between listing and deleting counts as already gone', async () => {
    await fake.seedBranch({ name: 'preview/pr-6', virtual: true });
    const log = new MemoryLog();
    const sweep = store(fake, log);
    const listed = (await sweep.list({ mode: 'pr', branchName: 'preview/pr-6', olderThanSeconds: 1, now: new Date() })).find(
      (resource) => resource.name === 'preview/pr-6',
    )!;
    const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
    await api.deleteProjectBranch({ projectId: fake.projectId, branchId: listed.id });
    await expect(sweep.remove(listed)).resolves.toEqual({ alreadyGone: true });
    expect(fake.requests.filter((request) => request.method === 'DELETE').at(-1)!.status).toBe(404);
  });

  test('a branch locked by a running operation (423) is deleted soon after the lock clears: retries stay short instead of backing off for seconds', async () => {
    const seeded = await fake.seedBranch({ name: 'preview/pr-7', virtual: true });
    const lockMs = 4_000;
    fake.lockProject(lockMs);
    const clearsAt = Date.now() + lockMs;
    const log = new MemoryLog();
    const report = await runCleanup(settings({ mode: 'pr', branchName: 'preview/pr-7' }), store(fake, log), log);
    expect(report.deleted).toEqual(['preview/pr-7']);
    const attempts = fake.requests.filter((request) => request.method === 'DELETE' && request.path.endsWith(`/branches/${seeded.id}`));
    expect(attempts.slice(0, -1).map((attempt) => attempt.status)).toEqual(attempts.slice(0, -1).map(() => 423));
    expect(attempts.at(-1)!.status).toBe(200);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    // Retries are capped at 0.75 s for 423 (it was 6-8 s): generous margins for a loaded machine.
    const gaps = attempts.slice(1).map((attempt, index) => attempt.at - attempts[index]!.at);
    expect(Math.max(...gaps)).toBeLessThan(2_500);
    expect(attempts.at(-1)!.at - clearsAt).toBeLessThan(2_500);

    // The verdict for Neon's real 423 carries that cap.
    fake.lockProject(1_000);
    const api = createApiClient({ apiKey: fake.apiKey, baseURL: fake.apiHost });
    const refused = await api.deleteProjectBranch({ projectId: fake.projectId, branchId: fake.defaultBranch.id }).catch((error: unknown) => error);
    expect(classifyNeonError(refused)).toEqual(expect.objectContaining({ retry: true, maxDelayMs: NEON_LOCKED_MAX_DELAY_MS }));
    expect(NEON_LOCKED_MAX_DELAY_MS).toBeLessThanOrEqual(800);
  });

  test('never deletes the default branch, even one named like a preview', async () => {
    await fake.seedBranch({ name: 'preview/pr-5', default: true, virtual: true });
    const log = new MemoryLog();
    const report = await runCleanup(settings({ mode: 'pr', branchName: 'preview/pr-5' }), store(fake, log), log);
    expect(report.skipped).toEqual([{ name: 'preview/pr-5', reason: "the project's default branch" }]);
    expect(names(fake)).toContain('preview/pr-5');
  });
});

describe('stale mode', () => {
  let fake: FakeNeon;
  let github: FakeGitHub;
  const token = 'ghs_test_cleanup_token_0202';
  beforeAll(async () => {
    fake = await startFakeNeon({ postgresUrl });
    github = await startFakeGitHub({ token, login: 'github-actions[bot]' });
  });
  afterAll(async () => {
    await fake.close();
    await github.close();
  });

  test('sweeps idle previews only: recent compute activity, protection, children and other names keep a branch', async () => {
    const old = { createdAt: ago(30), updatedAt: ago(20), virtual: true };
    await fake.seedBranch({ name: 'preview/idle-1', ...old });
    await fake.seedBranch({ name: 'preview/idle-2', ...old, withEndpoint: true, lastActiveAt: ago(10) });
    await fake.seedBranch({ name: 'preview/compute-busy', ...old, withEndpoint: true, lastActiveAt: ago(0.1) });
    await fake.seedBranch({ name: 'preview/updated', createdAt: ago(30), updatedAt: ago(2), virtual: true });
    await fake.seedBranch({ name: 'preview/locked', ...old, protected: true });
    const parent = await fake.seedBranch({ name: 'preview/parent', ...old });
    await fake.seedBranch({ name: 'preview/child', ...old, parentId: parent.id });
    await fake.seedBranch({ name: 'staging', ...old });
    await fake.seedBranch({ name: 'previews/typo', ...old });

    const dryLog = new MemoryLog();
    const dry = await runCleanup(settings({ dryRun: true }), store(fake, dryLog), dryLog);
    expect(dry.candidates.sort()).toEqual(['preview/child', 'preview/idle-1', 'preview/idle-2']);
    expect(dry.deleted).toEqual([]);
    expect(fake.requests.filter((request) => request.method === 'DELETE')).toHaveLength(0);

    const capLog = new MemoryLog();
    const capped = await runCleanup(settings({ maxDeletions: 2 }), store(fake, capLog), capLog);
    expect(capped.failure).toMatch(/^3 previews were selected for deletion, more than max-deletions \(2\); nothing was deleted/);
    expect(fake.requests.filter((request) => request.method === 'DELETE')).toHaveLength(0);

    const log = new MemoryLog();
    const report = await runCleanup(settings({}), store(fake, log), log);
    expect(report.deleted.sort()).toEqual(['preview/child', 'preview/idle-1', 'preview/idle-2']);
    expect(report.failure).toBeUndefined();
    const kept = Object.fromEntries(report.skipped.map((entry) => [entry.name, entry.reason]));
    expect(kept).toEqual({
      'preview/compute-busy': expect.stringMatching(/^active 2h\d*m? ago \(compute ep-[a-z0-9-]+ active\), within older-than 7d$/),
      'preview/updated': expect.stringMatching(/^active 2d ago \(branch updated\)/),
      'preview/locked': 'a protected branch',
      'preview/parent': 'has child branches (preview/child); delete them first',
    });
    expect(report.notPreviews).toBe(3);
    expect(names(fake)).toEqual(['main', 'preview/compute-busy', 'preview/locked', 'preview/parent', 'preview/updated', 'previews/typo', 'staging']);
    expect(fake.violations).toEqual([]);
  });

  test('closed-prs deletes fresh previews of closed pull requests, never another repository’s', async () => {
    github.seedPullRequest({ number: 101, state: 'closed' });
    github.seedPullRequest({ number: 102, state: 'open' });
    github.seedPullRequest({ number: 103, merged: true });
    const fresh = { virtual: true };
    await fake.seedBranch({ name: 'preview/pr-101', ...fresh });
    await fake.seedBranch({ name: 'preview/pr-102', ...fresh });
    await fake.seedBranch({ name: 'preview/feature-x', ...fresh, annotations: { 'github-repo': DEFAULT_REPOSITORY, 'github-pr-number': '103' } });
    await fake.seedBranch({ name: 'preview/pr-104', ...fresh });
    await fake.seedBranch({ name: 'preview/pr-101-other', ...fresh, annotations: { 'github-repo': 'example-org/other-app', 'github-pr-number': '101' } });
    const [owner, repo] = DEFAULT_REPOSITORY.split('/') as [string, string];
    const octokit = getOctokit(token, { baseUrl: github.apiUrl });
    const log = new MemoryLog();
    const lookup: ClosedPullRequestLookup = (numbers) => closedPullRequestNumbers({ octokit, owner, repo, numbers, log, baseDelayMs: 10 });
    const report = await runCleanup(
      settings({ closedPrs: true, prefixes: ['preview/pr-', 'preview/feature-'] }),
      store(fake, log, { repository: DEFAULT_REPOSITORY }),
      log,
      { closedPullRequests: lookup },
    );
    expect(report.deleted.sort()).toEqual(['preview/feature-x', 'preview/pr-101']);
    expect(report.skipped.map((entry) => entry.name).sort()).toEqual(['preview/pr-101-other', 'preview/pr-102', 'preview/pr-104']);
    // Only previews kept for their activity were looked up, each once.
    const looked = github.requests
      .filter((request) => request.path.includes('/pulls/'))
      .map((request) => request.path.replace(/.*\/pulls\//, ''))
      .sort();
    expect(looked).toEqual(['101', '102', '103', '104']);
  });
});

describe('a sweep of several hundred branches', () => {
  let fake: FakeNeon;
  const limit = { perRoutePerSecond: 100, perMinute: 3000 };
  beforeAll(async () => {
    fake = await startFakeNeon({ postgresUrl, latencyMs: 5, rateLimit: limit });
  });
  afterAll(() => fake.close());

  test('paginates, paces itself under the rate limit, rides out injected 429s, 423s and 500s, and reports the one failure at the end', async () => {
    const seeded = [];
    for (let i = 0; i < 320; i++) seeded.push(await fake.seedBranch({ name: `preview/pr-${1000 + i}`, createdAt: ago(40), updatedAt: ago(30), virtual: true }));
    await fake.seedBranch({ name: 'production', createdAt: ago(40), updatedAt: ago(30), virtual: true, protected: true });
    const doomed = seeded[17]!;
    fake.inject({ method: 'DELETE', path: `/branches/${doomed.id}`, status: 403, times: 5 });
    fake.inject({ method: 'GET', path: /\/branches\?.*cursor=/, status: 500, times: 2 });
    fake.inject({ method: 'DELETE', status: 429, retryAfter: '1', times: 4 });
    fake.inject({ method: 'DELETE', status: 500, times: 6 });
    fake.inject({ method: 'DELETE', status: 423, times: 3 });

    const log = new MemoryLog();
    const sweep = store(fake, log, { pageSize: 50, concurrency: 8, rateLimit: { perSecond: limit.perRoutePerSecond, perMinute: limit.perMinute } });
    const started = Date.now();
    const report = await runCleanup(settings({ maxDeletions: 400 }), sweep, log);
    const elapsed = Date.now() - started;

    expect(report.candidates).toHaveLength(320);
    expect(report.deleted).toHaveLength(319);
    expect(report.alreadyGone).toEqual([]);
    expect(report.failed).toEqual([{ name: doomed.name, error: expect.stringMatching(/may not delete branch 'preview\/pr-1017'.*HTTP 403/) }]);
    expect(report.failure).toMatch(/^1 of 320 deletion\(s\) failed \(preview\/pr-1017\); the others went ahead/);
    expect(names(fake)).toEqual(['main', doomed.name, 'production']);
    // Seven pages were read; the pacer kept the fake's own limiter from refusing (nearly)
    // anything beyond the four injected 429s, which paused every worker.
    expect(fake.requests.filter((request) => request.method === 'GET' && request.path.includes('/branches') && request.status === 200)).toHaveLength(7);
    const refused = fake.requests.filter((request) => request.status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(4);
    expect(refused).toBeLessThanOrEqual(6); // a loaded machine may bunch a few sends; never a storm
    expect(sweep.pacer.pauseCount).toBeGreaterThanOrEqual(1);
    expect(log.text()).toMatch(/retry 1 in \d+ms/);
    expect(fake.violations).toEqual([]);
    // 330-odd requests at ~47/s after a burst, plus the 1 s pause(s): about 8 s.
    expect(elapsed).toBeLessThan(30_000);
  });
});
