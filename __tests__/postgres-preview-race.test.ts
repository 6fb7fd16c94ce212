// Twin runs for one pull request race to make the same preview role. A twin must never see
// the role between its CREATE and its mark: it would refuse it as someone else's and fail the
// run (the rare failure of create-branch-postgres's "two racing runs" on a loaded machine).
import pg from 'pg';
import { sql } from './support/sql.js';
import { ensurePreviewRoleRetrying, previewRoleName, roleMark } from '../src/providers/postgres/preview-role.js';
import { MemoryLog } from './support/memory-log.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const PREFIX = 'race_role_db';
const ROUNDS = 6;
const TWINS = 6;

afterAll(async () => {
  for (const { datname } of await sql<{ datname: string }>(adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`)) {
    await sql(adminUrl, `DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
  for (const { rolname } of await sql<{ rolname: string }>(adminUrl, `SELECT rolname FROM pg_roles WHERE rolname LIKE '${PREFIX}%'`)) {
    await sql(adminUrl, `DROP ROLE IF EXISTS ${rolname}`);
  }
});

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

test('twins racing to create the preview role all succeed, and the role always carries its mark', async () => {
  const failures: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const database = `${PREFIX}_${round}`;
    await sql(adminUrl, `CREATE DATABASE ${database}`);
    const role = previewRoleName(database);
    // A watcher that looks for the role without its mark while the twins race.
    let watching = true;
    const unmarkedSightings = withAdmin(async (client) => {
      let seen = 0;
      while (watching) {
        const { rows } = await client.query<{ comment: string | null }>(
          "SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1",
          [role],
        );
        if (rows.length > 0 && rows[0]!.comment !== roleMark(database)) seen++;
      }
      return seen;
    });
    // As the provider calls it: retried while a twin updates the same catalog rows.
    const results = await Promise.allSettled(
      Array.from({ length: TWINS }, () => withAdmin((client) => ensurePreviewRoleRetrying(client, adminUrl, database, Date.now() + 60_000, new MemoryLog()))),
    );
    watching = false;
    for (const result of results) if (result.status === 'rejected') failures.push(`round ${round}: ${(result.reason as Error).message}`);
    const sightings = await unmarkedSightings;
    if (sightings > 0) failures.push(`round ${round}: the role was visible without its mark ${sightings} time(s)`);
    const passwords = new Set(results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.password] : [])));
    expect(passwords.size).toBeLessThanOrEqual(1);
  }
  expect(failures).toEqual([]);
});
