// Runs the CLI in-process (fast, and the cores see exactly what the bundle would) with a
// laptop's environment: no runner variables, stdout and stderr captured.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  json(): any;
}

export async function cli(args: string[], options: { env?: Record<string, string>; cwd?: string; tty?: boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...options.env },
    cwd: options.cwd ?? tempProject(),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.tty },
  });
  return { status, stdout, stderr, json: () => JSON.parse(stdout) };
}

export function tempProject(prefix = 'preview-db-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
