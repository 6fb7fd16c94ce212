// refresh-template's core against the real test Postgres: one database plays production,
// the same server plays the preview server. Foreign-key order and cycles, every masking
// strategy, determinism, subsets with their foreign-key closure, drift, failures that leave
// the previous template untouched, and the swap with a connected session.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { refreshTemplate, refreshSettings, type RefreshResult, type RefreshSettings } from '../src/refresh-template/index.js';
import { MemoryLog } from './support/memory-log.js';
import { InputError } from '../src/shared/errors.js';
import {
  MASKING,
  MIGRATIONS,
  USERS,
  adminUrl,
  databaseExists,
  dropAll,
  dropDatabases,
  dumpText,
  production,
  query,
  templateName,
  urlFor,
  workspace,
} from './fixtures/refresh/support.js';

const created: string[] = [];
const templates: string[] = [];
const held: pg.Client[] = [];
let prod: { name: string; url: string };

beforeAll(async () => {
  prod = await production('rt_prod', created);
}, 60_000);

afterAll(async () => {
  for (const client of held) await client.end().catch(() => {});
  await dropDatabases(templates);
  await dropAll(created);
});

function setup(
  masking: string,
  overrides: Partial<RefreshSettings> = {},
  migrations: Record<string, string> = MIGRATIONS,
): { settings: RefreshSettings; template: string } {
  const template = templateName('rt_tpl');
  templates.push(template);
  const dir = workspace({ ...migrations, 'preview-db.masking.yml': masking });
  return { template, settings: refreshSettings(overrides.sourceUrl ?? prod.url, adminUrl(), template, dir, { waitTimeoutSeconds: 10, ...overrides }) };
}

async function refresh(settings: RefreshSettings, log = new MemoryLog()): Promise<{ result: RefreshResult; log: MemoryLog }> {
  const result = await refreshTemplate(settings, log);
  return { result, log };
}

async function failure(settings: RefreshSettings): Promise<{ error: Error; log: MemoryLog }> {
  const log = new MemoryLog();
  const error = await refreshTemplate(settings, log).then(
    () => undefined,
    (e: Error) => e,
  );
  if (!error) throw new Error('the refresh was expected to fail');
  return { error, log };
}

const rows = <T = Record<string, unknown>>(database: string, sql: string) => query<T>(urlFor(database), sql);

describe('a full refresh with every masking strategy', () => {
  let template: string;
  let result: RefreshResult;
  let log: MemoryLog;
  beforeAll(async () => {
    const made = setup(MASKING, { salt: 'salt-for-tests-0001' });
    template = made.template;
    ({ result, log } = await refresh(made.settings));
  }, 60_000);

  test('copies every table in foreign-key order, defers the cycle, and reports rows and bytes', async () => {
    expect(await databaseExists(template)).toBe(true);
    expect(await databaseExists(`${template}_next`)).toBe(false);
    const byTable = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
    expect(byTable).toEqual({ 'public.audit_log': 0, 'public.countries': 2, 'public.orders': 1000, 'public.orgs': 5, 'public.users': USERS });
    const order = result.tables.map((t) => t.table);
    expect(order.indexOf('public.users')).toBeLessThan(order.indexOf('public.orders'));
    expect(result.deferredForeignKeys.sort()).toEqual(['public.orgs.orgs_owner_fk', 'public.users.users_manager_id_fkey', 'public.users.users_org_id_fkey']);
    expect(result.rowsCopied).toBe(1207);
    expect(result.bytesCopied).toBeGreaterThan(10_000);
    // Every foreign key is back, validated.
    const fks = await rows<{ name: string; valid: boolean }>(
      template,
      "SELECT conname AS name, convalidated AS valid FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
    );
    expect(fks).toEqual([
      { name: 'audit_log_user_id_fkey', valid: true },
      { name: 'orders_user_id_fkey', valid: true },
      { name: 'orgs_owner_fk', valid: true },
      { name: 'users_manager_id_fkey', valid: true },
      { name: 'users_org_id_fkey', valid: true },
    ]);
    expect(result.phases.map((p) => p.phase)).toEqual(['Check', 'Schema', 'Copy', 'Swap']);
    expect(result.reportMarkdown).toMatch(/\| `public.users` \| 200 \|/);
  });

  test('production rows replace what the migrations inserted; triggers did not fire again and are back on; sequences follow production', async () => {
    expect(await rows(template, 'SELECT code FROM countries ORDER BY 1')).toEqual([{ code: 'AA' }, { code: 'BB' }]);
    const [{ sum }] = (await rows<{ sum: string }>(template, 'SELECT sum(total)::text AS sum FROM orders')) as [{ sum: string }];
    const [{ sum: prodSum }] = (await query<{ sum: string }>(prod.url, 'SELECT sum(total)::text AS sum FROM orders')) as [{ sum: string }];
    expect(sum).toBe(prodSum);
    expect(await rows(template, "SELECT tgenabled FROM pg_trigger WHERE tgname = 'orders_touch'")).toEqual([{ tgenabled: 'O' }]);
    const [{ id }] = (await rows<{ id: string }>(template, 'INSERT INTO orders (user_id, total) VALUES (1, 1) RETURNING id::text')) as [{ id: string }];
    expect(Number(id)).toBe(1001);
    expect(await rows(template, 'SELECT count(*)::int AS n FROM preview_db_migrations')).toEqual([{ n: 1 }]);
  });

  test('every strategy masks as documented', async () => {
    const users = await rows<Record<string, any>>(template, 'SELECT * FROM users ORDER BY id');
    const original = await query<Record<string, any>>(prod.url, 'SELECT * FROM users ORDER BY id');
    expect(users).toHaveLength(USERS);
    users.forEach((user, i) => {
      const before = original[i]!;
      expect(user.id).toBe(before.id);
      expect(user.email).toMatch(/^user_[0-9a-f]{16}@example\.com$/);
      expect(user.full_name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(user.phone).toMatch(/^\+1555\d{7}$/);
      expect(user.street).toMatch(/^\d{1,4} [A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(user.password_hash).toBe('x');
      expect(user.api_token).toMatch(/^[0-9a-f]{64}$/);
      expect(Math.abs(user.birthday.getTime() - before.birthday.getTime())).toBeLessThanOrEqual(30 * 86400_000);
      expect(Math.abs(user.signed_up_at.getTime() - before.signed_up_at.getTime())).toBeLessThanOrEqual(2 * 86400_000);
      expect(user.nickname).toBeNull();
      expect(user.notes).toBe(`note for ${before.id}`);
      expect(user.last_ip).toBe('192.0.2.1');
      expect(user.plan).toBe(before.plan);
      expect(user.score).toBe(before.score);
    });
    // Shifted dates move, not all by the same amount.
    expect(new Set(users.map((u, i) => u.birthday.getTime() - original[i]!.birthday.getTime())).size).toBeGreaterThan(10);
    expect(new Set(users.map((u) => u.email)).size).toBe(USERS);
    expect(result.maskedColumns).toContainEqual({ column: 'public.users.email', strategy: 'email' });
    expect(result.maskedColumns.map((m) => m.column)).not.toContain('public.users.plan');
  });

  test('no unmasked value reaches the template or the log', async () => {
    const text = await dumpText(template);
    expect(text).toContain('note for 1');
    expect(text).not.toMatch(/ORIG/);
    expect(log.text()).not.toMatch(/ORIG/);
    expect(result.reportMarkdown).not.toMatch(/ORIG/);
  });

  test('deterministic masking keeps joins: the same address masks the same in two tables', async () => {
    const joined = await rows<{ n: number }>(
      template,
      'SELECT count(*)::int AS n FROM orders o JOIN users u ON u.id = o.user_id WHERE o.contact_email = u.email',
    );
    expect(joined).toEqual([{ n: 1000 }]);
  });

  test('the same salt gives the same output on the next refresh; another salt does not', async () => {
    const again = setup(MASKING, { salt: 'salt-for-tests-0001' });
    await refresh(again.settings);
    const other = setup(MASKING, { salt: 'salt-for-tests-0002' });
    await refresh(other.settings);
    const emails = (db: string) => rows<{ email: string }>(db, 'SELECT email FROM users ORDER BY id');
    expect(await emails(again.template)).toEqual(await emails(template));
    const changed = await emails(other.template);
    expect(changed).toHaveLength(USERS);
    expect(changed).not.toEqual(await emails(template));
  }, 60_000);
});

test('a subset keeps its rows plus every row they reference: through foreign keys, a self reference, and the orgs-users cycle', async () => {
  // The masking rules of the full refresh, with subsets: users limited to 3, orders, audit_log and orgs by a condition.
  const subsets = MASKING.replace('      plan: keep\n', '      plan: keep\n    limit: 3\n')
    .replace('  public.orders:\n    columns:', '  public.orders:\n    where: "id <= 20"\n    columns:')
    .replace('  public.audit_log:\n    skip: true\n', '  public.audit_log:\n    where: "id <= 3"\n  public.orgs:\n    where: "id = 5"\n');
  expect(subsets).toMatch(/limit: 3\n[\s\S]*where: "id <= 20"[\s\S]*where: "id <= 3"[\s\S]*where: "id = 5"/);
  const { settings, template } = setup(subsets);
  const { result } = await refresh(settings);
  const byTable = Object.fromEntries(result.tables.map((t) => [t.table, t]));

  // The closure computed independently: users 1-3, the users of orders 1-20 and of audit rows 1-3,
  // org 5; then, until nothing changes, each kept user's org and manager, each kept org's owner.
  const users = new Map(
    (await query<{ id: number; org_id: number; manager_id: number | null }>(prod.url, 'SELECT id, org_id, manager_id FROM users')).map((u) => [u.id, u]),
  );
  const owners = new Map((await query<{ id: number; owner_id: number }>(prod.url, 'SELECT id, owner_id FROM orgs')).map((o) => [o.id, o.owner_id]));
  const keptUsers = new Set<number>([
    1,
    2,
    3,
    ...(await query<{ u: number }>(prod.url, 'SELECT user_id AS u FROM orders WHERE id <= 20 UNION SELECT user_id FROM audit_log WHERE id <= 3')).map(
      (r) => r.u,
    ),
  ]);
  const keptOrgs = new Set<number>([5]);
  for (let size = -1; size !== keptUsers.size + keptOrgs.size;) {
    size = keptUsers.size + keptOrgs.size;
    for (const id of [...keptUsers]) {
      keptOrgs.add(users.get(id)!.org_id);
      if (users.get(id)!.manager_id !== null) keptUsers.add(users.get(id)!.manager_id!);
    }
    for (const id of keptOrgs) keptUsers.add(owners.get(id)!);
  }
  expect(byTable['public.orders']!.rows).toBe(20);
  expect(byTable['public.audit_log']!.rows).toBe(3);
  expect((await rows<{ id: number }>(template, 'SELECT id FROM users ORDER BY id')).map((u) => u.id)).toEqual([...keptUsers].sort((a, b) => a - b));
  expect((await rows<{ id: number }>(template, 'SELECT id FROM orgs ORDER BY id')).map((o) => o.id)).toEqual([...keptOrgs].sort((a, b) => a - b));
  expect(keptUsers.size).toBeLessThan(USERS);
  expect(byTable['public.users']!.subsetRows).toBe(3);
  expect(byTable['public.users']!.why).toMatch(/^limit 3: 3 row\(s\); \+\d+ referenced by /);
  expect(byTable['public.countries']!.why).toBe('whole table');
  // Every constraint holds in the template (they were validated when added back).
  expect(await rows(template, "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")).toEqual([]);
}, 60_000);

test('personal-looking columns without a rule are listed; with require-masking-rules nothing is created', async () => {
  const { settings, template } = setup('tables: {}\n', { requireMaskingRules: true });
  const { error, log } = await failure(settings);
  for (const column of [
    'public.users.email',
    'public.users.full_name',
    'public.users.phone',
    'public.users.street',
    'public.users.api_token',
    'public.users.password_hash',
    'public.users.nickname',
    'public.users.notes',
    'public.users.last_ip',
    'public.orders.contact_email',
  ]) {
    expect(error.message).toContain(column);
  }
  expect(error.message).toMatch(/public\.users\.notes \(email, by values\)/);
  expect(error.message).not.toMatch(/public\.users\.(plan|score|id)\b/);
  expect(error.message).not.toMatch(/ORIG/);
  expect(log.text()).not.toMatch(/ORIG/);
  expect(await databaseExists(`${template}_next`)).toBe(false);
  expect(await databaseExists(template)).toBe(false);

  // Without require-masking-rules they are a warning, and an output.
  const relaxed = setup('tables:\n  public.audit_log:\n    skip: true\n');
  const { result, log: relaxedLog } = await refresh(relaxed.settings);
  expect(result.unmaskedPersonalColumns.map((p) => p.column)).toEqual(expect.arrayContaining(['public.users.email', 'public.orders.contact_email']));
  expect(relaxedLog.text('warning')).toMatch(/look personal and have no masking rule/);
}, 60_000);

test('a rule naming a missing column, or a strategy its type cannot take, fails before anything is created', async () => {
  const { settings, template } = setup(
    'tables:\n  users:\n    columns:\n      e_mail: email\n      score: name\n      email: "null"\n  public.nope: { skip: true }\n',
  );
  const { error } = await failure(settings);
  expect(error).toBeInstanceOf(InputError);
  expect(error.message).toMatch(/public\.users\.e_mail: no such column in production/);
  expect(error.message).toMatch(/public\.users\.score: strategy name needs a text column/);
  expect(error.message).toMatch(/public\.users\.email: strategy null on a NOT NULL column/);
  expect(error.message).toMatch(/public\.nope: no such table/);
  expect(await databaseExists(`${template}_next`)).toBe(false);

  const bad = setup('tables:\n  users:\n    columns:\n      email: scramble\n');
  expect((await failure(bad.settings)).error.message).toMatch(
    /Input 'masking-rules': preview-db\.masking\.yml: tables\.users\.columns\.email: 'scramble' is not a strategy/,
  );
});

test('a URL that cannot be parsed, or a template name with a newline, is refused naming the input, without quoting the URL', async () => {
  const password = 'p#ss@w/rd-not-real';
  const unencoded = prod.url.replace(/\/\/([^:]+):[^@]*@/, `//$1:${password}@`);
  expect(unencoded).toContain(password);
  const cases: Array<[Partial<RefreshSettings>, RegExp]> = [
    [{ sourceUrl: unencoded }, /^Input 'source-url': cannot be parsed as a URL\. Percent-encode/],
    [{ postgresUrl: 'postgres://admin:x@[::1/postgres' }, /^Input 'postgres-url': cannot be parsed as a URL/],
    [{ template: 'app\n::warning::x' }, /^Input 'template': "app\\n::warning::x" has a control character/],
    [{ template: ' app_template' }, /^Input 'template': .* surrounding spaces/],
  ];
  for (const [overrides, message] of cases) {
    const { settings } = setup('tables: {}\n');
    const { error, log } = await failure({ ...settings, ...overrides });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(message);
    expect(`${error.message}\n${log.text()}`).not.toContain(password);
    expect(await databaseExists(`${settings.template}_next`)).toBe(false);
  }
});

test('schema drift fails naming each object, drops the half-built template and leaves the old one untouched', async () => {
  const drifted = await production('rt_drift', created, 'ALTER TABLE users ADD COLUMN legacy_flag boolean; CREATE INDEX users_plan ON users (plan);');
  const { settings, template } = setup(MASKING, { sourceUrl: drifted.url });
  await query(adminUrl(), `CREATE DATABASE "${template}"`);
  await query(urlFor(template), "CREATE TABLE keepsake (note text); INSERT INTO keepsake VALUES ('previous template')");
  const { error } = await failure(settings);
  expect(error.message).toMatch(/differs from production's in 2 object/);
  expect(error.message).toMatch(/production has column public\.users\.legacy_flag \(boolean\) that the migrations do not create/);
  expect(error.message).toMatch(/production has index public\.users_plan/);
  expect(await databaseExists(`${template}_next`)).toBe(false);
  expect(await rows(template, 'SELECT note FROM keepsake')).toEqual([{ note: 'previous template' }]);
}, 60_000);

test('a copy that fails halfway leaves the previous template untouched', async () => {
  const { settings, template } = setup(MASKING);
  await refresh(settings);
  const before = await rows(template, 'SELECT id, email FROM users ORDER BY id');
  // Division by zero at the 150th user: production's SELECT fails in the middle of the stream.
  const broken = setup(MASKING.replace(`notes: { sql: "'note for ' || id" }`, `notes: { sql: "(100 / (id - 150))::text" }`));
  const { error, log } = await failure({ ...broken.settings, template });
  expect(error.message).toMatch(/copying public\.users failed: division by zero/);
  expect(await databaseExists(`${template}_next`)).toBe(false);
  expect(await rows(template, 'SELECT id, email FROM users ORDER BY id')).toEqual(before);
  expect(log.text()).not.toMatch(/ORIG/);
}, 60_000);

test('the swap waits for a session on the old template; one that stays past wait-timeout fails the swap and changes nothing', async () => {
  const { settings, template } = setup(MASKING, { waitTimeoutSeconds: 2 });
  await refresh(settings);
  // A preview cloned from the template before the refresh keeps working after it.
  const preview = `${template}_pv`;
  templates.push(preview);
  await query(adminUrl(), `CREATE DATABASE "${preview}" TEMPLATE "${template}"`);

  const session = new pg.Client({ connectionString: urlFor(template) });
  session.on('error', () => {});
  await session.connect();
  held.push(session);
  const stuck = await failure(settings);
  expect(stuck.error.message).toMatch(new RegExp(`template '${template}' still has 1 connected session\\(s\\) after wait-timeout`));
  expect(await databaseExists(`${template}_next`)).toBe(false);
  expect(await databaseExists(template)).toBe(true);

  // A session that leaves within wait-timeout: the swap waits for it, then goes ahead. The session
  // leaves once the swap says it is waiting (not after a fixed time, which a loaded machine outruns).
  class LeavingWhenWaited extends MemoryLog {
    override info(message: string): void {
      super.info(message);
      if (message.startsWith('Waiting for 1 session(s) on')) setTimeout(() => void session.end().catch(() => {}), 300);
    }
  }
  const { result, log } = await refresh({ ...settings, waitTimeoutSeconds: 60 }, new LeavingWhenWaited());
  expect(log.text()).toMatch(/Waiting for 1 session\(s\) on/);
  expect(result.replaced).toBe(true);
  expect(result.oldDropped).toBe(true);
  expect(await databaseExists(`${template}_old`)).toBe(false);
  expect(await rows(preview, 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: USERS }]);
}, 90_000);

describe('other shapes: partitions, a two-table cycle, an existing IS_TEMPLATE template', () => {
  const SHAPES = {
    'migrations/0001_shapes.sql': `
CREATE TABLE events (id int NOT NULL, at date NOT NULL, who text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE a (id int PRIMARY KEY, b_id int);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));
ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id);
CREATE SEQUENCE counter;
CREATE MATERIALIZED VIEW event_count AS SELECT count(*)::int AS n FROM events;
CREATE TABLE private_notes (id int PRIMARY KEY, owner name NOT NULL DEFAULT current_user);
ALTER TABLE private_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON private_notes USING (owner = current_user);
`,
  };
  const DATA = `
INSERT INTO events SELECT g, date '2024-06-01' + g * 3, 'ORIGwho' || g FROM generate_series(1, 100) g;
INSERT INTO a (id) SELECT g FROM generate_series(1, 10) g;
INSERT INTO b SELECT g, g FROM generate_series(1, 10) g;
UPDATE a SET b_id = id;
INSERT INTO private_notes (id) SELECT g FROM generate_series(1, 4) g;
REFRESH MATERIALIZED VIEW event_count;
`;
  let shapes: { name: string; url: string };
  beforeAll(async () => {
    shapes = await production('rt_shapes', created, '', SHAPES, DATA);
  });
  const shaped = (masking: string) => setup(masking, { sourceUrl: shapes.url }, SHAPES);

  test('partitioned tables are copied through their root into the right partitions, read-only and from one repeatable-read snapshot; IS_TEMPLATE stays', async () => {
    const { settings, template } = shaped(
      `tables:\n  events:\n    columns:\n      who: { sql: "current_setting('transaction_read_only') || ' ' || current_setting('transaction_isolation')" }\n`,
    );
    await query(adminUrl(), `CREATE DATABASE "${template}" IS_TEMPLATE true`);
    const { result } = await refresh(settings);
    expect(result.tables.map((t) => [t.table, t.rows])).toEqual([
      ['public.a', 10],
      ['public.b', 10],
      ['public.events', 100],
      ['public.private_notes', 4],
    ]);
    expect(await rows(template, 'SELECT n FROM event_count')).toEqual([{ n: 100 }]);
    expect(await rows(template, 'SELECT DISTINCT who FROM events')).toEqual([{ who: 'on repeatable read' }]);
    expect(
      await rows(
        template,
        'SELECT (SELECT count(*) FROM events_2024)::int + (SELECT count(*) FROM events_2025)::int AS n, (SELECT count(*) FROM events_2025)::int > 0 AS both',
      ),
    ).toEqual([{ n: 100, both: true }]);
    expect(await query(adminUrl(), 'SELECT datistemplate FROM pg_database WHERE datname = $1', [template])).toEqual([{ datistemplate: true }]);
    expect(result.deferredForeignKeys.sort()).toEqual(['public.a.a_b_fk', 'public.b.b_a_id_fkey']);
  }, 60_000);

  test('production stays read-only: a masking expression that would write fails the refresh and changes nothing there', async () => {
    const { settings, template } = shaped(`tables:\n  events:\n    columns:\n      who: { sql: "nextval('counter')::text" }\n`);
    const { error } = await failure(settings);
    expect(error.message).toMatch(/cannot execute nextval\(\) in a read-only transaction/);
    expect(await query(shapes.url, 'SELECT last_value::int AS v, is_called FROM counter')).toEqual([{ v: 1, is_called: false }]);
    expect(await databaseExists(template)).toBe(false);
    expect(await databaseExists(`${template}_next`)).toBe(false);
  }, 60_000);

  test('a role that row-level security would show only part of a table fails the refresh instead of copying part of it', async () => {
    const role = `rt_rls_${process.pid}`;
    await query(adminUrl(), `CREATE ROLE ${role} LOGIN PASSWORD 'rls-reader-not-real'`);
    try {
      await query(shapes.url, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const url = new URL(shapes.url);
      url.username = role;
      url.password = 'rls-reader-not-real';
      const { settings, template } = shaped('tables: {}\n');
      const { error } = await failure({ ...settings, sourceUrl: url.toString() });
      // The sample that detection reads already meets it, before anything is created.
      expect(error.message).toMatch(
        /reading a sample of public\.private_notes on production failed: query would be affected by row-level security policy for table "private_notes"/,
      );
      expect(await databaseExists(template)).toBe(false);
      expect(await databaseExists(`${template}_next`)).toBe(false);
    } finally {
      await query(shapes.url, `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
      await query(adminUrl(), `DROP ROLE ${role}`);
    }
  }, 60_000);

  test("subsets close over a cycle of two tables: each keeps the rows the other one's kept rows reference", async () => {
    const { settings, template } = shaped('tables:\n  events: { limit: 5 }\n  a: { limit: 3 }\n  b: { where: "id = 7" }\n');
    const { result } = await refresh(settings);
    const byTable = Object.fromEntries(result.tables.map((t) => [t.table, t]));
    // a: 1, 2, 3 (limit) and 7 (b 7 references it); b: 7 (where) and 1, 2, 3 (a 1-3 reference them).
    expect(await rows(template, 'SELECT id FROM a ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 7 }]);
    expect(await rows(template, 'SELECT id FROM b ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 7 }]);
    expect(byTable['public.a']!.why).toBe('limit 3: 3 row(s); +1 referenced by public.b');
    expect(byTable['public.b']!.why).toBe('where id = 7: 1 row(s); +3 referenced by public.a');
    expect(byTable['public.events']!.rows).toBe(5);
    expect(await rows(template, "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")).toEqual([]);
  }, 60_000);
});

test('a copy the template refuses (a fixed value in a unique column) fails naming the table and the constraint; nothing is left behind', async () => {
  const { settings, template } = setup(MASKING.replace('email: { strategy: email, deterministic: true }', 'email: { fixed: "same@example.com" }'));
  const { error } = await failure(settings);
  expect(error.message).toMatch(/copying public\.users failed: duplicate key value violates unique constraint "users_email_key"/);
  expect(await databaseExists(`${template}_next`)).toBe(false);
  expect(await databaseExists(template)).toBe(false);
  // No session of the run is left on production (a closed session leaves pg_stat_activity a moment later).
  const left = async () =>
    (
      await query<{ n: number }>(
        adminUrl(),
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'preview-db refresh-template'",
        [prod.name],
      )
    )[0]!.n;
  for (let i = 0; i < 100 && (await left()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await left()).toBe(0);
}, 60_000);

test('every table comes from one snapshot of production, while production keeps changing', async () => {
  const busy = await production('rt_busy', created);
  // Each table records the snapshot its rows were read in (pg_current_snapshot() in
  // production's SELECT); a writer commits a user and an order referencing it, in one
  // transaction, over and over, so separate snapshots would differ.
  const snapshotText = `{ sql: "pg_current_snapshot()::text" }`;
  // Users are read slowly (2 ms a row), so orders, which must wait for them, start later, on a connection idle until then.
  const masking =
    MASKING.replace(`notes: { sql: "'note for ' || id" }`, `notes: { sql: "pg_current_snapshot()::text || pg_sleep(0.002)::text" }`).replace(
      'contact_email: { strategy: email, deterministic: true }',
      `contact_email: ${snapshotText}`,
    ) + `  public.countries:\n    columns:\n      label: ${snapshotText}\n`;
  const { settings, template } = setup(masking, { sourceUrl: busy.url, parallel: 6 });
  const writer = new pg.Client({ connectionString: busy.url });
  await writer.connect();
  let writing = true;
  let written = 0;
  const writes = (async () => {
    for (let id = 10_001; writing; id++) {
      await writer.query(
        `BEGIN; INSERT INTO users SELECT ${id}, 1, NULL, 'ORIGnew${id}@corp.example.org', NULL, NULL, NULL, 'h', NULL, NULL, now(), NULL, NULL, NULL, 'free', 0; INSERT INTO orders (user_id, total) VALUES (${id}, 1); COMMIT`,
      );
      written++;
    }
  })();
  let counts: Record<string, number>;
  try {
    while (written < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const { result } = await refresh(settings);
    counts = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
  } finally {
    writing = false;
    await writes;
    await writer.end();
  }
  const snapshots = await rows<{ s: string }>(
    template,
    'SELECT notes AS s FROM users UNION SELECT contact_email FROM orders UNION SELECT label FROM countries',
  );
  expect(snapshots).toHaveLength(1);
  expect(snapshots[0]!.s).toMatch(/^\d+:\d+:/);
  // Every pair is whole or absent.
  expect(counts['public.users']! - USERS).toBe(counts['public.orders']! - 1000);
  expect(counts['public.users']!).toBeGreaterThan(USERS);
}, 90_000);

test('a second refresh of the same template while one runs fails at once and changes nothing', async () => {
  const { settings, template } = setup(MASKING);
  const holder = new pg.Client({ connectionString: adminUrl() });
  await holder.connect();
  try {
    await holder.query("SELECT pg_advisory_lock(hashtext('preview-db refresh-template'), hashtext($1))", [template]);
    const { error } = await failure(settings);
    expect(error.message).toMatch(new RegExp(`Another refresh of '${template}' is running`));
    expect(await databaseExists(`${template}_next`)).toBe(false);
  } finally {
    await holder.end();
  }
});

test('a masking expression or a where that production cannot plan fails before anything is created, naming the table', async () => {
  const { settings, template } = setup(MASKING.replace(`notes: { sql: "'note for ' || id" }`, `notes: { sql: "'note for ' || no_such_column" }`));
  const { error } = await failure(settings);
  expect(error).toBeInstanceOf(InputError);
  expect(error.message).toMatch(
    /Input 'masking-rules': preview-db\.masking\.yml: the SELECT for public\.users does not plan on production: column "no_such_column" does not exist/,
  );
  expect(await databaseExists(`${template}_next`)).toBe(false);
  const where = setup(MASKING.replace('  public.audit_log:\n    skip: true\n', '  public.audit_log:\n    where: "id >"\n'));
  expect((await failure(where.settings)).error.message).toMatch(/the SELECT for public\.audit_log does not plan on production: syntax error/);
  expect(await databaseExists(`${where.template}_next`)).toBe(false);
});

test('an error that would quote a production value reports without it', async () => {
  // Production's SELECT fails on the first name it cannot read as a number, and Postgres quotes that name.
  const { settings } = setup(MASKING.replace(`notes: { sql: "'note for ' || id" }`, `notes: { sql: "full_name::int::text" }`));
  const { error, log } = await failure(settings);
  expect(error.message).toMatch(
    /copying public\.users failed: invalid input syntax for type integer: "…" \(SQLSTATE 22P02; the value is not shown, as it may be unmasked\)/,
  );
  expect(error.message).not.toMatch(/ORIG/);
  expect(log.text()).not.toMatch(/ORIG/);
});
