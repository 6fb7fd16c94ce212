// The package as a user gets it: packed (`npm pack`), installed into a project of their own
// as a dev dependency (offline-capable: it has no runtime dependencies, the bundle carries
// them), and run with `npx preview-db` there, far from this repository's layout.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/run-action.js';
import { tempProject } from './support/cli.js';
import { sql } from './support/sql.js';

const run = promisify(execFile);
const adminUrl = process.env.TEST_DATABASE_URL!;

test('npm pack → npm install the tarball into a temp project → npx preview-db --help, create, delete', async () => {
  // A fresh bundle in a staging copy of the package: the test never depends on a stale dist/.
  const stage = tempProject('preview-db-pack-');
  await run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), join(stage, 'dist')], { cwd: ROOT });
  cpSync(join(ROOT, 'package.json'), join(stage, 'package.json'));
  cpSync(join(ROOT, 'README.md'), join(stage, 'README.md'));
  const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'));
  expect(manifest.private).toBeUndefined();
  expect(manifest.bin).toEqual({ 'preview-db': 'dist/cli/index.js' });
  expect(manifest.dependencies ?? {}).toEqual({});

  const packed = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', stage], { cwd: stage })).stdout);
  const files = packed[0].files.map((file: { path: string }) => file.path).sort();
  // The CLI's entry, the chunks it shares with the actions (the parser's WebAssembly among them) and undici; no other action's entry.
  expect(files).toEqual(expect.arrayContaining(['README.md', 'dist/cli/index.js', 'dist/chunks/libpg-query.wasm', 'dist/vendor/undici.cjs', 'package.json']));
  expect(files.filter((file: string) => !/^dist\/(cli|chunks|vendor)\//.test(file) && !['README.md', 'package.json'].includes(file))).toEqual([]);
  const tarball = join(stage, packed[0].filename);

  const app = tempProject('preview-db-user-app-');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'example-app', version: '1.0.0', private: true }));
  const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  await run('npm', ['install', '--offline', '--save-dev', tarball], { cwd: app, env: npmEnv });
  expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).devDependencies['preview-db']).toMatch(/preview-db-.*\.tgz$/);

  // A developer's shell: no runner variables, nothing of this repository.
  const shell = { PATH: process.env.PATH ?? '', HOME: app, npm_config_update_notifier: 'false' };
  const help = await run('npx', ['--no-install', 'preview-db', '--help'], { cwd: app, env: shell });
  expect(help.stdout).toContain('Usage: preview-db <command>');
  const createHelp = await run('npx', ['--no-install', 'preview-db', 'create', '--help'], { cwd: app, env: shell });
  expect(createHelp.stdout).toContain('--parent');

  await sql(adminUrl, 'DROP DATABASE IF EXISTS cli_packed WITH (FORCE)');
  const withDb = { ...shell, PREVIEW_DB_POSTGRES_URL: adminUrl };
  const created = await run('npx', ['--no-install', 'preview-db', 'create', 'cli-packed', '--json'], { cwd: app, env: withDb });
  expect(JSON.parse(created.stdout)).toMatchObject({ command: 'create', ok: true, branch: { name: 'cli-packed', database: 'cli_packed', outcome: 'created' } });
  expect(created.stderr).not.toContain(adminUrl);
  const deleted = await run('npx', ['--no-install', 'preview-db', 'delete', 'cli-packed'], { cwd: app, env: withDb });
  expect(deleted.stdout).toBe('deleted cli-packed\n');
  expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'cli_packed'")).toEqual([]);
}, 180_000);
