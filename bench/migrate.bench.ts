// npm run bench migrate: 1,000 generated, realistic migrations applied to an empty database
// by the built-in runner (analyze off), by node-pg-migrate (its SQL migrations), and by the
// floor: every file sent in one session as plain multi-statement queries, no bookkeeping
// (through pg, and through psql when the machine has it). Each on a fresh database, in one run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runner as nodePgMigrate } from 'node-pg-migrate';
import { migrate, migrateSettings, type MigrateSettings } from '../src/migrate/index.js';
import { MemoryLog } from '../__tests__/support/memory-log.js';
import { quoteIdent } from '../src/shared/naming.js';
import { startEmbeddedPostgres } from '../__tests__/support/test-postgres.mjs';
import type { BenchRow } from './rows.js';

const COUNT = 1000;
// 7 rounds steady the median on a busy machine; BENCH_MIGRATE_ROUNDS (or BENCH_ROUNDS) trades that for time.
const ROUNDS = Number(process.env.BENCH_MIGRATE_ROUNDS ?? process.env.BENCH_ROUNDS ?? 7);

/** Tables grow by columns, indexes and rows, the way an application's history does. */
export function generateMigrations(count: number): Array<{ name: string; sql: string }> {
  const files: Array<{ name: string; sql: string }> = [];
  const tables: Array<{ name: string; columns: string[] }> = [];
  for (let i = 0; i < count; i++) {
    const version = String(1_700_000_000_000 + i);
    const kind = tables.length === 0 || i % 8 === 0 ? 'table' : ['column', 'index', 'insert', 'column', 'insert', 'comment', 'index'][i % 7]!;
    const table = tables[(i * 7) % Math.max(1, tables.length)];
    let sql: string;
    let name: string;
    if (kind === 'table' || !table) {
      const t = { name: `entity_${tables.length}`, columns: ['name', 'status'] };
      tables.push(t);
      name = `create_${t.name}`;
      sql = `-- ${name}\nCREATE TABLE ${t.name} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  name text NOT NULL,\n  status text NOT NULL DEFAULT 'active',\n  created_at timestamptz NOT NULL DEFAULT now(),\n  updated_at timestamptz\n);\nCOMMENT ON TABLE ${t.name} IS 'Entity ${tables.length}';\n`;
    } else if (kind === 'column') {
      const column = `attr_${i}`;
      table.columns.push(column);
      name = `add_${column}_to_${table.name}`;
      sql = `ALTER TABLE ${table.name} ADD COLUMN ${column} text;\nALTER TABLE ${table.name} ADD COLUMN ${column}_count integer NOT NULL DEFAULT 0;\n`;
    } else if (kind === 'index') {
      const column = table.columns[i % table.columns.length]!;
      name = `index_${table.name}_${column}`;
      sql = `CREATE INDEX IF NOT EXISTS ${table.name}_${column}_${i}_idx ON ${table.name} (${column});\n`;
    } else if (kind === 'insert') {
      name = `seed_${table.name}_${i}`;
      const rows = Array.from({ length: 20 }, (_, r) => `('${table.name} row ${i}-${r}', '${r % 3 === 0 ? 'archived' : 'active'}')`).join(',\n  ');
      sql = `INSERT INTO ${table.name} (name, status) VALUES\n  ${rows};\nUPDATE ${table.name} SET updated_at = now() WHERE status = 'archived';\n`;
    } else {
      name = `document_${table.name}_${i}`;
      sql = `COMMENT ON COLUMN ${table.name}.status IS 'Lifecycle state, revision ${i}';\n`;
    }
    files.push({ name: `${version}_${name}.sql`, sql });
  }
  return files;
}

export async function withAdmin<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  await withAdmin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function timed(label: string, body: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await body();
  const ms = performance.now() - started;
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s`);
  return ms;
}

async function tableCount(url: string): Promise<number> {
  return withAdmin(url, async (client) =>
    Number((await client.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'entity_%'")).rows[0].n),
  );
}

export default async function bench(): Promise<BenchRow[]> {
  const started = process.env.TEST_DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const adminUrl = process.env.TEST_DATABASE_URL ?? started!.url;
  const work = mkdtempSync(join(tmpdir(), 'preview-db-bench-'));
  const rows: BenchRow[] = [];
  try {
    const files = generateMigrations(COUNT);
    const dir = join(work, 'migrations');
    mkdirSync(dir);
    for (const file of files) writeFileSync(join(dir, file.name), file.sql);
    mkdirSync(join(work, 'warmup'));
    for (const file of generateMigrations(20)) writeFileSync(join(work, 'warmup', file.name), file.sql);
    const statements = files.reduce((sum, file) => sum + file.sql.split(';\n').length - 1, 0);
    console.log(`${COUNT} migrations (${statements} statements), each tool on a fresh database:\n`);

    const settings = (databaseUrl: string, lint: 'off' | 'warn', analyze = false): MigrateSettings =>
      migrateSettings(databaseUrl, work, { migrationsDir: 'migrations', lint, analyze });

    const tools = {
      builtin: async (url: string, migrationsDir: string, count: number, lint: 'off' | 'warn' = 'off', analyze = false) => {
        const result = await migrate({ ...settings(url, lint, analyze), migrationsDir }, new MemoryLog());
        if (!result.ok || result.applied.length !== count) throw new Error(`built-in runner: ${result.error?.message ?? `${result.applied.length} applied`}`);
      },
      nodePgMigrate: async (url: string, migrationsDir: string, count: number) => {
        const applied = await nodePgMigrate({
          databaseUrl: url,
          dir: join(work, migrationsDir),
          direction: 'up',
          migrationsTable: 'pgmigrations',
          count: Infinity,
          log: () => {},
          logger: { debug: () => {}, info: () => {}, warn: () => {}, error: console.error },
        });
        if (applied.length !== count) throw new Error(`node-pg-migrate applied ${applied.length}`);
      },
      floorPg: async (url: string, migrationsDir: string) => {
        const sqls = readdirSync(join(work, migrationsDir))
          .sort()
          .map((name) => readFileSync(join(work, migrationsDir, name), 'utf8'));
        await withAdmin(url, async (client) => {
          for (const sql of sqls) await client.query(sql);
        });
      },
      floorPsql: async (url: string, migrationsDir: string) => {
        const args = [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-d',
          url,
          ...readdirSync(join(work, migrationsDir))
            .sort()
            .flatMap((name) => ['-f', join(work, migrationsDir, name)]),
        ];
        const run = spawnSync('psql', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        if (run.status !== 0) throw new Error(`psql failed: ${run.stderr}`);
      },
    };
    const hasPsql = spawnSync('psql', ['--version']).status === 0;

    // A cold process first loads the Postgres parser (WebAssembly) and JIT-compiles it; that
    // one-time start-up is shown on its own, then every tool is warmed up on a small set.
    const coldUrl = await freshDatabase(adminUrl, 'bench_cold');
    await timed('built-in runner, cold start, 20 migrations', () => tools.builtin(coldUrl, 'warmup', 20));
    for (const [name, run] of Object.entries(tools)) {
      if (name === 'floorPsql' && !hasPsql) continue;
      await run(await freshDatabase(adminUrl, 'bench_warmup'), 'warmup', 20);
    }
    console.log('');

    // Round robin, fresh database each time; the median of the rounds is what counts, so a
    // noisy neighbour on the machine does not decide the ratio.
    const contenders: Array<[string, string, (url: string) => Promise<void>]> = [
      ['builtin', 'preview-db built-in runner (analyze off)', (url) => tools.builtin(url, 'migrations', COUNT)],
      ['linted', '  same, with lint on (for reference)', (url) => tools.builtin(url, 'migrations', COUNT, 'warn')],
      ['measured', '  same, with lint and measurement (analyze)', (url) => tools.builtin(url, 'migrations', COUNT, 'warn', true)],
      ['nodePg', 'node-pg-migrate (SQL migrations, API)', (url) => tools.nodePgMigrate(url, 'migrations', COUNT)],
      ['floorPg', 'floor: one pg session, one query per file', (url) => tools.floorPg(url, 'migrations')],
      ...(hasPsql
        ? [
            ['floorPsql', 'floor: one psql session, every file (-f)', (url: string) => tools.floorPsql(url, 'migrations')] as [
              string,
              string,
              (url: string) => Promise<void>,
            ],
          ]
        : []),
    ];
    const times = new Map<string, number[]>(contenders.map(([key]) => [key, []]));
    const tables = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, , run] of contenders) {
        const url = await freshDatabase(adminUrl, `bench_${key.toLowerCase()}`);
        const started = performance.now();
        await run(url);
        times.get(key)!.push(performance.now() - started);
        tables.set(key, await tableCount(url));
      }
    }
    if (new Set(tables.values()).size !== 1) throw new Error(`the runs built different schemas: ${JSON.stringify(Object.fromEntries(tables))}`);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [key, label] of contenders) {
      console.log(
        `${label.padEnd(44)} ${(median(times.get(key)!) / 1000).toFixed(2).padStart(6)} s   (rounds: ${times
          .get(key)!
          .map((ms) => (ms / 1000).toFixed(2))
          .join(', ')})`,
      );
    }
    const builtin = median(times.get('builtin')!);
    const linted = median(times.get('linted')!);
    const nodePg = median(times.get('nodePg')!);
    const floorPg = median(times.get('floorPg')!);
    const floorPsql = hasPsql ? median(times.get('floorPsql')!) : undefined;
    const floor = Math.min(floorPg, floorPsql ?? Infinity);
    console.log('');
    console.log(`builtin / node-pg-migrate   ${(builtin / nodePg).toFixed(2)}   (target < 1)`);
    console.log(`builtin / floor             ${(builtin / floor).toFixed(2)}   (target <= 1.3; floor = the faster of pg and psql)`);
    console.log(`builtin with lint / floor   ${(linted / floor).toFixed(2)}`);
    const measured = median(times.get('measured')!);
    console.log(`measurement adds            ${((measured - linted) / floor).toFixed(2)} x the floor   (target <= 1; measured - linted)`);
    const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
    rows.push(
      {
        section: 'migrations (1,000 set)',
        measure: 'built-in runner ÷ node-pg-migrate',
        value: `${seconds(builtin)} vs ${seconds(nodePg)}`,
        ratio: builtin / nodePg,
        ratioOf: '÷ node-pg-migrate',
        target: '< 1',
        met: builtin < nodePg,
      },
      {
        section: 'migrations (1,000 set)',
        measure: 'built-in runner ÷ floor',
        value: `${seconds(builtin)} vs ${seconds(floor)}`,
        ratio: builtin / floor,
        ratioOf: '÷ floor',
        target: '≤ 1.3',
        met: builtin / floor <= 1.3,
        note: 'floor = the faster of pg and psql',
      },
      {
        section: 'migrations (1,000 set)',
        measure: 'built-in runner with lint ÷ floor',
        value: `${seconds(linted)} vs ${seconds(floor)}`,
        ratio: linted / floor,
        ratioOf: '÷ floor',
      },
      {
        section: 'migrations (1,000 set)',
        measure: 'measurement adds (measured − linted) ÷ floor',
        value: `${seconds(measured)} vs ${seconds(linted)}`,
        ratio: (measured - linted) / floor,
        ratioOf: '÷ floor',
        target: '≤ 1',
        met: (measured - linted) / floor <= 1,
      },
    );

    await withAdmin(adminUrl, async (client) => {
      for (const name of ['bench_cold', 'bench_warmup', 'bench_builtin', 'bench_linted', 'bench_measured', 'bench_nodepg', 'bench_floorpg', 'bench_floorpsql'])
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
    await started?.stop();
  }
  return rows;
}
