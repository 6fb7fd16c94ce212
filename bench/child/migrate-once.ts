// Child process for the memory measurement: applies one migrations directory with the
// built-in runner and prints {ms, maxRssBytes} as JSON.
import { migrate, migrateSettings } from '../../src/migrate/index.js';
import { MemoryLog } from '../../__tests__/support/memory-log.js';

const [databaseUrl, workingDirectory, migrationsDir] = process.argv.slice(2);
const started = performance.now();
const result = await migrate(migrateSettings(databaseUrl!, workingDirectory!, { migrationsDir: migrationsDir!, lint: 'off' }), new MemoryLog());
const ms = performance.now() - started;
if (!result.ok) {
  process.stderr.write(`migrate failed: ${result.error?.message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
