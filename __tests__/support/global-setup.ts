import { startEmbeddedPostgres } from './test-postgres.js';

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const started = await startEmbeddedPostgres();
  process.env.TEST_DATABASE_URL = started.url;
  (globalThis as { __testPostgres?: typeof started }).__testPostgres = started;
}
