// Connected runs tell the linter which schemas exist (pg_namespace): DROP SCHEMA IF EXISTS of
// a schema that is not there takes no lock and drops nothing, so it is no finding; of one that
// is there, it still is. Against the real test Postgres.
import { afterAll, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const DROP = { 'migrations/0001_cleanup.sql': 'SET lock_timeout = 1000;\nDROP SCHEMA IF EXISTS legacy CASCADE;\n' };

test('DROP SCHEMA IF EXISTS of an absent schema is no finding when connected; of a present one it is', async () => {
  const absent = await createDatabase('schemas_absent', created);
  const clean = await migrate(settings(absent.url, workspace(DROP), { dryRun: true }), new MemoryLog());
  expect(clean.error).toBeUndefined();
  expect(clean.findings.map((f) => f.rule)).not.toContain('ban-drop-schema');

  const present = await createDatabase('schemas_present', created);
  await query(present.url, 'CREATE SCHEMA legacy');
  const flagged = await migrate(settings(present.url, workspace(DROP), { dryRun: true }), new MemoryLog());
  expect(flagged.findings.map((f) => f.rule)).toContain('ban-drop-schema');

  // Offline nothing is known of the database: the drop stays a finding.
  const offline = await migrate(settings('', workspace(DROP), { lintOnly: true }), new MemoryLog());
  expect(offline.findings.map((f) => f.rule)).toContain('ban-drop-schema');
});
