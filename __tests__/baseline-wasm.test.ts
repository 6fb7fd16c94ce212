// Actions that parse SQL set V8 flags that keep libpg-query's parser in the baseline compiler
// (see src/shared/baseline-wasm.ts), in their own process: no second Node start. Checked on a
// real bundle of the module that parses real SQL with libpg-query: with the flags, V8 never
// builds the optimized parser, whose compile alone needs hundreds of MB.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BASELINE_WASM_FLAGS, needsBaselineFlags } from '../src/shared/baseline-wasm.js';
import { NODE24, ROOT } from './support/run-action.js';

let dir: string;
let script: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baseline-wasm-'));
  const entry = join(dir, 'entry.ts');
  // What the action's entry does: import the module first, then parse SQL (libpg-query is
  // loaded from the project by path, after the module ran, as the actions' chunks load it).
  writeFileSync(
    entry,
    `import '${join(ROOT, 'src/shared/with-baseline-wasm.ts')}';
const libpgQuery = process.env.LIBPG_QUERY!;
const { loadModule, parseSync } = await import(libpgQuery);
await loadModule();
let statements = 0;
for (let round = 0; round < 5; round++)
  for (let i = 0; i < 400; i++) {
    parseSync(\`CREATE TABLE t\${i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x', created_at timestamptz DEFAULT now(), CONSTRAINT c\${i} CHECK (id > 0))\`);
    parseSync(\`UPDATE t\${i} SET name = 'y' WHERE id IN (SELECT id FROM t\${i} WHERE created_at < now() - interval '1 day' LIMIT 5)\`);
    statements += 2;
  }
console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2), statements, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
process.exitCode = Number(process.env.EXIT_WITH ?? 0);
`,
  );
  script = join(dir, 'index.mjs');
  await build({ entryPoints: [entry], outfile: script, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>, args: string[] = []) {
  // Node 24, the actions' Node: its V8 tiers WebAssembly up (Node 20's hardly does here).
  // V8 traces each WebAssembly compile to stdout: a function "using TurboFan" was tiered up.
  const result = spawnSync(NODE24, ['--trace-wasm-compilation-times', script, ...args], {
    env: { ...process.env, LIBPG_QUERY: join(ROOT, 'node_modules/libpg-query/wasm/index.js'), ...env },
    encoding: 'utf8',
  });
  const all = result.stdout.trim().split('\n').filter(Boolean);
  const lines = all.filter((line) => line.startsWith('{'));
  return {
    status: result.status,
    lines,
    optimizingCompiles: all.filter((line) => /^Compiled function .* using TurboFan/.test(line)).length,
    report: JSON.parse(lines.at(-1) ?? '{}') as { execArgv: string[]; argv: string[]; statements: number; maxRssMb: number },
  };
}

test('the work runs once, in this process, with its arguments and status; the parser stays in the baseline compiler', () => {
  const baseline = run({ EXIT_WITH: '3' }, ['--some-arg']);
  expect(baseline.status).toBe(3);
  expect(baseline.lines).toHaveLength(1);
  expect(baseline.report.execArgv).not.toContain(BASELINE_WASM_FLAGS[0]);
  expect(baseline.report.argv).toEqual(['--some-arg']);
  expect(baseline.report.statements).toBe(4000);
  expect(baseline.optimizingCompiles).toBe(0);
  // Switched off, V8 tiers the parser up (its optimizing compile alone takes ~600 MB for a
  // moment): the same work shows TurboFan compiles, so the check above can fail. (Compared by
  // the trace, not by peak memory: under load the background compile may end after the peak
  // was read, and a memory ratio failed once that way.)
  const tieredUp = run({ PREVIEW_DB_WASM_TIER_UP: 'true' });
  expect(tieredUp.status).toBe(0);
  expect(tieredUp.report.statements).toBe(4000);
  expect(tieredUp.optimizingCompiles).toBeGreaterThan(0);
});

test('started with the flags already, or with PREVIEW_DB_WASM_TIER_UP=true, it leaves V8 alone', () => {
  expect(needsBaselineFlags(BASELINE_WASM_FLAGS, {})).toBe(false);
  expect(needsBaselineFlags([], { PREVIEW_DB_WASM_TIER_UP: 'true' })).toBe(false);
  expect(needsBaselineFlags([BASELINE_WASM_FLAGS[0]!], {})).toBe(true);
  expect(needsBaselineFlags([], {})).toBe(true);
});

test('the flags are ones this Node accepts', () => {
  expect(execFileSync(NODE24, [...BASELINE_WASM_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
});
