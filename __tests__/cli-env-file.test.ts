// The env-file writer, the terminal (spinner, colours, NO_COLOR) and the git default name.
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, symlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvVars, readEnvText, updateEnvText, writeEnvFile } from '../src/cli/env-file.js';
import { Terminal } from '../src/cli/terminal.js';
import { currentGitBranch } from '../src/cli/git.js';
import { neonEndpointIdOfHost } from '../src/cli/project.js';
import { cli, tempProject } from './support/cli.js';

const URL_A = 'postgres://app_owner:pw-one@db.example.test:5432/app?sslmode=require';

describe('updateEnvText', () => {
  test('replaces every assignment of the names where it stands, keeps comments, blanks, export and order, appends the rest', () => {
    const before =
      ['# top comment', 'export DATABASE_URL=old # trailing', '', 'OTHER=1', 'DATABASE_URL="older"', '  # indented comment', 'LAST=x'].join('\n') + '\n';
    const after = updateEnvText(before, [
      ['DATABASE_URL', URL_A],
      ['DIRECT_URL', 'postgres://d'],
    ]);
    expect(after).toBe(
      [
        '# top comment',
        `export DATABASE_URL=${URL_A}`,
        '',
        'OTHER=1',
        `DATABASE_URL="${URL_A}"`,
        '  # indented comment',
        'LAST=x',
        'DIRECT_URL=postgres://d',
      ].join('\n') + '\n',
    );
    expect(readEnvText(after).get('DATABASE_URL')).toBe(URL_A);
  });

  test('keeps CRLF line ends and a missing final newline gets one; values that need quotes are quoted and read back', () => {
    expect(updateEnvText('A=1\r\nB=2', [['B', '3']])).toBe('A=1\r\nB=3\r\n');
    const tricky = 'postgres://u:p#a ss"w@h/db';
    const text = updateEnvText('', [['X', tricky]]);
    expect(text).toBe(`X='postgres://u:p#a ss"w@h/db'\n`);
    expect(updateEnvText('', [['Y', "it's #1"]])).toBe('Y="it\'s #1"\n');
    expect(readEnvText(updateEnvText('', [['Y', `it's "#1"`]])).get('Y')).toBe(`it's "#1"`);
    expect(readEnvText(text).get('X')).toBe(tricky);
    expect(updateEnvText("X='old'\n", [['X', 'new']])).toBe("X='new'\n");
    expect(updateEnvText('X="old"\n', [['X', 'new']])).toBe('X="new"\n');
  });

  test('env-vars: NAME=pooled|direct, a bare name is pooled; mistakes name the setting', () => {
    expect(parseEnvVars('DATABASE_URL, DIRECT_URL=direct', '--env-vars')).toEqual([
      { name: 'DATABASE_URL', kind: 'pooled' },
      { name: 'DIRECT_URL', kind: 'direct' },
    ]);
    expect(() => parseEnvVars('DATABASE_URL=replica', '--env-vars')).toThrow("--env-vars: 'DATABASE_URL=replica': the URL kind must be pooled or direct");
    expect(() => parseEnvVars('1BAD', 'PREVIEW_DB_ENV_VARS')).toThrow("PREVIEW_DB_ENV_VARS: '1BAD' is not an environment variable name");
    expect(() => parseEnvVars('A,A=direct', '--env-vars')).toThrow("'A' is given twice");
  });
});

describe('writeEnvFile', () => {
  test('a new file is 0600 whatever the umask; no temporary file is left behind', () => {
    const dir = tempProject();
    const previous = process.umask(0o000);
    try {
      writeEnvFile(join(dir, '.env.local'), [['DATABASE_URL', URL_A]]);
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(dir, '.env.local')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['.env.local']);
  });

  test('through a symlink: the link stays, its target is replaced', () => {
    const dir = tempProject();
    writeFileSync(join(dir, 'shared.env'), 'KEEP=1\n', { mode: 0o600 });
    symlinkSync(join(dir, 'shared.env'), join(dir, '.env'));
    writeEnvFile(join(dir, '.env'), [['DATABASE_URL', URL_A]]);
    expect(lstatSync(join(dir, '.env')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'shared.env'), 'utf8')).toBe(`KEEP=1\nDATABASE_URL=${URL_A}\n`);
  });
});

describe('the terminal', () => {
  function capture(tty: boolean, env: NodeJS.ProcessEnv = {}) {
    let err = '';
    const term = new Terminal({ env, cwd: '/', stdout: { write: () => true }, stderr: { write: (text: string) => (err += text), isTTY: tty } });
    return { term, err: () => err };
  }

  test('not a TTY: plain lines, no escape codes, secrets masked', async () => {
    const { term, err } = capture(false);
    term.secret(URL_A);
    await term.group('Creating', async () => term.info(`connected to ${URL_A}`));
    term.warning('careful');
    expect(err()).toBe('Creating…\nconnected to ***\nwarning: careful\n');
  });

  test('a TTY: a spinner that shows what is waited for, and colours, unless NO_COLOR', async () => {
    const tty = capture(true);
    await tty.term.group('Waiting for the compute', async () => tty.term.info('still starting'));
    expect(tty.err()).toContain('\r\u001b[2K');
    expect(tty.err()).toContain('Waiting for the compute');
    expect(tty.err()).toContain('still starting');
    expect(tty.err()).toMatch(/\u001b\[32m✓\u001b\[0m Waiting for the compute\n$/);
    const plain = capture(true, { NO_COLOR: '1' });
    await plain.term.group('Waiting', async () => undefined);
    plain.term.error('bad');
    expect(plain.err()).not.toMatch(/\u001b\[\d+m/);
    expect(plain.err()).toContain('✓ Waiting\n');
  });
});

describe('the git default name', () => {
  test('the current branch, even before the first commit; a detached HEAD or no repository is usage (2)', async () => {
    const repo = tempProject();
    execFileSync('git', ['init', '-q', '-b', 'feature/x', repo]);
    expect(await currentGitBranch(repo)).toBe('feature/x');
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-q', '--allow-empty', '-m', 'first']);
    execFileSync('git', ['-C', repo, 'checkout', '-q', '--detach']);
    const detached = await cli(['create', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'], { cwd: repo });
    expect(detached.status).toBe(2);
    expect(detached.stderr).toContain('detached HEAD');
    const none = await cli(['url', '--provider', 'postgres', '--postgres-url', 'postgres://a:b@127.0.0.1:1/postgres'], { cwd: tempProject() });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('not a git repository');
  });
});

test("status finds a Neon branch by its compute: the endpoint id is the host's first label", () => {
  expect(neonEndpointIdOfHost('ep-cool-darkness-123456.us-east-2.aws.neon.tech')).toBe('ep-cool-darkness-123456');
  expect(neonEndpointIdOfHost('ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech')).toBe('ep-cool-darkness-123456');
  expect(neonEndpointIdOfHost('127.0.0.1')).toBeUndefined();
  expect(neonEndpointIdOfHost('db.example.test')).toBeUndefined();
});
