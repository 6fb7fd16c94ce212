// Child process for the memory measurement: applies one migrations directory with the
// built-in runner and prints {ms, maxRssBytes} as JSON (the peak: see peak-rss.ts). It starts
// as the migrate action does: V8 flags that keep libpg-query's parser in the baseline compiler
// first (see src/shared/baseline-wasm.ts); then lint and measurement as asked (default: the
// action's, lint warn and measurement on).
import '../../src/shared/with-baseline-wasm.js';
import { migrate, migrateSettings } from '../../src/migrate/index.js';
import type { MigrateSettings } from '../../src/migrate/types.js';
import { MemoryLog } from '../../__tests__/support/memory-log.js';
import { peakRss } from './peak-rss.js';

const [databaseUrl, workingDirectory, migrationsDir, lint = 'warn', analyze = 'true', seed] = process.argv.slice(2);
const peak = peakRss();
const started = performance.now();
const result = await migrate(
  migrateSettings(databaseUrl!, workingDirectory!, {
    migrationsDir: migrationsDir!,
    lint: lint as MigrateSettings['lint'],
    analyze: analyze === 'true',
    seed: seed ? [seed] : [],
  }),
  new MemoryLog(),
);
const ms = performance.now() - started;
const maxRssBytes = peak.stop();
if (!result.ok) {
  process.stderr.write(`migrate failed: ${result.error?.message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ ms, maxRssBytes })}\n`);
