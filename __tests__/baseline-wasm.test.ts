// Actions that parse SQL set V8 flags that keep libpg-query's parser in the baseline compiler
// (see src/actions/baseline-wasm.ts), in their own process: no second Node start. Checked on a
// real bundle of the module that parses real SQL with libpg-query: with the flags, V8 never
// builds the optimized parser, whose compile alone needs hundreds of MB.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BASELINE_WASM_FLAGS, needsBaselineFlags } from '../src/actions/baseline-wasm.js';
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
    `import '${join(ROOT, 'src/actions/with-baseline-wasm.ts')}';
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
  const result = spawnSync(NODE24, [script, ...args], {
    env: { ...process.env, LIBPG_QUERY: join(ROOT, 'node_modules/libpg-query/wasm/index.js'), ...env },
    encoding: 'utf8',
  });
  const lines = result.stdout.trim().split('\n').filter(Boolean);
  return {
    status: result.status,
    lines,
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
  // Switched off, V8 tiers the parser up; its optimizing compile alone takes hundreds of MB
  // (~320 MB against ~70 MB measured here): the flags set at run time clearly took effect.
  const tieredUp = run({ PREVIEW_DB_WASM_TIER_UP: 'true' });
  expect(tieredUp.status).toBe(0);
  expect(tieredUp.report.statements).toBe(4000);
  expect(baseline.report.maxRssMb).toBeLessThan(tieredUp.report.maxRssMb * 0.6);
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
