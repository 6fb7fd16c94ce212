// The one Postgres module, against the real test server: connecting, which errors a retry can
// outlive, telling a lost session apart, describing a target, reading the server's version.
import { expect, test } from '@jest/globals';
import pg from 'pg';
import { MemoryLog } from './support/memory-log.js';
import { DeadlineExceededError } from '../src/shared/retry.js';
import {
  classifyPostgresError,
  connectWithRetry,
  describeTarget,
  isConnectionLoss,
  isTransientPostgresError,
  serverVersionNum,
  withCredentials,
} from '../src/shared/postgres.js';
import { freePort } from './support/test-postgres.mjs';

const url = process.env.TEST_DATABASE_URL!;

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

test('reads the server version as a number (SHOW server_version_num answers in a column of that name)', async () => {
  const client = await connectWithRetry(url, Date.now() + 30_000, new MemoryLog());
  try {
    const version = await serverVersionNum(client);
    const { rows } = await client.query<{ major: string }>("SELECT split_part(current_setting('server_version'), '.', 1) AS major");
    expect(Math.floor(version / 10000)).toBe(Number(rows[0]!.major));
    expect(version).toBeGreaterThanOrEqual(120000);
  } finally {
    await client.end();
  }
});

test('a wrong password fails at once, is not retried, and is no connection loss', async () => {
  const log = new MemoryLog();
  const started = Date.now();
  const error = await errorOf(connectWithRetry(withCredentials(url, 'nobody_here', 'wrong-password'), Date.now() + 30_000, log));
  expect((error as { code?: string }).code).toBe('28P01');
  expect(classifyPostgresError(error)).toEqual({ retry: false });
  expect(isConnectionLoss(error)).toBe(false);
  // Retried errors are logged; this one never was.
  expect(log.text()).not.toMatch(/retrying/);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test('a refused port is transient: retried until the deadline, then reported with the last error', async () => {
  const port = await freePort();
  const log = new MemoryLog();
  const error = await errorOf(connectWithRetry(`postgres://app:secret@127.0.0.1:${port}/app`, Date.now() + 1_500, log, 'The database'));
  expect(error).toBeInstanceOf(DeadlineExceededError);
  expect(String((error as DeadlineExceededError).lastError)).toMatch(/ECONNREFUSED/);
  expect(log.text()).toMatch(/The database not reachable yet \(ECONNREFUSED/);
});

test('a session the server ends is a connection loss and transient; a syntax error is neither', async () => {
  const victim = new pg.Client({ connectionString: url });
  const ended = new Promise<void>((resolve) => victim.on('error', () => resolve()));
  await victim.connect();
  const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const syntax = await errorOf(victim.query('SELEC 1'));
  expect((syntax as { code?: string }).code).toBe('42601');
  expect(isConnectionLoss(syntax)).toBe(false);
  expect(isTransientPostgresError(syntax)).toBe(false);
  const killer = new pg.Client({ connectionString: url });
  await killer.connect();
  try {
    await killer.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await killer.end();
  }
  // Ended while idle: once the client has seen it, node-postgres refuses the next query without a SQLSTATE.
  await ended;
  const lost = await errorOf(victim.query('SELECT 1'));
  expect(lost.message).toMatch(/not queryable/);
  expect(isConnectionLoss(lost)).toBe(true);
  expect(isTransientPostgresError(lost)).toBe(true);
  await victim.end().catch(() => {});
});

test('a session ended in the middle of a statement is a connection loss (57P01)', async () => {
  const victim = new pg.Client({ connectionString: url, application_name: 'shared-postgres-victim' });
  victim.on('error', () => {});
  await victim.connect();
  const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const running = errorOf(victim.query('SELECT pg_sleep(30)'));
  const killer = new pg.Client({ connectionString: url });
  await killer.connect();
  try {
    // Wait until the sleep is really running, then end that backend.
    for (let i = 0; i < 200; i++) {
      const { rows } = await killer.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rows[0]?.state === 'active') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await killer.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await killer.end();
  }
  const lost = await running;
  expect(isConnectionLoss(lost)).toBe(true);
  expect(isTransientPostgresError(lost)).toBe(true);
  await victim.end().catch(() => {});
});

test('too many connections is transient but no loss: that session never existed', () => {
  const error = Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
  expect(isTransientPostgresError(error)).toBe(true);
  expect(isConnectionLoss(error)).toBe(false);
});

test('a target is described without its credentials', () => {
  expect(describeTarget('postgres://app:s3cret-value@db.example.test:6543/app_db?sslmode=require')).toBe('db.example.test:6543/app_db');
  expect(describeTarget('not a url')).toBe('the database');
});
