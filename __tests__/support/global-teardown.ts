export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __testPostgres?: { stop(): Promise<void> } }).__testPostgres;
  if (started) await started.stop();
}
