// What a run costs on the wire before and after its migrations: the round trips of a whole run
// (connect, read the history, plan, lock, history table, apply, unlock), counted by a proxy that
// reads the Postgres protocol. On a database a region away each is tens of milliseconds, paid on
// every push: a first run (no history table yet), a run with one new file, and a run with nothing to do.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { startWireCounter, type WireCounter } from './support/wire-counter.js';
import { migrate } from '../src/migrate/index.js';
import { APPLICATION_NAME } from '../src/migrate/db.js';
import { createDatabase, adminUrl, dropAll, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
let counter: WireCounter;
beforeAll(async () => {
  counter = await startWireCounter(adminUrl());
});
afterAll(async () => {
  await counter.close();
  await dropAll(created);
});

test('a run costs a handful of round trips besides its migrations: first run, a later push, and a run with nothing to do', async () => {
  const db = await createDatabase('mig_fixed_trips', created);
  const files: Record<string, string> = {
    'migrations/001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY);',
    'migrations/002_posts.sql': 'CREATE TABLE posts (id int PRIMARY KEY);',
  };
  const run = async (cwd: string) => {
    const before = counter.trips().get(APPLICATION_NAME) ?? 0;
    const result = await migrate(settings(counter.url(db.name), cwd, { analyze: false, lint: 'warn' }), new MemoryLog());
    expect(result.error).toBeUndefined();
    return { applied: result.applied.length, trips: (counter.trips().get(APPLICATION_NAME) ?? 0) - before };
  };
  const first = await run(workspace(files));
  const later = await run(workspace({ ...files, 'migrations/003_tags.sql': 'CREATE TABLE tags (id int PRIMARY KEY);' }));
  const idle = await run(workspace({ ...files, 'migrations/003_tags.sql': 'CREATE TABLE tags (id int PRIMARY KEY);' }));
  expect([first.applied, later.applied, idle.applied]).toEqual([2, 1, 0]);
  // first: server version and history table (one trip), tables for lint, lock, history table check,
  //   its creation, the migrations (one batch), unlock: 7 (it was 13).
  // later: the same with the history read before the lock and again under it, no creation: 8 (was 12).
  // idle: version and history table, history, tables for lint; nothing pending, so no lock: 3 (was 11).
  expect({ first: first.trips, later: later.trips, idle: idle.trips }).toEqual({ first: 7, later: 8, idle: 3 });
}, 60_000);
