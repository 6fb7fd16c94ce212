// npm run bench lint: offline lint of a generated 400-file history (LINT_BENCH_COUNT for another size) (Prisma-style and hand-written
// migrations, ~2,100 statements), the way the migrate action lints, compared with squawk on the
// same files when squawk is installed (SQUAWK=/path/to/squawk, or `squawk` on the PATH; the npm
// package squawk-cli ships one). Each is a whole process, started ROUNDS times, alternating:
// - ours as the actions run it: node with the flags of src/shared/baseline-wasm.ts;
// - ours with V8's default tier-up of libpg-query's parser, to show what the flags save.
// Reports medians of wall time and of CPU time (user + system of all threads, read from
// /proc/self/stat's children times, Linux): on a loaded machine wall time mostly measures the
// wait for a core, CPU time what each run costs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { BASELINE_WASM_FLAGS } from '../src/shared/baseline-wasm.js';
import { generateHistory } from './lint-history.js';

const COUNT = Number(process.env.LINT_BENCH_COUNT ?? 400);
const ROUNDS = Number(process.env.LINT_BENCH_ROUNDS ?? 9);
/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU time of the waited-for children so far, in ms (Linux), or NaN elsewhere. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
  } catch {
    return Number.NaN;
  }
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  stdout: string;
}

function run(command: string, args: string[]): Sample {
  const cpu = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wallMs = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} exited with ${result.status}: ${result.stderr.slice(0, 500)}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpu, stdout: result.stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function findSquawk(): string | undefined {
  if (process.env.SQUAWK) return process.env.SQUAWK;
  const which = spawnSync('sh', ['-c', 'command -v squawk'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export default async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'preview-db-lint-bench-'));
  try {
    const history = generateHistory(COUNT);
    for (const file of history) {
      mkdirSync(dirname(join(work, file.path)), { recursive: true });
      writeFileSync(join(work, file.path), file.sql);
    }
    const migrations = join(work, 'prisma', 'migrations');
    const child = join(resolve('node_modules', '.cache', 'preview-db-bench'), 'lint-child.mjs');
    await build({
      entryPoints: ['bench/lint-child.ts'],
      outfile: child,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    });
    const squawk = findSquawk();
    const counted = JSON.parse(
      spawnSync(process.execPath, [...BASELINE_WASM_FLAGS, child, migrations], { encoding: 'utf8', env: { ...process.env, COUNT_STATEMENTS: '1' } }).stdout,
    ) as { statements: number; findings: number };
    console.log(
      `${history.length} files, ${(history.reduce((sum, file) => sum + file.sql.length, 0) / 1024).toFixed(0)} KB, ${counted.statements.toLocaleString('en-US')} statements, ${counted.findings} findings; ${ROUNDS} rounds, alternating.`,
    );

    const kinds = {
      'preview-db (baseline wasm: what the actions relaunch into)': () => run(process.execPath, [...BASELINE_WASM_FLAGS, child, migrations]),
      'preview-db (V8 default tier-up)': () => run(process.execPath, [child, migrations]),
      ...(squawk
        ? {
            [`squawk (${spawnSync(squawk, ['--version'], { encoding: 'utf8' }).stdout.trim()})`]: () =>
              run(squawk, ['--reporter', 'gcc', join(migrations, '*', 'migration.sql')]),
          }
        : {}),
    };
    const samples = new Map<string, Array<Sample & { lintMs?: number; maxRssKb?: number }>>(Object.keys(kinds).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, go] of Object.entries(kinds)) {
        const sample = go();
        const own = name.startsWith('preview-db') ? (JSON.parse(sample.stdout) as { lintMs: number; maxRssKb: number }) : undefined;
        samples.get(name)!.push({ ...sample, lintMs: own?.lintMs, maxRssKb: own?.maxRssKb });
      }
    }
    const squawkName = Object.keys(kinds).find((name) => name.startsWith('squawk'));
    const reference = squawkName
      ? { wall: median(samples.get(squawkName)!.map((s) => s.wallMs)), cpu: median(samples.get(squawkName)!.map((s) => s.cpuMs)) }
      : undefined;
    for (const [name, list] of samples) {
      const wall = median(list.map((s) => s.wallMs));
      const cpu = median(list.map((s) => s.cpuMs));
      const parts = [`wall ${seconds(wall)}`, `CPU ${seconds(cpu)}`];
      if (reference && !name.startsWith('squawk'))
        parts.push(`${(wall / reference.wall).toFixed(2)}x squawk's wall, ${(cpu / reference.cpu).toFixed(2)}x its CPU`);
      if (!reference && !name.startsWith('squawk')) parts.push(`${(wall / 210).toFixed(1)}-${(wall / 140).toFixed(1)}x the 0.14-0.21 s squawk took`);
      const lint = list.map((s) => s.lintMs).filter((ms): ms is number => ms !== undefined);
      if (lint.length > 0)
        parts.push(`in-process lint ${seconds(median(lint))} (${Math.round(counted.statements / (median(lint) / 1000)).toLocaleString('en-US')} statements/s)`);
      const rss = list.map((s) => s.maxRssKb).filter((kb): kb is number => kb !== undefined);
      if (rss.length > 0) parts.push(`peak RSS ${Math.round(median(rss) / 1024)} MB`);
      console.log(`- ${name}: ${parts.join(', ')}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
