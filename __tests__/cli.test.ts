// The CLI bundle on a developer's laptop: no workflow environment, the same cores and
// the same input validation as the actions.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './support/run-action.js';
import { readManifest } from './support/contract.js';

const adminUrl = process.env.TEST_DATABASE_URL!;

function cli(args: string[], cwd = ROOT): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // A laptop: none of the runner's variables.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'index.js'), ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

test('create, migrate and clean up a preview from the command line', async () => {
  // A leftover of an interrupted earlier run would turn `created` false.
  await dropDatabase('preview_cli_laptop');
  const created = await cli(['create', '--provider', 'postgres', '--postgres-url', adminUrl, '--branch-name', 'preview/cli-laptop']);
  expect(created.stderr).not.toContain(adminUrl);
  expect(created.status).toBe(0);
  const preview = JSON.parse(created.stdout);
  expect(preview).toMatchObject({ branchName: 'preview/cli-laptop', database: 'preview_cli_laptop', created: true });
  expect(await databaseExists('preview_cli_laptop')).toBe(true);

  const project = mkdtempSync(join(tmpdir(), 'preview-db-cli-'));
  mkdirSync(join(project, 'migrations'));
  writeFileSync(join(project, 'migrations', '001_things.sql'), 'CREATE TABLE things (id bigint PRIMARY KEY);\n');
  const migrated = await cli(['migrate', '--database-url', preview.databaseUrlDirect], project);
  expect(migrated.status).toBe(0);
  expect(migrated.stdout).toContain('001_things.sql');
  expect(migrated.stderr).not.toContain(preview.databaseUrlDirect);

  const removed = await cli(['cleanup', '--provider', 'postgres', '--postgres-url', adminUrl, '--branch-name', 'preview/cli-laptop']);
  expect(removed.status).toBe(0);
  expect(removed.stdout).toContain('deleted');
  expect(await databaseExists('preview_cli_laptop')).toBe(false);
});

test('bad options are refused with the input named, before anything changes', async () => {
  const unknown = await cli(['create', '--provider', 'postgres', '--postgres-url', adminUrl, '--branch', 'x']);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain("Input 'branch': is not an option of 'create'");
  const noName = await cli(['create', '--provider', 'postgres', '--postgres-url', adminUrl]);
  expect(noName.status).toBe(1);
  expect(noName.stderr).toContain("Input 'branch-name': is required");
  const help = await cli(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: preview-db <command>');
});

test.each([
  ['create', 'create-branch'],
  ['migrate', 'migrate'],
  ['cleanup', 'cleanup'],
])("the CLI's %s options are exactly the inputs of actions/%s", async (command, action) => {
  const inputs = Object.keys(readManifest(action).inputs).sort();
  const run = await cli([command, '--not-an-input', 'x']);
  const listed = /Options: (.*)\.$/m.exec(run.stderr)![1]!.split(', ').map((option) => option.replace(/^--/, '')).sort();
  expect(listed).toEqual(inputs);
});
