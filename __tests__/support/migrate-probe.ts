// A child process for the memory tests: one migrate run of a working directory with the
// action's defaults (lint warn, measurement on), printing {ok, error, applied, peakMb} as JSON (peakMb: the process's own high-water mark, VmHWM). The test starts
// it with a small --max-old-space-size: a run that holds a large file's text dies of it. As the
// migrate action does, it keeps libpg-query's parser in V8's baseline compiler (imported first).
import '../../src/shared/with-baseline-wasm.js';
import { readFileSync } from 'node:fs';
import { migrate, migrateSettings } from '../../src/migrate/index.js';
import { MemoryLog } from './memory-log.js';

const [databaseUrl, workingDirectory, migrationsDir, seed] = process.argv.slice(2);
const result = await migrate(
  migrateSettings(databaseUrl!, workingDirectory!, { migrationsDir: migrationsDir!, seed: seed ? [seed] : [], lint: 'warn', analyze: true }),
  new MemoryLog(),
);
const peakKb = Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
process.stdout.write(`${JSON.stringify({ ok: result.ok, error: result.error?.message, applied: result.applied.length, peakMb: Math.round(peakKb / 1024) })}\n`);
