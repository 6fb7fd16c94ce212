import { startEmbeddedPostgres } from './test-postgres.mjs';

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const started = await startEmbeddedPostgres();
  process.env.TEST_DATABASE_URL = started.url;
  globalThis.__testPostgres = started;
}
