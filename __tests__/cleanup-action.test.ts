// actions/cleanup run as the GitHub runner runs the committed bundle (machine node and
// Node 24), against the fake Neon API, the fake GitHub API and the real test Postgres.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { startFakeGitHub, type FakeGitHub } from './fakes/github/server.js';
import { runAction, pullRequestEvent, leakedSecrets, inputErrorAnnotation, NODES, type ActionRun, type RunOptions } from './support/run-action.js';
import { contractDifferences } from './support/contract.js';
import { formatMarker } from '../src/providers/postgres/marker.js';
import { secretsOfUrl } from '../src/shared/secrets.js';
import { databaseNameForBranch, quoteIdent, quoteLiteral } from '../src/shared/naming.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const REPOSITORY = 'example-org/example-app';
const TOKEN = 'ghs_test_cleanup_action_token_0303';
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const runs: ActionRun[] = [];
let fake: FakeNeon;
let github: FakeGitHub;

async function cleanup(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const run = await runAction('cleanup', {
    ...options,
    inputs: { 'neon-api-key': fake.apiKey, 'neon-project-id': fake.projectId, 'api-host': fake.apiHost, ...inputs },
  });
  runs.push(run);
  return run;
}

const json = (text: string | undefined) => JSON.parse(text ?? 'null');
const names = () =>
  fake
    .branches()
    .map((branch) => branch.name)
    .sort();

async function sql(text: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  fake = await startFakeNeon({ postgresUrl: adminUrl });
  github = await startFakeGitHub({ token: TOKEN, login: 'github-actions[bot]' });
});
afterAll(async () => {
  await fake.close();
  await github.close();
});

describe.each(NODES)('cleanup under %s', (label, node) => {
  const n = label === 'node 24' ? 200 : 100;

  test('a closed pull request’s preview is deleted; the re-run finds it gone and succeeds', async () => {
    await fake.seedBranch({ name: `preview/pr-${n}`, withEndpoint: true, virtual: true });
    const first = await cleanup({}, { event: pullRequestEvent(n, { action: 'closed' }), node });
    expect(first.status).toBe(0);
    expect(first.outputs).toEqual({
      candidates: JSON.stringify([`preview/pr-${n}`]),
      deleted: JSON.stringify([`preview/pr-${n}`]),
      'deleted-count': '1',
      skipped: '[]',
      failed: '[]',
    });
    expect(names()).not.toContain(`preview/pr-${n}`);
    expect(first.summary).toContain(`| \`preview/pr-${n}\` | deleted | its pull request closed |`);
    expect(leakedSecrets(first, [fake.apiKey])).toEqual([]);

    const again = await cleanup({}, { event: pullRequestEvent(n, { action: 'closed' }), node });
    expect(again.status).toBe(0);
    expect(again.outputs).toMatchObject({ candidates: '[]', deleted: '[]', 'deleted-count': '0', failed: '[]' });
    expect(again.stdout).toMatch(new RegExp(`::notice title=Preview already gone::Preview 'preview/pr-${n}' does not exist`));
  });

  test('a stale sweep with closed-prs asks GitHub and deletes idle or closed previews only', async () => {
    const prefix = `sweep${n}/`;
    github.seedPullRequest({ repository: REPOSITORY, number: n + 1, state: 'closed' });
    github.seedPullRequest({ repository: REPOSITORY, number: n + 2, state: 'open' });
    await fake.seedBranch({ name: `${prefix}pr-${n + 1}`, virtual: true });
    await fake.seedBranch({ name: `${prefix}pr-${n + 2}`, virtual: true });
    await fake.seedBranch({ name: `${prefix}old`, createdAt: ago(20), updatedAt: ago(20), virtual: true });
    await fake.seedBranch({ name: `${prefix}kept`, createdAt: ago(20), updatedAt: ago(20), virtual: true, protected: true });
    const run = await cleanup(
      { mode: 'stale', prefixes: `${prefix}\nunused-prefix/`, 'older-than': '10d', 'closed-prs': 'true', 'github-token': TOKEN },
      { env: { GITHUB_API_URL: github.apiUrl }, node },
    );
    expect(run.status).toBe(0);
    expect(json(run.outputs.deleted).sort()).toEqual([`${prefix}old`, `${prefix}pr-${n + 1}`]);
    expect(json(run.outputs.skipped)).toEqual(
      expect.arrayContaining([
        { name: `${prefix}kept`, reason: 'a protected branch' },
        { name: `${prefix}pr-${n + 2}`, reason: expect.stringMatching(/^active .* within older-than 10d$/) },
      ]),
    );
    expect(run.outputs['deleted-count']).toBe('2');
    expect(leakedSecrets(run, [TOKEN, fake.apiKey])).toEqual([]);
  });
});

test('postgres: dry run lists, the sweep drops idle marked databases only, and says it terminated connections', async () => {
  const prefix = `cuact${Date.now().toString(36).slice(-4)}/`;
  const make = async (branch: string, ageDays: number, mark = true) => {
    const name = databaseNameForBranch(branch);
    await sql(`CREATE DATABASE ${quoteIdent(name)}`);
    if (mark) await sql(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(formatMarker({ branch, createdAt: ago(ageDays).toISOString() }))}`);
    return name;
  };
  const idle = await make(`${prefix}pr-1`, 12);
  const fresh = await make(`${prefix}pr-2`, 1);
  const unmarked = await make(`${prefix}pr-3`, 12, false);
  const url = new URL(adminUrl);
  url.pathname = `/${idle}`;
  const session = new pg.Client({ connectionString: url.toString() });
  session.on('error', () => {});
  await session.connect();
  try {
    const inputs = { provider: 'postgres', 'postgres-url': adminUrl, mode: 'stale', prefixes: prefix, 'older-than': '7d' };
    const dry = await runAction('cleanup', { inputs: { ...inputs, 'dry-run': 'true' } });
    runs.push(dry);
    expect(dry.status).toBe(0);
    // An open connection is activity: the connected preview is kept.
    expect(json(dry.outputs.candidates)).toEqual([]);
    await session.end();

    const run = await runAction('cleanup', { inputs });
    runs.push(run);
    expect(run.status).toBe(0);
    expect(json(run.outputs.deleted)).toEqual([`${prefix}pr-1`]);
    expect(json(run.outputs.skipped)).toEqual([{ name: `${prefix}pr-2`, reason: 'active 1d ago (created), within older-than 7d' }]);
    const left = (await sql(`SELECT datname FROM pg_database WHERE datname LIKE '${databaseNameForBranch(prefix)}%' ORDER BY datname`)).map(
      (row) => row.datname,
    );
    expect(left).toEqual([fresh, unmarked]);
    expect(leakedSecrets(run, secretsOfUrl(adminUrl))).toEqual([]);
  } finally {
    await session.end().catch(() => {});
    for (const name of [idle, fresh, unmarked]) await sql(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  }
});

test('postgres PR mode: open connections are terminated and the log says so', async () => {
  const branch = `cuact${Date.now().toString(36).slice(-4)}/pr-9`;
  const name = databaseNameForBranch(branch);
  await sql(`CREATE DATABASE ${quoteIdent(name)}`);
  await sql(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(formatMarker({ branch, createdAt: new Date().toISOString() }))}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const session = new pg.Client({ connectionString: url.toString() });
  session.on('error', () => {});
  await session.connect();
  try {
    const run = await runAction('cleanup', {
      inputs: { provider: 'postgres', 'postgres-url': adminUrl, 'branch-name': branch, prefixes: branch.split('/')[0] + '/' },
      node: NODES[1]![1],
    });
    runs.push(run);
    expect(run.status).toBe(0);
    expect(json(run.outputs.deleted)).toEqual([branch]);
    expect(run.stdout).toContain(`Database '${name}' has 1 open connection(s); DROP DATABASE ... WITH (FORCE) terminates them.`);
    expect(run.summary).toContain('terminated 1 open connection(s)');
  } finally {
    await session.end().catch(() => {});
    await sql(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  }
});

test('the cap and a failed deletion fail the run, with every output still set', async () => {
  for (let i = 0; i < 4; i++) await fake.seedBranch({ name: `capped/b-${i}`, createdAt: ago(30), updatedAt: ago(30), virtual: true });
  const capped = await cleanup({ mode: 'stale', prefixes: 'capped/', 'max-deletions': '3' });
  expect(capped.status).toBe(1);
  expect(capped.stdout).toMatch(/::error::4 previews were selected for deletion, more than max-deletions \(3\); nothing was deleted/);
  expect(json(capped.outputs.candidates)).toHaveLength(4);
  expect(capped.outputs.deleted).toBe('[]');
  expect(names().filter((name) => name.startsWith('capped/'))).toHaveLength(4);

  const victim = fake.branches().find((branch) => branch.name === 'capped/b-2')!;
  fake.inject({ method: 'DELETE', path: `/branches/${victim.id}`, status: 403, times: 3 });
  const failing = await cleanup({ mode: 'stale', prefixes: 'capped/', 'max-deletions': '4' });
  expect(failing.status).toBe(1);
  expect(json(failing.outputs.deleted)).toHaveLength(3);
  expect(json(failing.outputs.failed)).toEqual([{ name: 'capped/b-2', error: expect.stringMatching(/HTTP 403/) }]);
  expect(failing.stdout).toMatch(/::error::1 of 4 deletion\(s\) failed \(capped\/b-2\); the others went ahead/);
  expect(failing.summary).toMatch(/\| `capped\/b-2` \| failed \|/);
});

test('a pull request from a fork without secrets is skipped with a notice', async () => {
  const run = await cleanup({ 'neon-api-key': '' }, { event: pullRequestEvent(77, { action: 'closed', fork: true }) });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/::notice title=Preview cleanup skipped::This pull request comes from a fork/);
  expect(run.outputs).toMatchObject({ candidates: '[]', deleted: '[]', 'deleted-count': '0', failed: '[]' });
});

test.each([
  ['mode', { mode: 'everything' }, /'everything' is not one of pr, stale/],
  ['older-than', { mode: 'stale', 'older-than': 'a week' }, /'a week' is not a duration/],
  ['older-than', { mode: 'stale', 'older-than': '0s' }, /'0s' is outside the allowed range: use 1m to 3650d/],
  ['prefixes', { mode: 'stale', prefixes: ',' }, /is empty/],
  ['prefixes', { mode: 'stale', prefixes: 'preview/\n/' }, /'\/' would match nearly every branch/],
  ['prefixes', { mode: 'stale', prefixes: 'preview/*' }, /wildcard/],
  ['max-deletions', { 'max-deletions': '0' }, /at least 1/],
  ['max-deletions', { 'max-deletions': 'lots' }, /not a whole number/],
  ['dry-run', { 'dry-run': 'maybe' }, /not a boolean/],
  ['branch-name', { 'branch-name': 'production' }, /does not start with any of prefixes \(preview\/\)/],
  ['branch-name', { mode: 'stale', 'branch-name': 'preview/pr-1' }, /only used in mode pr/],
  ['closed-prs', { 'closed-prs': 'true' }, /only used in mode stale/],
  ['github-token', { mode: 'stale', 'closed-prs': 'true', 'github-token': '' }, /required for closed-prs/],
  ['neon-project-id', { 'neon-project-id': '' }, /required for provider neon/],
])('bad input %s (%j) fails before anything is listed', async (input, inputs, message) => {
  const before = fake.requests.length;
  const run = await cleanup(inputs as Record<string, string>, { event: pullRequestEvent(5, { action: 'closed' }) });
  expect(run.status).toBe(1);
  expect(run.stdout).toContain(inputErrorAnnotation(input));
  expect(run.stdout).toMatch(message);
  expect(fake.requests.length).toBe(before);
});

test('no run printed a secret, and the Neon traffic kept to the spec', () => {
  expect(fake.violations).toEqual([]);
  const secrets = [fake.apiKey, TOKEN, ...secretsOfUrl(adminUrl)].filter((secret) => secret.length >= 6);
  // The runs of the tests above: run with the file, this check is never vacuous.
  expect(runs.length).toBeGreaterThan(1);
  for (const run of runs) expect(leakedSecrets(run, secrets)).toEqual([]);
});

test('the action reads exactly the inputs and sets exactly the outputs its action.yml declares', () => {
  expect(contractDifferences('cleanup', runs)).toEqual({
    inputsReadButNotDeclared: [],
    inputsDeclaredButNeverRead: [],
    outputsSetButNotDeclared: [],
    outputsDeclaredButNeverSet: [],
  });
});
