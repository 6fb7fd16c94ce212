// Real projects' histories on the built-in runner: the server version it reads, the layouts
// and version orders of Prisma, Diesel, dbmate, golang-migrate and Flyway, files with their
// own transaction control, encodings, psql meta-commands, and every file problem at once.
import { afterAll, describe, expect, test } from '@jest/globals';
import { MemoryLog } from '../src/shared/log.js';
import { connect, serverVersionNum } from '../src/migrate/db.js';
import { adminUrl, createDatabase, dropAll, query } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

describe('server version', () => {
  test('serverVersionNum reads the number SHOW server_version_num returns', async () => {
    const client = await connect(adminUrl(), new MemoryLog());
    try {
      const version = await serverVersionNum(client);
      const [row] = await query<{ n: string }>(adminUrl(), "SELECT current_setting('server_version_num') AS n");
      expect(version).toBe(Number(row!.n));
      expect(version).toBeGreaterThanOrEqual(120000);
    } finally {
      await client.end();
    }
  });
});
