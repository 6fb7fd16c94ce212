// The preview server's side: the half-built `<template>_next`, its mark, and the swap that
// puts it in place of the template in one transaction.
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../shared/naming.js';
import { sleep } from '../shared/retry.js';
import type { Log } from '../shared/log.js';
import { nextName, oldName } from './settings.js';

/** The comment on databases this action builds. Not a preview's mark: cleanup never takes them. */
export const REFRESH_MARK = 'refreshed-by=preview-db';

export { nextName, oldName } from './settings.js';

export interface DatabaseFacts {
  exists: boolean;
  ours: boolean;
  isTemplate: boolean;
  /** postgres-url's role may rename and drop it (owner, member of the owner, or superuser). */
  mayOwn: boolean;
}

export async function databaseFacts(admin: pg.Client, name: string): Promise<DatabaseFacts> {
  const { rows } = await admin.query<{ comment: string | null; is_template: boolean; may_own: boolean }>(
    `SELECT shobj_description(d.oid, 'pg_database') AS comment, d.datistemplate AS is_template,
            pg_has_role(current_user, d.datdba, 'MEMBER') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS may_own
       FROM pg_database d WHERE d.datname = $1`,
    [name],
  );
  const row = rows[0];
  return { exists: !!row, ours: !!row?.comment?.startsWith(REFRESH_MARK), isTemplate: !!row?.is_template, mayOwn: !!row?.may_own };
}

export async function createNext(admin: pg.Client, template: string): Promise<void> {
  const next = nextName(template);
  await admin.query(`CREATE DATABASE ${quoteIdent(next)}`);
  await admin.query(
    `COMMENT ON DATABASE ${quoteIdent(next)} IS ${quoteLiteral(`${REFRESH_MARK}; template=${template}; started-at=${new Date().toISOString()}`)}`,
  );
}

/** Drops a database this action built (connections to it are ended first). */
export async function dropOurs(admin: pg.Client, name: string): Promise<void> {
  const facts = await databaseFacts(admin, name);
  if (!facts.exists) return;
  if (!facts.ours) throw new Error(`refusing to drop '${name}': it was not built by refresh-template (no ${REFRESH_MARK} comment).`);
  if (facts.isTemplate) await admin.query(`ALTER DATABASE ${quoteIdent(name)} IS_TEMPLATE false`);
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

async function sessionsOn(admin: pg.Client, database: string): Promise<Array<{ pid: number; user: string; application: string }>> {
  const { rows } = await admin.query<{ pid: number; usename: string | null; application_name: string | null }>(
    'SELECT pid, usename, application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows.map((row) => ({ pid: row.pid, user: row.usename ?? '?', application: row.application_name || '?' }));
}

export interface SwapOutcome {
  /** Seconds spent waiting for sessions on the old template to leave. */
  waitedSeconds: number;
  replaced: boolean;
  oldDropped: boolean;
}

/**
 * Waits (until `deadline`) for every session on the old template to leave, then in one
 * transaction renames it to `<template>_old` and `<template>_next` to `<template>`, and
 * drops the old one. A session that stays past the deadline fails the swap and changes nothing.
 */
export async function swapIn(admin: pg.Client, template: string, deadline: number, log: Log): Promise<SwapOutcome> {
  const started = Date.now();
  const next = nextName(template);
  const old = oldName(template);
  for (let attempt = 1; ; attempt++) {
    const current = await databaseFacts(admin, template);
    const sessions = current.exists ? await sessionsOn(admin, template) : [];
    if (sessions.length > 0) {
      if (Date.now() >= deadline) {
        const who = sessions
          .slice(0, 5)
          .map((s) => `pid ${s.pid} (${s.user}, ${s.application})`)
          .join(', ');
        throw new Error(
          `template '${template}' still has ${sessions.length} connected session(s) after wait-timeout: ${who}. Postgres cannot rename a database in use; the previous template is left as it was. Stop what connects to the template (it should be a database applications never use), or raise wait-timeout.`,
        );
      }
      if (attempt === 1) log.info(`Waiting for ${sessions.length} session(s) on '${template}' to leave before the swap.`);
      await sleep(Math.min(1000, Math.max(50, deadline - Date.now())));
      continue;
    }
    try {
      await admin.query('BEGIN');
      if (current.exists) {
        await admin.query(`ALTER DATABASE ${quoteIdent(template)} RENAME TO ${quoteIdent(old)}`);
        // Marked as ours, so a later run may drop it should this run's drop fail.
        await admin.query(
          `COMMENT ON DATABASE ${quoteIdent(old)} IS ${quoteLiteral(`${REFRESH_MARK}; template=${template}; replaced-at=${new Date().toISOString()}`)}`,
        );
      }
      await admin.query(`ALTER DATABASE ${quoteIdent(next)} RENAME TO ${quoteIdent(template)}`);
      await admin.query('COMMIT');
    } catch (error) {
      await admin.query('ROLLBACK').catch(() => {});
      // 55006: a session connected between the check and the rename; wait again.
      if ((error as { code?: string }).code === '55006' && Date.now() < deadline) continue;
      throw error;
    }
    if (current.isTemplate) {
      await admin.query(`ALTER DATABASE ${quoteIdent(template)} IS_TEMPLATE true`);
      await admin.query(`ALTER DATABASE ${quoteIdent(old)} IS_TEMPLATE false`);
    }
    let oldDropped = false;
    if (current.exists) {
      try {
        await admin.query(`DROP DATABASE ${quoteIdent(old)}`);
        oldDropped = true;
      } catch (error) {
        log.warning(
          `The new template is in place, but the old one, now '${old}', could not be dropped (${(error as Error).message}). The next refresh drops it; or run DROP DATABASE ${quoteIdent(old)}.`,
        );
      }
    }
    return { waitedSeconds: (Date.now() - started) / 1000, replaced: current.exists, oldDropped };
  }
}
