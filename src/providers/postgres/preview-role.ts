// A role of its own for each Postgres preview, so a pull request's job gets credentials
// that reach its preview and nothing else on the shared server: the role owns the preview
// database and everything in it, and no other role may connect to it.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { MANAGED_BY, quoteIdent, quoteLiteral, shortHash } from '../../shared/naming.js';
import type { Log } from '../../shared/log.js';
import { connectWithRetry, describeUrl, withDatabase } from '../../shared/postgres.js';
import { withRetries } from '../../shared/retry.js';

const MAX_IDENTIFIER = 63;
const SUFFIX = '_owner';

/** `preview_pr_42` → `preview_pr_42_owner`; long names are cut and keep a hash. */
export function previewRoleName(database: string): string {
  if (database.length + SUFFIX.length <= MAX_IDENTIFIER) return `${database}${SUFFIX}`;
  return `${database.slice(0, MAX_IDENTIFIER - SUFFIX.length - 9)}_${shortHash(database)}${SUFFIX}`;
}

/**
 * Derived, not stored: every run (a later push, a twin) computes the same password from the
 * admin credentials, and only someone who holds those can.
 */
export function previewRolePassword(adminUrl: string, role: string): string {
  const { user, password } = describeUrl(adminUrl);
  return createHmac('sha256', `${user}:${password}`).update(`preview-db role ${role}`).digest('base64url');
}

/**
 * The SCRAM-SHA-256 verifier Postgres stores for a password (RFC 5802/7677), computed here so
 * the password itself never travels as SQL text that a server's statement log could keep.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export function roleMark(database: string): string {
  return `managed-by=${MANAGED_BY}; database=${database}`;
}

/** Whether `postgres-url`'s role may create the preview's own role. */
export async function canCreateRoles(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ can: boolean }>('SELECT rolcreaterole OR rolsuper AS can FROM pg_roles WHERE rolname = current_user');
  return Boolean(rows[0]?.can);
}

/** Everything in the database not yet owned by the preview role: schemas first, then what lives in them. */
const TRANSFER_OWNERSHIP = `
DO $transfer$
DECLARE
  target regrole := %ROLE%::regrole;
  item record;
BEGIN
  FOR item IN
    SELECT 1 AS step, format('ALTER SCHEMA %I OWNER TO %I', n.nspname, target) AS statement
      FROM pg_namespace n
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       AND n.nspowner NOT IN (target, 'pg_database_owner'::regrole)
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 2, format('ALTER %s %I.%I OWNER TO %I',
                     CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                     n.nspname, c.relname, target)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       AND c.relowner <> target
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
    UNION ALL
    SELECT 3, format('ALTER %s %s OWNER TO %I', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, p.oid::regprocedure, target)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND p.proowner <> target
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 4, format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, target)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND t.typowner <> target
       AND (t.typtype IN ('d', 'e', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    ORDER BY 1
  LOOP
    EXECUTE item.statement;
  END LOOP;
END
$transfer$`;

/**
 * Creates (or brings up to date) the preview's role, gives it the database and everything
 * in it, and closes the database to every other role. Idempotent and twin-safe.
 */
export async function ensurePreviewRole(
  admin: pg.Client,
  adminUrl: string,
  database: string,
  deadline: number,
  log: Log,
): Promise<{ role: string; password: string }> {
  const role = previewRoleName(database);
  const password = previewRolePassword(adminUrl, role);
  log.secret(password);
  const { rows } = await admin.query<{ comment: string | null }>("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1", [
    role,
  ]);
  if (rows.length > 0 && rows[0]!.comment !== roleMark(database)) {
    throw new Error(
      `role '${role}' already exists and is not the preview role of '${database}' (no preview-db mark); refusing to take it over. Drop or rename it.`,
    );
  }
  if (rows.length === 0) {
    // Role and mark in one transaction: a twin never sees the role without its mark (and would
    // otherwise refuse it as someone else's).
    try {
      await admin.query('BEGIN');
      await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(scramVerifier(password))}`);
      await admin.query(`COMMENT ON ROLE ${quoteIdent(role)} IS ${quoteLiteral(roleMark(database))}`);
      await admin.query('COMMIT');
    } catch (error) {
      await admin.query('ROLLBACK').catch(() => {});
      // 42710: a twin created it first; 23505: its insert into pg_authid won the race.
      if (!['42710', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  } else {
    await admin.query(`ALTER ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(scramVerifier(password))}`);
  }
  // Postgres 16+: a role with CREATEROLE may hand objects to a role only as a member of it.
  const { rows: superuser } = await admin.query<{ su: boolean }>('SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user');
  if (!superuser[0]?.su)
    await admin.query(`GRANT ${quoteIdent(role)} TO CURRENT_USER`).catch((error: Error) => log.debug(`GRANT ${role} TO CURRENT_USER: ${error.message}`));
  await admin.query(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${quoteIdent(role)}`);
  await admin.query(`REVOKE ALL ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);
  const inside = await connectWithRetry(withDatabase(adminUrl, database), deadline, log, `preview database '${database}'`);
  try {
    await inside.query(TRANSFER_OWNERSHIP.replace('%ROLE%', quoteLiteral(role)));
  } finally {
    await inside.end().catch(() => {});
  }
  return { role, password };
}

/** `ensurePreviewRole`, again while a twin run hands the same objects over at the same moment (until `deadline`). */
export function ensurePreviewRoleRetrying(
  admin: pg.Client,
  adminUrl: string,
  database: string,
  deadline: number,
  log: Log,
): Promise<{ role: string; password: string }> {
  return withRetries(() => ensurePreviewRole(admin, adminUrl, database, deadline, log), {
    deadline,
    // 40001/40P01: serialization or deadlock with the twin; XX000: "tuple concurrently updated" on the same catalog row.
    classify: (error) =>
      ['40001', '40P01', 'XX000'].includes((error as { code?: string }).code ?? '') ? { retry: true, reason: (error as Error).message } : { retry: false },
  });
}

/**
 * Drops the preview's role after its database, only if it carries the mark for that
 * database. The database is what costs: a role that cannot be dropped (postgres-url without
 * CREATEROLE) is a warning, and the next run tries again.
 */
export async function dropPreviewRole(admin: pg.Client, database: string, log: Log): Promise<boolean> {
  const role = previewRoleName(database);
  const { rows } = await admin.query<{ comment: string | null }>("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1", [
    role,
  ]);
  if (rows.length === 0 || rows[0]!.comment !== roleMark(database)) return false;
  try {
    await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    return true;
  } catch (error) {
    log.warning(`Dropped database '${database}' but not its role '${role}': ${(error as Error).message}. postgres-url's role needs CREATEROLE to drop it.`);
    return false;
  }
}
