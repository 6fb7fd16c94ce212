// Actions that parse SQL run themselves again with V8 flags that keep libpg-query's parser in the
// baseline compiler (see src/actions/baseline-wasm.ts). Checked on a real bundle of the module.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BASELINE_WASM_FLAGS, needsRelaunch } from '../src/actions/baseline-wasm.js';
import { ROOT } from './support/run-action.js';

let dir: string;
let script: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baseline-wasm-'));
  const entry = join(dir, 'entry.ts');
  // What the action's entry does: import the module first, then do its work and set its status.
  writeFileSync(
    entry,
    `import '${join(ROOT, 'src/actions/with-baseline-wasm.ts')}';\nimport { appendFileSync } from 'node:fs';\nappendFileSync(process.env.RECORD_FILE!, JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2), input: process.env.INPUT_NAME }) + '\\n');\nconsole.log('work done');\nprocess.exitCode = Number(process.env.EXIT_WITH ?? 0);\n`,
  );
  script = join(dir, 'index.mjs');
  await build({ entryPoints: [entry], outfile: script, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(
  env: Record<string, string>,
  args: string[] = [],
): { status: number | null; stdout: string; records: Array<{ execArgv: string[]; argv: string[]; input?: string }> } {
  const record = join(dir, `record-${Math.random().toString(36).slice(2)}.jsonl`);
  const result = spawnSync(process.execPath, [script, ...args], { env: { ...process.env, RECORD_FILE: record, ...env }, encoding: 'utf8' });
  let lines: string[] = [];
  try {
    lines = readFileSync(record, 'utf8').trim().split('\n');
  } catch {
    lines = [];
  }
  return { status: result.status, stdout: result.stdout, records: lines.map((line) => JSON.parse(line)) };
}

test('the work runs once, in a process with the flags, with the same environment and arguments', () => {
  const { status, stdout, records } = run({ INPUT_NAME: 'example' }, ['--some-arg']);
  expect(status).toBe(0);
  expect(records).toHaveLength(1);
  expect(records[0]!.execArgv).toEqual(expect.arrayContaining(BASELINE_WASM_FLAGS));
  expect(records[0]!.argv).toEqual(['--some-arg']);
  expect(records[0]!.input).toBe('example');
  expect(stdout.match(/work done/g)).toHaveLength(1);
});

test("the child's exit status becomes the action's", () => {
  expect(run({ EXIT_WITH: '3' }).status).toBe(3);
});

test('started with the flags already, or with PREVIEW_DB_WASM_TIER_UP=true, it runs in place', () => {
  const off = run({ PREVIEW_DB_WASM_TIER_UP: 'true' });
  expect(off.records).toHaveLength(1);
  expect(off.records[0]!.execArgv).not.toContain(BASELINE_WASM_FLAGS[0]);
  expect(needsRelaunch(BASELINE_WASM_FLAGS, {})).toBe(false);
  expect(needsRelaunch([BASELINE_WASM_FLAGS[0]!], {})).toBe(true);
  expect(needsRelaunch([], {})).toBe(true);
});

test('the flags are ones this Node accepts', () => {
  expect(execFileSync(process.execPath, [...BASELINE_WASM_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
});
