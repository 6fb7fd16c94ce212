// npm run bench refresh-template: 1,000,000 generated rows (about 250 MB of COPY text)
// streamed by refresh-template's copy (masking two columns in production's SELECT), against
// `pg_dump | pg_restore` of the same table where this machine's pg_dump can dump the server
// (it refuses a newer one), and `psql \copy | psql \copy` where psql is installed. Each
// copy runs into an empty table on the same server; medians of three rounds, as ratios.
// The pipes are two processes joined by Node, never a shell.
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { copyTable, openSource, openTarget } from '../src/refresh-template/copy.js';
import { maskExpression } from '../src/refresh-template/rules.js';
import { MemoryLog } from '../__tests__/support/memory-log.js';
import { quoteIdent } from '../src/shared/naming.js';
import { startEmbeddedPostgres } from '../__tests__/support/test-postgres.mjs';
import { median, ms as formatMs, type BenchRow } from './rows.js';

const ROWS = 1_000_000;
const ROUNDS = 3;

/** `producer | consumer` without a shell: resolves when both exit 0. */
function pipe(producer: string[], consumer: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const from = spawn(producer[0]!, producer.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const to = spawn(consumer[0]!, consumer.slice(1), { env, stdio: ['pipe', 'ignore', 'pipe'] });
  from.stdout.pipe(to.stdin);
  const exited = (child: ReturnType<typeof spawn>, what: string) =>
    new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited ${code}: ${stderr}`))));
    });
  return Promise.all([exited(from, producer[0]!), exited(to, consumer[0]!)]).then(() => undefined);
}

function urlOf(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const major = (text: string) => Number(/(\d+)(\.\d+)?/.exec(text)?.[1] ?? 0);

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const started = process.env.TEST_DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const admin = process.env.TEST_DATABASE_URL ?? started!.url;
  const source = urlOf(admin, 'bench_refresh_src');
  const target = urlOf(admin, 'bench_refresh_dst');
  try {
    for (const name of ['bench_refresh_src', 'bench_refresh_dst']) {
      await run(admin, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await run(admin, `CREATE DATABASE ${quoteIdent(name)}`);
    }
    const table = 'CREATE TABLE big (id bigint, email text, full_name text, payload text, at timestamptz)';
    await run(
      source,
      `${table}; INSERT INTO big SELECT g, 'person' || g || '@corp.example.org', 'Person ' || g, repeat(md5(g::text), 5), timestamptz '2025-01-01' + g * interval '1 second' FROM generate_series(1, ${ROWS}) g`,
    );
    await run(target, table);
    const columns = (
      await (async () => {
        const client = await openSource(source);
        try {
          return (
            await client.query<{ name: string; type: string }>(
              "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'big'::regclass AND attnum > 0 ORDER BY attnum",
            )
          ).rows;
        } finally {
          await client.end();
        }
      })()
    ).map((c) => ({ ...c, category: c.type === 'text' ? 'S' : 'N', notNull: false, generated: false }));
    const select = columns
      .map((c) =>
        maskExpression(
          c.name === 'email' ? { strategy: 'email', deterministic: true } : c.name === 'full_name' ? { strategy: 'name', deterministic: true } : undefined,
          c,
          'bench-salt',
        ),
      )
      .join(', ');

    const server = await (async () => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        return (await client.query<{ v: number }>("SELECT current_setting('server_version_num')::int / 10000 AS v")).rows[0]!.v;
      } finally {
        await client.end();
      }
    })();
    const pgDump = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
    const canDump = pgDump.status === 0 && major(pgDump.stdout) >= server && spawnSync('pg_restore', ['--version']).status === 0;
    const hasPsql = spawnSync('psql', ['--version']).status === 0;

    const ours = (query: string) => async () => {
      const from = await openSource(source);
      const to = await openTarget(target);
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        await from.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const stats = await copyTable(from, to, `COPY (${query}) TO STDOUT`, 'COPY public.big FROM STDIN', new MemoryLog(), 'public.big');
        return { ms: stats.ms, rss: peak - before };
      } finally {
        clearInterval(sampler);
        await from.end();
        await to.end();
      }
    };
    const tools: Array<[string, () => Promise<{ ms: number; rss?: number }>]> = [
      ['refresh-template copy (nothing masked)', ours('SELECT * FROM ONLY public.big t')],
      ['refresh-template copy (2 columns masked)', ours(`SELECT ${select} FROM ONLY public.big t`)],
      ...(canDump
        ? [
            [
              'pg_dump -Fc --data-only | pg_restore',
              async () => {
                const start = performance.now();
                await pipe(['pg_dump', '-Fc', '-Z0', '--data-only', '-t', 'public.big', source], ['pg_restore', '--data-only', '-d', target], process.env);
                return { ms: performance.now() - start };
              },
            ] as [string, () => Promise<{ ms: number }>],
          ]
        : []),
      ...(hasPsql
        ? [
            [
              'psql \\copy | psql \\copy',
              async () => {
                const start = performance.now();
                await pipe(
                  ['psql', '-X', '-q', '-d', source, '-c', '\\copy public.big to stdout'],
                  ['psql', '-X', '-q', '-d', target, '-c', '\\copy public.big from stdin'],
                  process.env,
                );
                return { ms: performance.now() - start };
              },
            ] as [string, () => Promise<{ ms: number }>],
          ]
        : []),
    ];
    console.log(
      `${ROWS} rows, Postgres ${server}; pg_dump ${canDump ? 'runs' : `cannot dump this server (${pgDump.status === 0 ? pgDump.stdout.trim() : 'not installed'})`}; psql ${hasPsql ? 'installed' : 'not installed'}.\n`,
    );
    const times = new Map<string, number[]>();
    const growth = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, copy] of tools) {
        await run(target, 'TRUNCATE big');
        const { ms, rss } = await copy();
        times.set(label, [...(times.get(label) ?? []), ms]);
        if (rss !== undefined) growth.set(label, [...(growth.get(label) ?? []), rss]);
        if (rss !== undefined && round === ROUNDS - 1) console.log(`${label}: peak RSS growth ${(rss / 1024 / 1024).toFixed(1)} MB`);
      }
    }
    const rowsPerSecond = (label: string) => `${Math.round(ROWS / (median(times.get(label)!) / 1000)).toLocaleString('en-US')} rows/s`;
    const anchor = tools.slice(2).at(-1)?.[0];
    for (const [mine] of tools.slice(0, 2)) {
      const peak = Math.max(...growth.get(mine)!);
      rows.push({
        section: 'refresh-template',
        measure: `copy of ${(ROWS / 1e6).toFixed(0)}M rows, ${mine.replace(/^refresh-template copy \((.*)\)$/, '$1')}`,
        value: `${formatMs(median(times.get(mine)!))}, ${rowsPerSecond(mine)}, memory +${(peak / 1e6).toFixed(0)} MB${anchor ? ` (${anchor}: ${formatMs(median(times.get(anchor)!))})` : ''}`,
        ...(anchor ? { ratio: median(times.get(mine)!) / median(times.get(anchor)!), ratioOf: `÷ ${anchor}` } : {}),
        note: mine.includes('masked') ? "masking runs in production's SELECT: the psql pipe masks nothing" : 'median of 3; memory: the largest RSS growth of 3',
      });
    }
    for (const [label] of tools) {
      const ms = median(times.get(label)!);
      console.log(
        `${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${Math.round(ROWS / (ms / 1000))
          .toString()
          .padStart(8)} rows/s`,
      );
    }
    console.log('');
    for (const [mine] of tools.slice(0, 2)) {
      for (const [label] of tools.slice(2)) console.log(`${mine} / ${label}: ${(median(times.get(mine)!) / median(times.get(label)!)).toFixed(2)}`);
    }
    return rows;
  } finally {
    for (const name of ['bench_refresh_src', 'bench_refresh_dst']) await run(admin, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => {});
    await started?.stop();
  }
}
