// npm run bench migrate-large-seed: a 40 MB seed of 400,000 INSERTs, generated into a temp
// directory, applied by the built-in runner in a process of its own (its peak RSS is that
// process's; started with the V8 flags the migrate action sets, see src/shared/baseline-wasm.ts),
// with the action's defaults (lint warn, measurement on) and with both off, and by `psql -1 -f`
// when the machine has psql. Reports time ratios (wall clock, process starts included) and memory.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, migrateSettings } from '../src/migrate/index.js';
import { MemoryLog } from '../__tests__/support/memory-log.js';
import { startEmbeddedPostgres } from '../__tests__/support/test-postgres.mjs';
import { peakRss } from './child/peak-rss.js';
import { BASELINE_WASM_FLAGS } from '../src/shared/baseline-wasm.js';
import { ms, type BenchRow } from './rows.js';

const ROWS = 400_000;
const PSQL = '/usr/bin/psql';

/** Runs in the child process: one migrate run with the seed, its time and peak RSS as JSON. */
export async function child(url: string, dir: string, lint = 'warn', analyze = 'true'): Promise<void> {
  const started = performance.now();
  const ownPeak = peakRss();
  // Where the peak is: sampled every 50 ms (the heap and what lives outside it).
  let peak = process.memoryUsage();
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, 50);
  const result = await migrate(migrateSettings(url, dir, { seed: ['seed.sql'], lint: lint as 'warn' | 'off', analyze: analyze === 'true' }), new MemoryLog());
  clearInterval(sampler);
  const mb = (bytes: number) => Math.round(bytes / 1e6);
  console.log(
    JSON.stringify({
      ok: result.ok,
      error: result.error?.message,
      ms: performance.now() - started,
      maxRssMb: ownPeak.stop() / 1e6,
      atPeak: { heapTotalMb: mb(peak.heapTotal), heapUsedMb: mb(peak.heapUsed), externalMb: mb(peak.external) },
    }),
  );
}

function generate(dir: string): number {
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations/1_events.sql'), 'CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload text);\n');
  const path = join(dir, 'seed.sql');
  const fd = openSync(path, 'w');
  for (let i = 1; i <= ROWS; i++) writeSync(fd, `INSERT INTO events (id, kind, payload) VALUES (${i}, 'kind_${i % 17}', 'payload text for row ${i}');\n`);
  closeSync(fd);
  return statSync(path).size;
}

const CONFIGS = [
  { key: 'defaults', label: 'action defaults (lint warn, measurement on)', args: ['warn', 'true'] },
  { key: 'off', label: 'lint off, measurement off', args: ['off', 'false'] },
];

export default async function bench(): Promise<BenchRow[]> {
  const server = await startEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-bench-seed-'));
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const urlOf = (name: string) => Object.assign(new URL(server.url), { pathname: `/${name}` }).toString();
  const rows: BenchRow[] = [];
  try {
    const bytes = generate(dir);
    const self = fileURLToPath(import.meta.url);
    const script = `const { child } = await import(${JSON.stringify(`file://${self}`)}); await child(...process.argv.slice(1));`;
    console.log(`seed: ${ROWS.toLocaleString('en-US')} INSERTs, ${(bytes / 1e6).toFixed(1)} MB`);
    let psqlMs: number | undefined;
    if (existsSync(PSQL)) {
      await admin.query('CREATE DATABASE bench_seed_psql');
      const url = new URL(urlOf('bench_seed_psql'));
      const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
      url.password = '';
      const psql = (file: string) => spawnSync(PSQL, ['-q', '-X', '-v', 'ON_ERROR_STOP=1', '-1', '-d', url.toString(), '-f', file], { env, encoding: 'utf8' });
      psql(join(dir, 'migrations/1_events.sql'));
      const started = performance.now();
      const done = psql(join(dir, 'seed.sql'));
      psqlMs = performance.now() - started;
      console.log(`psql -1 -f: ${done.status === 0 ? 'ok' : 'failed'}, ${(psqlMs / 1000).toFixed(1)} s`);
    } else {
      console.log('psql -1 -f: not on this machine (no ratio)');
    }
    for (const config of CONFIGS) {
      const database = `bench_seed_runner_${config.key}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const started = performance.now();
      const run = spawnSync(process.execPath, [...BASELINE_WASM_FLAGS, '--input-type=module', '-e', script, urlOf(database), dir, ...config.args], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      const wall = performance.now() - started;
      const runner = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok: boolean;
        error?: string;
        ms: number;
        maxRssMb: number;
        atPeak: Record<string, number>;
      };
      console.log(
        `built-in runner, ${config.label}: ${runner.ok ? 'ok' : `failed (${runner.error ?? run.stderr.slice(-300)})`}, ${(wall / 1000).toFixed(1)} s (in process ${(runner.ms / 1000).toFixed(1)} s), peak RSS ${Math.round(runner.maxRssMb)} MB (bound: 300 MB; at the peak ${JSON.stringify(runner.atPeak)})`,
      );
      rows.push({
        section: 'migrations (large seed)',
        measure: `${(bytes / 1e6).toFixed(0)} MB seed of ${ROWS.toLocaleString('en-US')} INSERTs, ${config.label}: peak memory`,
        value: `${Math.round(runner.maxRssMb)} MB`,
        ratio: runner.maxRssMb / 300,
        ratioOf: '÷ 300 MB',
        target: '≤ 1',
        met: runner.ok && runner.maxRssMb <= 300,
      });
      if (psqlMs !== undefined) {
        rows.push({
          section: 'migrations (large seed)',
          measure: `${(bytes / 1e6).toFixed(0)} MB seed of ${ROWS.toLocaleString('en-US')} INSERTs, ${config.label}: time ÷ psql -1 -f`,
          value: `${ms(wall)} vs ${ms(psqlMs)}`,
          ratio: wall / psqlMs,
          ratioOf: '÷ psql',
          target: '≤ 1.2',
          met: runner.ok && wall / psqlMs <= 1.2,
          note: "both wall clock, each with its process's start",
        });
      }
    }
    return rows;
  } finally {
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}
