// Run in a process of its own (bundled on the fly by the big-table test): copies one table
// with refresh-template's copy, sampling the process's memory, and prints what it measured
// as JSON. SOURCE_URL, TARGET_URL, COPY_OUT, COPY_IN come from the environment.
import { copyTable, openSource, openTarget } from '../../src/refresh-template/copy.js';
import { MemoryLog } from './memory-log.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const source = await openSource(env('SOURCE_URL'));
const target = await openTarget(env('TARGET_URL'));
await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
globalThis.gc?.();
const baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
// A collection every 100 ms: the peak then measures what the copy holds, not how far the
// collector lets garbage Buffers pile up on a loaded machine (25-57 MB without it).
let ticks = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (++ticks % 5 === 0) globalThis.gc?.();
}, 20);
const log = new MemoryLog();
const stats = await copyTable(source, target, env('COPY_OUT'), env('COPY_IN'), log, 'probe');
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
await source.query('COMMIT');
await source.end();
await target.end();
process.stdout.write(JSON.stringify({ ...stats, baselineRss, peakRss, warnings: log.text('warning') }));
