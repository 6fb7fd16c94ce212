// refresh-template: builds `<template>_next` on the preview server from the repository's
// migrations, checks its schema against production, streams production's rows into it
// masked at the source, and swaps it in for `<template>`. Plain settings in, a plain
// result out; never touches @actions/*, so the action and the CLI share it.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { InputError, errorMessage } from '../shared/errors.js';
import { secretsOfUrl } from '../shared/secrets.js';
import { quoteIdent } from '../shared/naming.js';
import type { Log } from '../shared/log.js';
import { connectWithRetry, withDatabase } from '../shared/postgres.js';
import { migrate, migrateSettings, PROFILES } from '../migrate/index.js';
import { readSchema } from '../schema/catalog.js';
import { diffSchemas, type SchemaChange } from '../schema/diff.js';
import { readTables } from './catalog.js';
import { openSource, openTarget } from './copy.js';
import { detectPersonalColumns, type PersonalColumn } from './detect.js';
import { buildPlan } from './plan.js';
import { checkRulesAgainst, parseMaskingRules, type MaskingRules } from './rules.js';
import { createNext, databaseFacts, dropOurs, nextName, oldName, swapIn } from './swap.js';
import { renderRefreshReport } from './report.js';
import { loadRows, type TableReport } from './load.js';
import { checkRefreshSettings, type RefreshSettings } from './settings.js';

export { parseMaskingRules, STRATEGIES } from './rules.js';
export type { PersonalColumn } from './detect.js';
export { renderRefreshReport } from './report.js';
export type { TableReport } from './load.js';

export {
  DEFAULT_MASKING_RULES,
  DEFAULT_PARALLEL,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  SALT_ENV,
  refreshSettings,
  checkRefreshSettings,
  type RefreshSettings,
} from './settings.js';

export interface PhaseTime {
  phase: string;
  ms: number;
}

export interface RefreshResult {
  template: string;
  tables: TableReport[];
  rowsCopied: number;
  bytesCopied: number;
  /** `schema.table.column` with the strategy applied. */
  maskedColumns: Array<{ column: string; strategy: string }>;
  unmaskedPersonalColumns: PersonalColumn[];
  /** Foreign keys a cycle forced to add back after the load. */
  deferredForeignKeys: string[];
  sequences: number;
  phases: PhaseTime[];
  durationSeconds: number;
  /** The swap replaced an existing template (false on the first refresh). */
  replaced: boolean;
  oldDropped: boolean;
  reportMarkdown: string;
}

/** Checks what can be checked without a connection and reads the masking file; throws InputError. */
export function validateRefreshSettings(settings: RefreshSettings): MaskingRules {
  const path = checkRefreshSettings(settings);
  return parseMaskingRules(readFileSync(path, 'utf8'), settings.maskingRules);
}

/** The migration tool's own bookkeeping tables: the template's come from its migrations, not from production. */
function historyTables(settings: RefreshSettings): string[] {
  const tables = [settings.historyTable];
  if (settings.runner !== 'builtin' && settings.runner !== 'command') {
    const own = PROFILES[settings.runner].historyTable;
    if (own) tables.push(own);
  }
  return tables.map((name) => (name.includes('.') ? name : `public.${name}`));
}

async function serverIdentity(client: pg.Client): Promise<{ server: string; database: string }> {
  const { rows } = await client.query<{ started: string; port: number | null; database: string }>(
    'SELECT pg_postmaster_start_time()::text AS started, inet_server_port() AS port, current_database() AS database',
  );
  return { server: `${rows[0]!.started}:${rows[0]!.port}`, database: rows[0]!.database };
}

function describeChange(change: SchemaChange): string {
  if (change.change === 'removed')
    return `production has ${change.kind} ${change.name} (${change.before || change.kind}) that the migrations do not create: production drifted from the repository.`;
  if (change.change === 'added')
    return `the migrations create ${change.kind} ${change.name} (${change.after || change.kind}) that production lacks: a deploy is pending, or production drifted.`;
  return `${change.kind} ${change.name} differs: production has ${change.before}, the migrations give ${change.after}.`;
}

async function timed<T>(phases: PhaseTime[], phase: string, log: Log, body: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await log.group(phase, body);
  } finally {
    phases.push({ phase, ms: performance.now() - started });
  }
}

export async function refreshTemplate(settings: RefreshSettings, log: Log): Promise<RefreshResult> {
  for (const secret of [...secretsOfUrl(settings.sourceUrl), ...secretsOfUrl(settings.postgresUrl)]) log.secret(secret);
  const salt = settings.salt || randomBytes(16).toString('hex');
  log.secret(salt);
  const rules = validateRefreshSettings(settings);
  const started = performance.now();
  const phases: PhaseTime[] = [];
  const template = settings.template;
  const next = nextName(template);
  const ignored = historyTables(settings);
  const deadline = () => Date.now() + 60_000;

  const source = await openSource(settings.sourceUrl);
  let admin: pg.Client | undefined;
  let built = false;
  try {
    // 1. Everything that can refuse, before anything is created.
    const checked = await timed(phases, 'Check', log, async () => {
      const productionTables = await readTables(source);
      const problems = checkRulesAgainst(rules, productionTables);
      if (problems.length > 0) throw new InputError('masking-rules', `${settings.maskingRules} does not match production:\n- ${problems.join('\n- ')}`);
      const tables = [...productionTables.values()].filter((table) => !ignored.includes(table.name));
      const copied = tables.filter((table) => !rules.tables.get(table.name)?.skip);
      const personal = await detectPersonalColumns(source, copied, (table, column) => rules.tables.get(table)?.columns.has(column) ?? false);
      if (personal.length > 0) {
        const list = personal.map((p) => `${p.column} (${p.kind}, by ${p.by})`).join(', ');
        if (settings.requireMaskingRules) {
          throw new Error(
            `${personal.length} column(s) look personal and have no masking rule: ${list}. Give each a rule in ${settings.maskingRules} (\`keep\` when it is not personal); require-masking-rules is true, so nothing was copied.`,
          );
        }
        log.warning(
          `${personal.length} column(s) look personal and have no masking rule, so they are copied as they are: ${list}. Give each a rule in ${settings.maskingRules} (\`keep\` when it is not personal).`,
          { title: 'Unmasked personal-looking columns' },
        );
      }
      admin = await connectWithRetry(settings.postgresUrl, deadline(), log, 'preview server');
      const { rows } = await admin.query<{ can: boolean }>('SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user');
      if (!rows[0]?.can) throw new InputError('postgres-url', 'its role may not create databases. Use a role with CREATEDB that owns the template.');
      const [production, preview] = [await serverIdentity(source), await serverIdentity(admin)];
      if (production.server === preview.server && [template, next, oldName(template)].includes(production.database)) {
        throw new InputError(
          'template',
          `'${template}' is production's own database (source-url) on the same server. Refusing: the swap would replace production.`,
        );
      }
      const lock = await admin.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext('preview-db refresh-template'), hashtext($1)) AS locked", [
        template,
      ]);
      if (!lock.rows[0]!.locked) throw new Error(`Another refresh of '${template}' is running on this server. Wait for it to finish.`);
      const current = await databaseFacts(admin, template);
      if (current.exists && !current.mayOwn)
        throw new InputError(
          'template',
          `'${template}' is owned by another role; postgres-url's role must own it to swap it (ALTER DATABASE ${quoteIdent(template)} OWNER TO <that role>).`,
        );
      for (const leftover of [next, oldName(template)]) {
        const facts = await databaseFacts(admin, leftover);
        if (facts.exists && !facts.ours)
          throw new InputError(
            'template',
            `database '${leftover}' exists and was not built by refresh-template. Rename or drop it: this action needs the name.`,
          );
      }
      // Every table's SELECT (masking expressions, where) planned by production, not run:
      // a typo in the masking file fails here, before anything is created.
      const plan = buildPlan(tables, rules, salt);
      for (const t of plan.tables) {
        try {
          await source.query(`EXPLAIN ${t.select}`);
        } catch (error) {
          throw new InputError(
            'masking-rules',
            `${settings.maskingRules}: the SELECT for ${t.table.name} does not plan on production: ${errorMessage(error)}. Check its sql expressions and where.`,
          );
        }
      }
      return { personal, plan };
    });

    // 2. The schema from the repository, compared with production's.
    await timed(phases, 'Schema', log, async () => {
      for (const leftover of [next, oldName(template)]) await dropOurs(admin!, leftover);
      await createNext(admin!, template);
      built = true;
      log.info(`Created '${next}'; applying the migrations (${settings.runner}).`);
      const nextUrl = withDatabase(settings.postgresUrl, next);
      // Inside this phase's group: the migrate core's own groups become plain lines (groups do not nest).
      const flat: Log = {
        info: (m) => log.info(m),
        warning: (m, w) => log.warning(m, w),
        notice: (m, w) => log.notice(m, w),
        error: (m, w) => log.error(m, w),
        debug: (m) => log.debug(m),
        secret: (v) => log.secret(v),
        group: (title, body) => (log.info(title), body()),
      };
      const migrated = await migrate(
        migrateSettings(nextUrl, settings.workingDirectory, {
          runner: settings.runner,
          migrationsDir: settings.migrationsDir,
          command: settings.command,
          historyTable: settings.historyTable,
          lint: 'off',
        }),
        flat,
      );
      if (!migrated.ok) throw new Error(`The migrations failed on '${next}': ${migrated.error?.message ?? 'see the log'}`);
      const target = await openTarget(nextUrl);
      try {
        const changes = diffSchemas(await readSchema(source, { ignoreTables: ignored }), await readSchema(target, { ignoreTables: ignored }));
        if (changes.length > 0) {
          throw new Error(
            `The schema the migrations build differs from production's in ${changes.length} object(s), so no data was copied:\n- ${changes.map(describeChange).join('\n- ')}`,
          );
        }
      } finally {
        await target.end().catch(() => {});
      }
      log.info(`'${next}' has production's schema (${migrated.applied.length} migration(s) applied).`);
    });

    // 3. The rows, masked in production's SELECT.
    const plan = checked.plan;
    const { reports, sequences } = await timed(phases, 'Copy', log, () =>
      loadRows(withDatabase(settings.postgresUrl, next), settings.sourceUrl, settings.parallel, plan, source, log),
    );

    // 4. The swap.
    const swapped = await timed(phases, 'Swap', log, async () => {
      const outcome = await swapIn(admin!, template, Date.now() + settings.waitTimeoutSeconds * 1000, log);
      built = false;
      log.info(
        `'${template}' now holds the refreshed data${outcome.replaced ? `; the previous template was ${outcome.oldDropped ? 'dropped' : `kept as '${oldName(template)}'`}` : ''}.`,
      );
      return outcome;
    });

    const maskedColumns = [...rules.tables.values()].flatMap((rule) =>
      [...rule.columns]
        .filter(([, column]) => column.strategy !== 'keep')
        .map(([name, column]) => ({ column: `${rule.table}.${name}`, strategy: column.strategy })),
    );
    const result: Omit<RefreshResult, 'reportMarkdown'> = {
      template,
      tables: reports,
      rowsCopied: reports.reduce((sum, t) => sum + t.rows, 0),
      bytesCopied: reports.reduce((sum, t) => sum + t.bytes, 0),
      maskedColumns,
      unmaskedPersonalColumns: checked.personal,
      deferredForeignKeys: plan.deferred.map((fk) => `${fk.table}.${fk.name}`),
      sequences,
      phases,
      durationSeconds: Math.round((performance.now() - started) / 100) / 10,
      replaced: swapped.replaced,
      oldDropped: swapped.oldDropped,
    };
    return { ...result, reportMarkdown: renderRefreshReport(result) };
  } catch (error) {
    if (built && admin) {
      // The previous template was never touched; the half-built one goes.
      await dropOurs(admin, next).catch((dropError) =>
        log.warning(`Could not drop the half-built '${next}': ${errorMessage(dropError)}. The next refresh drops it.`),
      );
    }
    throw error;
  } finally {
    await source.end().catch(() => {});
    if (admin) await (admin as pg.Client).end().catch(() => {});
  }
}
