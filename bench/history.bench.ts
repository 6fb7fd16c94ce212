// npm run bench history: a realistic generated history of a few hundred migrations (see
// history.ts) applied by the built-in runner with measurement off and on, by
// node-pg-migrate, and by the floor (one pg session, one query per file; and psql, one
// session, every file), each on a fresh database, round robin, medians; lint throughput on
// it; and large pg_dump-style data files (DATA_MB and twice that): the runner's time and peak
// memory (in a child process, with the action's defaults and with lint and measurement off)
// against `psql -1 -f` (peak memory through /usr/bin/time) when psql exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { runner as nodePgMigrate } from 'node-pg-migrate';
import { migrate, migrateSettings } from '../src/migrate/index.js';
import { lintMigrations } from '../src/migrate/lint/index.js';
import { MemoryLog } from '../__tests__/support/memory-log.js';
import { quoteIdent } from '../src/shared/naming.js';
import { generateDataFile, generateHistory } from './history.js';
import { freshDatabase, withAdmin } from './migrate.bench.js';
import { median, ms, say, type BenchRow } from './rows.js';

const COUNT = Number(process.env.BENCH_HISTORY_COUNT ?? 300);
const ROUNDS = Number(process.env.BENCH_HISTORY_ROUNDS ?? 3);
const DATA_MB = Number(process.env.BENCH_DATA_MB ?? 40);
const DATA_ROUNDS = Number(process.env.BENCH_DATA_ROUNDS ?? 3);
const root = resolve(import.meta.dirname, '..', '..', '..');

const schemaShape = (url: string) =>
  withAdmin(
    url,
    async (client) =>
      (
        await client.query(
          "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'app_%') || '/' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace) || '/' || (SELECT count(*) FROM pg_type WHERE typtype = 'e' AND typnamespace = 'public'::regnamespace) AS shape",
        )
      ).rows[0].shape as string,
  );

export default async function bench(): Promise<BenchRow[]> {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const work = mkdtempSync(join(tmpdir(), 'preview-db-history-'));
  const databases = new Set<string>();
  const fresh = (name: string) => {
    databases.add(name);
    return freshDatabase(adminUrl, name);
  };
  const rows: BenchRow[] = [];
  try {
    const files = generateHistory(COUNT);
    mkdirSync(join(work, 'history'));
    for (const file of files) writeFileSync(join(work, 'history', file.name), file.sql);
    const statements = files.reduce((sum, file) => sum + file.statements, 0);
    const hasPsql = existsSync('/usr/bin/psql') && spawnSync('psql', ['--version']).status === 0;
    say(`${COUNT} generated migrations (${statements} statements); psql ${hasPsql ? 'present' : 'absent'}`);

    const builtin = async (url: string, analyze: boolean) => {
      const result = await migrate(migrateSettings(url, work, { migrationsDir: 'history', lint: 'off', analyze }), new MemoryLog());
      if (!result.ok || result.applied.length !== COUNT) throw new Error(`built-in runner: ${result.error?.message ?? `${result.applied.length} applied`}`);
    };
    const sqls = files.map((file) => file.sql);
    const contenders: Array<[string, string, (url: string) => Promise<void>]> = [
      ['off', 'built-in runner, measurement off', (url) => builtin(url, false)],
      ['on', 'built-in runner, measurement on', (url) => builtin(url, true)],
      [
        'npm',
        'node-pg-migrate',
        async (url) => {
          const applied = await nodePgMigrate({
            databaseUrl: url,
            dir: join(work, 'history'),
            direction: 'up',
            migrationsTable: 'pgmigrations',
            count: Infinity,
            log: () => {},
            logger: { debug: () => {}, info: () => {}, warn: () => {}, error: console.error },
          });
          if (applied.length !== COUNT) throw new Error(`node-pg-migrate applied ${applied.length}`);
        },
      ],
      [
        'pg',
        'floor: one pg session, one query per file',
        (url) =>
          withAdmin(url, async (client) => {
            for (const sql of sqls) await client.query(sql);
          }),
      ],
      ...(hasPsql
        ? [
            [
              'psql',
              'floor: one psql session, every file',
              async (url: string) => {
                const run = spawnSync(
                  'psql',
                  ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...files.flatMap((file) => ['-f', join(work, 'history', file.name)])],
                  { encoding: 'utf8', maxBuffer: 64 << 20 },
                );
                if (run.status !== 0) throw new Error(`psql: ${run.stderr}`);
              },
            ] as [string, string, (url: string) => Promise<void>],
          ]
        : []),
    ];
    // Warm-up: parser WebAssembly, JIT, connections.
    for (const [key, , run] of contenders) await run(await fresh(`bench_history_${key}`));
    const times = new Map<string, number[]>(contenders.map(([key]) => [key, []]));
    const shapes = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, , run] of contenders) {
        const url = await fresh(`bench_history_${key}`);
        const started = performance.now();
        await run(url);
        times.get(key)!.push(performance.now() - started);
        shapes.add(await schemaShape(url));
      }
    }
    if (shapes.size !== 1) throw new Error(`the contenders built different schemas: ${[...shapes].join(', ')}`);
    const m = (key: string) => median(times.get(key)!);
    for (const [key, label] of contenders)
      say(
        `${label.padEnd(44)} ${ms(m(key))}   (${times
          .get(key)!
          .map((t) => ms(t))
          .join(', ')})`,
      );
    const floor = Math.min(m('pg'), hasPsql ? m('psql') : Infinity);
    rows.push(
      {
        section: 'migrations (history)',
        measure: `${COUNT} migrations, measurement off ÷ floor`,
        value: `${ms(m('off'))} vs ${ms(floor)}`,
        ratio: m('off') / floor,
        ratioOf: '÷ floor',
        target: '≤ 1.3',
        met: m('off') / floor <= 1.3,
      },
      {
        section: 'migrations (history)',
        measure: `${COUNT} migrations, measurement on ÷ floor`,
        value: `${ms(m('on'))} vs ${ms(floor)}`,
        ratio: m('on') / floor,
        ratioOf: '÷ floor',
        target: '≤ 2',
        met: m('on') / floor <= 2,
      },
      {
        section: 'migrations (history)',
        measure: `${COUNT} migrations, measurement off ÷ node-pg-migrate`,
        value: `${ms(m('off'))} vs ${ms(m('npm'))}`,
        ratio: m('off') / m('npm'),
        ratioOf: '÷ node-pg-migrate',
        target: '< 1',
        met: m('off') < m('npm'),
      },
    );

    // Lint throughput on the same history.
    const lintFiles = files.map((file) => ({ path: `history/${file.name}`, sql: file.sql }));
    await lintMigrations(lintFiles.slice(0, 10), { disabled: [], sessionLockTimeout: false, transactionModel: 'per-file' });
    const lintTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      await lintMigrations(lintFiles, { disabled: [], sessionLockTimeout: false, transactionModel: 'per-file' });
      lintTimes.push(performance.now() - started);
    }
    const lintMs = median(lintTimes);
    rows.push({
      section: 'lint',
      measure: `statements per second (${statements} statements)`,
      value: `${Math.round(statements / (lintMs / 1000))}/s (${ms(lintMs)})`,
      note: 'median of 3',
    });

    // Large data files: time and peak memory, the runner (a child process, as the action starts)
    // vs psql -1 -f, at DATA_MB and twice that (memory must not grow with the file), with the
    // action's defaults (lint warn, measurement on) and with both off.
    const child = join(root, 'node_modules', '.cache', 'preview-db-bench', 'migrate-once.mjs');
    await build({
      absWorkingDir: root,
      entryPoints: ['bench/child/migrate-once.ts'],
      outfile: child,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    });
    const hasTime = existsSync('/usr/bin/time');
    const configs = [
      { key: 'defaults', label: 'action defaults (lint warn, measurement on)', args: ['warn', 'true'] },
      { key: 'off', label: 'lint off, measurement off', args: ['off', 'false'] },
    ];
    const peaks = new Map<string, number>();
    for (const size of [DATA_MB, DATA_MB * 2]) {
      const data = generateDataFile(size);
      const dir = `data_${size}`;
      mkdirSync(join(work, dir));
      const dataFile = join(work, dir, '20240101000000_bulk_events.sql');
      writeFileSync(dataFile, data.sql);
      const megabytes = (Buffer.byteLength(data.sql) / 1e6).toFixed(0);
      const ours = new Map<string, Array<{ ms: number; wall: number; rss: number }>>(configs.map((config) => [config.key, []]));
      const psql: Array<{ ms: number; rss: number }> = [];
      for (let round = 0; round < DATA_ROUNDS; round++) {
        for (const config of configs) {
          const url = await fresh('bench_data_ours');
          // Wall clock from the parent: Node's start counts, as psql's does.
          const started = performance.now();
          const run = spawnSync(process.execPath, [child, url, work, dir, ...config.args], { encoding: 'utf8', maxBuffer: 16 << 20 });
          const wall = performance.now() - started;
          if (run.status !== 0) throw new Error(`data file: ${run.stderr}`);
          const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { ms: number; maxRssBytes: number };
          ours.get(config.key)!.push({ ms: result.ms, wall, rss: result.maxRssBytes });
        }
        if (hasPsql) {
          const psqlUrl = await fresh('bench_data_psql');
          const args = ['-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-d', psqlUrl, '-f', dataFile];
          const started = performance.now();
          const timed = hasTime
            ? spawnSync('/usr/bin/time', ['-f', '%M', 'psql', ...args], { encoding: 'utf8', maxBuffer: 16 << 20 })
            : spawnSync('psql', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
          const elapsed = performance.now() - started;
          if (timed.status !== 0) throw new Error(`psql data file: ${timed.stderr}`);
          psql.push({ ms: elapsed, rss: hasTime ? Number(timed.stderr.trim().split('\n').pop()) * 1024 : NaN });
        }
      }
      const psqlMs = psql.length ? median(psql.map((run) => run.ms)) : NaN;
      const psqlRss = psql.length && hasTime ? ` (psql ${(median(psql.map((run) => run.rss)) / 1e6).toFixed(0)} MB)` : '';
      say(`data file ${megabytes} MB (${data.rows} rows): psql ${psql.map((run) => `${ms(run.ms)}/${(run.rss / 1e6).toFixed(0)} MB`).join(', ') || 'skipped'}`);
      for (const config of configs) {
        const runs = ours.get(config.key)!;
        const wall = median(runs.map((run) => run.wall));
        const rss = median(runs.map((run) => run.rss));
        peaks.set(`${config.key}:${size}`, rss);
        say(`  ours, ${config.label}: ${runs.map((run) => `${ms(run.wall)} (in process ${ms(run.ms)})/${(run.rss / 1e6).toFixed(0)} MB`).join(', ')}`);
        rows.push({
          section: 'migrations (data file)',
          measure: `${megabytes} MB COPY file, ${config.label}: peak memory`,
          value: `${(rss / 1e6).toFixed(0)} MB${psqlRss}`,
          ratio: rss / 300e6,
          ratioOf: '÷ 300 MB',
          target: '≤ 1',
          met: rss <= 300e6,
          note: 'the runner in a child process (its whole Node process)',
        });
        rows.push(
          psql.length
            ? {
                section: 'migrations (data file)',
                measure: `${megabytes} MB COPY file, ${config.label}: time ÷ psql -1 -f`,
                value: `${ms(wall)} vs ${ms(psqlMs)}`,
                ratio: wall / psqlMs,
                ratioOf: '÷ psql',
                target: '≤ 1.2',
                met: wall / psqlMs <= 1.2,
                note: "both wall clock, each with its process's start",
              }
            : {
                section: 'migrations (data file)',
                measure: `${megabytes} MB COPY file, ${config.label}: time`,
                value: `${ms(wall)} (psql: skipped, /usr/bin/psql absent)`,
              },
        );
      }
    }
    // Bounded by design: twice the file, (nearly) the same memory.
    for (const config of configs) {
      const growth = peaks.get(`${config.key}:${DATA_MB * 2}`)! / peaks.get(`${config.key}:${DATA_MB}`)!;
      rows.push({
        section: 'migrations (data file)',
        measure: `peak memory, ${DATA_MB * 2} MB file ÷ ${DATA_MB} MB file, ${config.label}`,
        value: `${(peaks.get(`${config.key}:${DATA_MB * 2}`)! / 1e6).toFixed(0)} MB vs ${(peaks.get(`${config.key}:${DATA_MB}`)! / 1e6).toFixed(0)} MB`,
        ratio: growth,
        ratioOf: '÷ half the file',
        target: '≤ 1.2',
        met: growth <= 1.2,
      });
    }
    return rows;
  } finally {
    await withAdmin(adminUrl, async (client) => {
      for (const name of databases) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}
