// npm run demo: a pull request's whole life on this machine, no account anywhere.
// Starts an embedded Postgres with a "production" database, then runs the root action's
// bundle exactly as the GitHub runner would for `opened`, `synchronize` and `closed`,
// posting its comment to the test suite's fake GitHub API.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../__tests__/support/test-postgres.mjs';

const root = resolve(import.meta.dirname, '..');
const REPOSITORY = 'example-org/example-app';
const PR = 42;
const GITHUB_TOKEN = 'ghs_demo_token_not_real';
const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const step = (text) => console.log(`\n${bold(`▶ ${text}`)}`);

/**
 * The test suite's fake GitHub REST API (__tests__/fakes/github), built with esbuild the way
 * the bench builds its TypeScript: the demo posts its comment where the tests post theirs.
 */
async function startGitHub() {
  const outfile = join(root, 'node_modules', '.cache', 'preview-db-demo', 'github-fake.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['__tests__/fakes/github/server.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const { startFakeGitHub } = await import(pathToFileURL(outfile).href);
  const github = await startFakeGitHub({ token: GITHUB_TOKEN, login: 'github-actions[bot]' });
  github.seedPullRequest({ repository: REPOSITORY, number: PR });
  return {
    url: github.apiUrl,
    get comments() {
      return github.comments(PR, REPOSITORY);
    },
    close: () => github.close(),
  };
}

/** Runs a bundle as the runner does: INPUT_* variables, command files, an event file. */
async function runAsRunner(action, inputs, event, workspace, apiUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-demo-run-'));
  const files = { output: join(dir, 'output'), env: join(dir, 'env'), summary: join(dir, 'summary'), event: join(dir, 'event.json') };
  for (const file of [files.output, files.env, files.summary]) writeFileSync(file, '');
  writeFileSync(files.event, JSON.stringify(event));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_SHA: event.pull_request.head.sha,
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.example.test',
    GITHUB_API_URL: apiUrl,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: dir,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  // Asynchronously, so the fake GitHub API in this process can answer the action.
  const child = spawn(process.execPath, [join(root, 'dist', action, 'index.js')], { cwd: workspace, env });
  const result = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (result.stdout += chunk));
  child.stderr.on('data', (chunk) => (result.stderr += chunk));
  result.status = await new Promise((done) => child.on('close', done));
  // The runner hides its own workflow commands; show the log as a person would see it.
  const log = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::') && !line.startsWith('::debug::') && !line.startsWith('::group::') && line !== '::endgroup::');
  console.log(
    log
      .map((line) => `  │ ${line}`)
      .join('\n')
      .trimEnd(),
  );
  if (result.status !== 0) throw new Error(`${action} failed (exit ${result.status})\n${result.stderr}`);
  return { summary: readFileSync(files.summary, 'utf8') };
}

function pullRequest(action, sha) {
  const repo = { full_name: REPOSITORY };
  return {
    action,
    number: PR,
    pull_request: {
      number: PR,
      state: action === 'closed' ? 'closed' : 'open',
      body: '',
      head: { sha, ref: 'add-email-index', repo },
      base: { ref: 'main', repo },
    },
    repository: repo,
  };
}

async function query(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const postgres = await startEmbeddedPostgres();
const inbox = await startGitHub();
try {
  const productionUrl = postgres.url.replace(/\/postgres$/, '/app_production');
  step('Production: a database migrated by the deploy pipeline, with 200,000 accounts');
  await query(postgres.url, 'CREATE DATABASE app_production');
  const production = mkdtempSync(join(tmpdir(), 'preview-db-demo-production-'));
  mkdirSync(join(production, 'migrations'));
  cpSync(join(root, 'examples/migrations/0001_create_accounts.sql'), join(production, 'migrations/0001_create_accounts.sql'));
  await runAsRunner('migrate', { 'database-url': productionUrl, protected: 'true' }, pullRequest('opened', 'a'.repeat(40)), production, inbox.url);
  await query(productionUrl, "INSERT INTO accounts (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 200000) g");

  const workspace = mkdtempSync(join(tmpdir(), 'preview-db-demo-workspace-'));
  mkdirSync(join(workspace, 'migrations'));
  for (const file of ['0001_create_accounts.sql', '0002_index_accounts_email.sql'])
    cpSync(join(root, 'examples/migrations', file), join(workspace, 'migrations', file));
  const inputs = { provider: 'postgres', 'postgres-url': postgres.url, template: 'app_production', 'github-token': GITHUB_TOKEN, 'expires-in': '7d' };

  step(`Pull request #${PR} opened: preview-db creates, migrates and measures its preview`);
  const opened = await runAsRunner('preview-db', inputs, pullRequest('opened', '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), workspace, inbox.url);
  step('The comment on the pull request');
  console.log(inbox.comments[0].body);
  step('The step summary (the same facts)');
  console.log(opened.summary.trim() === inbox.comments[0].body.replace(/^<!--.*-->\n/, '').trim() ? '(identical to the comment)' : opened.summary);

  step('A second push adds a migration: the same preview is reused and the same comment edited');
  cpSync(join(root, 'examples/migrations/0003_accounts_plan.sql'), join(workspace, 'migrations/0003_accounts_plan.sql'));
  await runAsRunner('preview-db', inputs, pullRequest('synchronize', '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), workspace, inbox.url);
  console.log(`\n${inbox.comments.length} comment on the pull request, now:\n`);
  console.log(inbox.comments[0].body);

  step('The pull request is closed: the preview is deleted');
  await runAsRunner('preview-db', inputs, pullRequest('closed', '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), workspace, inbox.url);
  console.log(inbox.comments[0].body);
  const left = await query(postgres.url, "SELECT datname FROM pg_database WHERE datname LIKE 'preview%'");
  const roles = await query(postgres.url, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'preview%'");
  const productionIndexes = await query(productionUrl, "SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'");
  step('What is left on the server');
  console.log(`Preview databases: ${left.length === 0 ? 'none — the preview is gone' : left.map((row) => row.datname).join(', ')}`);
  console.log(`Preview roles: ${roles.length === 0 ? 'none — its role went with it' : roles.map((row) => row.rolname).join(', ')}`);
  console.log(`Production's indexes on accounts: ${productionIndexes.map((row) => row.indexname).join(', ')} (untouched by the pull request)`);
} finally {
  await inbox.close();
  await postgres.stop();
}
