// Child process for the memory measurement: applies one migrations directory with the
// built-in runner and prints {ms, maxRssBytes} as JSON (the peak: see peak-rss.ts).
import { migrate, migrateSettings } from '../../src/migrate/index.js';
import { MemoryLog } from '../../__tests__/support/memory-log.js';
import { peakRss } from './peak-rss.js';

const [databaseUrl, workingDirectory, migrationsDir] = process.argv.slice(2);
const peak = peakRss();
const started = performance.now();
const result = await migrate(migrateSettings(databaseUrl!, workingDirectory!, { migrationsDir: migrationsDir!, lint: 'off' }), new MemoryLog());
const ms = performance.now() - started;
const maxRssBytes = peak.stop();
if (!result.ok) {
  process.stderr.write(`migrate failed: ${result.error?.message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ ms, maxRssBytes })}\n`);
