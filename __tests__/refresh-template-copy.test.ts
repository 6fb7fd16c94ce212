// The copy streams a large table with bounded memory, also when the target is slow (a
// trigger that sleeps 2 s at the first row, long enough for production to send the whole
// table, then now and then, as a busy server would): the busy side must slow the other
// down instead of filling memory. Measured in a process of its own, so the test
// runner's own memory does not blur the numbers. Reports rows/s; the comparison with psql's
// \copy pipe is the bench's job (bench/refresh-template.bench.ts), not a test's.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HIGH_WATER_MARK, copyTable, openSource, openTarget } from '../src/refresh-template/copy.js';
import { MemoryLog } from './support/memory-log.js';
import { ROOT } from './support/run-action.js';
import { createDatabase, dropAll, query } from './fixtures/refresh/support.js';

const ROWS = 400_000;
const created: string[] = [];
let probe: string;
let source: { name: string; url: string };
let target: { name: string; url: string };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-copy-probe-'));
  probe = join(dir, 'probe.mjs');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['__tests__/support/copy-probe.ts'],
    outfile: probe,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    external: ['pg-native'],
  });
  source = await createDatabase('rt_big_src', created);
  target = await createDatabase('rt_big_dst', created);
  // About 250 bytes a row: 100 MB of COPY text.
  await query(
    source.url,
    `CREATE TABLE big (id bigint, label text, payload text, at timestamptz);
    INSERT INTO big SELECT g, 'row ' || g, repeat(md5(g::text), 7), timestamptz '2025-01-01' + g * interval '1 second' FROM generate_series(1, ${ROWS}) g`,
  );
  await query(
    target.url,
    `CREATE TABLE big (id bigint, label text, payload text, at timestamptz);
    CREATE TABLE slow (LIKE big);
    CREATE FUNCTION nap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 1 THEN PERFORM pg_sleep(2); ELSIF NEW.id % 100000 = 0 THEN PERFORM pg_sleep(0.3); END IF; RETURN NEW; END $$;
    CREATE TRIGGER nap BEFORE INSERT ON slow FOR EACH ROW EXECUTE FUNCTION nap();`,
  );
}, 120_000);

afterAll(() => dropAll(created));

interface Probe {
  rows: number;
  bytes: number;
  ms: number;
  maxBufferedBytes: number;
  baselineRss: number;
  peakRss: number;
  warnings: string;
}

function runProbe(into: string): Probe {
  const result = spawnSync(process.execPath, ['--expose-gc', probe], {
    env: {
      PATH: process.env.PATH,
      SOURCE_URL: source.url,
      TARGET_URL: target.url,
      COPY_OUT: 'COPY (SELECT id, label, payload, at FROM ONLY public.big t) TO STDOUT',
      COPY_IN: `COPY public.${into} (id, label, payload, at) FROM STDIN`,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Probe;
}

const MB = 1024 * 1024;

test('a large table streams with bounded memory, to a fast target and to a slow one', async () => {
  const fast = runProbe('big');
  const slow = runProbe('slow');
  for (const run of [fast, slow]) {
    expect(run.rows).toBe(ROWS);
    // The pipe never held more than a few highWaterMarks, and the process grew by far less
    // than the data (about 20 MB measured; buffering without bound toward the slow target
    // would hold the whole table, 100 MB, during its first nap).
    expect(run.maxBufferedBytes).toBeLessThan(8 * HIGH_WATER_MARK);
    expect(run.peakRss - run.baselineRss).toBeLessThan(48 * MB);
    expect(run.warnings).toBe('');
  }
  expect(fast.bytes).toBeGreaterThan(90 * MB);
  expect(await query(target.url, 'SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM slow')).toEqual([{ n: ROWS, d: ROWS }]);

  const report = [
    `refresh-template copy of ${ROWS} rows (${(fast.bytes / MB).toFixed(0)} MB):`,
    `fast target ${Math.round(ROWS / (fast.ms / 1000))} rows/s, peak RSS +${((fast.peakRss - fast.baselineRss) / MB).toFixed(1)} MB, pipe at most ${(fast.maxBufferedBytes / MB).toFixed(2)} MB;`,
    `slow target ${Math.round(ROWS / (slow.ms / 1000))} rows/s, peak RSS +${((slow.peakRss - slow.baselineRss) / MB).toFixed(1)} MB, pipe at most ${(slow.maxBufferedBytes / MB).toFixed(2)} MB.`,
  ];
  console.log(report.join('\n'));
}, 120_000);

test('buffers that grow past four highWaterMarks are reported, naming the table and each stage', async () => {
  await query(target.url, 'CREATE TABLE small (id bigint, label text, payload text, at timestamptz)');
  const from = await openSource(source.url);
  const to = await openTarget(target.url);
  const log = new MemoryLog();
  try {
    // A 1 KiB highWaterMark: one 64 KiB socket read alone is more than four of them.
    const stats = await copyTable(from, to, 'COPY (SELECT * FROM big WHERE id <= 5000) TO STDOUT', 'COPY small FROM STDIN', log, 'public.small', 1024);
    expect(stats.rows).toBe(5000);
    expect(stats.maxBufferedBytes).toBeGreaterThan(4 * 1024);
  } finally {
    await from.end();
    await to.end();
  }
  expect(log.text('warning')).toMatch(
    /^public\.small: \d+ bytes waiting in the copy pipe \(source \d+, sink \d+, target socket \d+\); expected at most about 3072\.$/,
  );
  expect(log.lines.filter((line) => line.level === 'warning')).toHaveLength(1);
});
