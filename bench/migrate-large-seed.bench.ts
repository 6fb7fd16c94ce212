// npm run bench migrate-large-seed: a 40 MB seed of 400,000 INSERTs, generated into a temp
// directory, applied by the built-in runner in a process of its own (its peak RSS is that
// process's), and by `psql -1 -f` when the machine has psql. Reports time ratios and memory.
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

const ROWS = 400_000;
const PSQL = '/usr/bin/psql';

/** Runs in the child process: one migrate run with the seed, its time and peak RSS as JSON. */
export async function child(url: string, dir: string): Promise<void> {
  const started = performance.now();
  const ownPeak = peakRss();
  // Where the peak is: sampled every 50 ms (the heap and what lives outside it).
  let peak = process.memoryUsage();
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, 50);
  const result = await migrate(migrateSettings(url, dir, { seed: ['seed.sql'], lint: 'off' }), new MemoryLog());
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

export default async function bench(): Promise<void> {
  const server = await startEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-bench-seed-'));
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const urlOf = (name: string) => Object.assign(new URL(server.url), { pathname: `/${name}` }).toString();
  try {
    const bytes = generate(dir);
    await admin.query('CREATE DATABASE bench_seed_runner');
    const self = fileURLToPath(import.meta.url);
    const script = `const { child } = await import(${JSON.stringify(`file://${self}`)}); await child(process.argv[1], process.argv[2]);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, urlOf('bench_seed_runner'), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const runner = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
      ok: boolean;
      error?: string;
      ms: number;
      maxRssMb: number;
      atPeak: Record<string, number>;
    };
    console.log(`seed: ${ROWS.toLocaleString('en-US')} INSERTs, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(
      `built-in runner: ${runner.ok ? 'ok' : `failed (${runner.error})`}, ${(runner.ms / 1000).toFixed(1)} s, peak RSS ${Math.round(runner.maxRssMb)} MB (bound: 300 MB; at the peak ${JSON.stringify(runner.atPeak)})`,
    );
    if (existsSync(PSQL)) {
      await admin.query('CREATE DATABASE bench_seed_psql');
      const url = new URL(urlOf('bench_seed_psql'));
      const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
      url.password = '';
      const psql = (file: string) => spawnSync(PSQL, ['-q', '-X', '-v', 'ON_ERROR_STOP=1', '-1', '-d', url.toString(), '-f', file], { env, encoding: 'utf8' });
      psql(join(dir, 'migrations/1_events.sql'));
      const started = performance.now();
      const done = psql(join(dir, 'seed.sql'));
      const ms = performance.now() - started;
      console.log(`psql -1 -f: ${done.status === 0 ? 'ok' : 'failed'}, ${(ms / 1000).toFixed(1)} s`);
      console.log(`ratio runner / psql -1 -f: ${(runner.ms / ms).toFixed(2)}`);
    } else {
      console.log('psql -1 -f: not on this machine (no ratio)');
    }
  } finally {
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}
