// The child process of bench/lint.bench.ts: lints a history directory the way the actions do
// (read every file, one lintMigrations call) and prints timings as JSON. Run by node, bundled.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintMigrations } from '../src/migrate/lint/index.js';
import { splitStatements } from '../src/migrate/sql.js';

const dir = process.argv[2]!;
const started = performance.now();
const directories = readdirSync(dir).sort();
const files = directories.map((name) => ({ path: `prisma/migrations/${name}/migration.sql`, sql: readFileSync(join(dir, name, 'migration.sql'), 'utf8') }));
const findings = await lintMigrations(files, { disabled: [], sessionLockTimeout: false, transactionModel: 'per-file' });
const lintMs = performance.now() - started;
let statements = 0;
if (process.env.COUNT_STATEMENTS) for (const file of files) statements += (await splitStatements(file.sql)).length;
process.stdout.write(JSON.stringify({ lintMs, findings: findings.length, statements, maxRssKb: process.resourceUsage().maxRSS }));
