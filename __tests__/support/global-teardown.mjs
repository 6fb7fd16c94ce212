export default async function globalTeardown() {
  if (globalThis.__testPostgres) await globalThis.__testPostgres.stop();
}
