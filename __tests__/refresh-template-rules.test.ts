// The masking file's form, the name heuristics of detection, and the foreign-key order:
// plain functions, no database.
import { describe, expect, test } from '@jest/globals';
import { parseMaskingRules, maskExpression } from '../src/refresh-template/rules.js';
import { personalByName } from '../src/refresh-template/detect.js';
import { orderTables } from '../src/refresh-template/plan.js';
import type { TableInfo } from '../src/refresh-template/catalog.js';

describe('parseMaskingRules', () => {
  test('reads every strategy, subsets and defaults', () => {
    const rules = parseMaskingRules(
      `deterministic: true
tables:
  users:
    columns:
      email: email
      nick: null
      plan: keep
      code: { fixed: 7 }
      born: { shift-date: ±30d }
      token: { strategy: hash, deterministic: false }
      bio: { sql: "left(bio, 3)" }
    where: "id > 10"
    limit: 5
  audit.log: { skip: true }
`,
      'm.yml',
    );
    const users = rules.tables.get('public.users')!;
    expect(users.where).toBe('id > 10');
    expect(users.limit).toBe(5);
    expect(Object.fromEntries(users.columns)).toEqual({
      email: { strategy: 'email', deterministic: true },
      nick: { strategy: 'null', deterministic: true },
      plan: { strategy: 'keep', deterministic: true },
      code: { strategy: 'fixed', value: '7', deterministic: true },
      born: { strategy: 'shift-date', shiftSeconds: 30 * 86400, value: '30d', deterministic: true },
      token: { strategy: 'hash', deterministic: false },
      bio: { strategy: 'sql', value: 'left(bio, 3)', deterministic: true },
    });
    expect(rules.tables.get('audit.log')!.skip).toBe(true);
    expect(parseMaskingRules('', 'empty.yml').tables.size).toBe(0);
  });

  test.each([
    ['tables: [1]', /tables: must be a mapping of table names/],
    ['colour: blue', /colour: unknown key/],
    ['tables:\n  users:\n    columns:\n      email: scramble', /tables\.users\.columns\.email: 'scramble' is not a strategy/],
    ['tables:\n  users:\n    columns:\n      email: { fixed: a, sql: b }', /give exactly one strategy \(got fixed, sql\)/],
    ['tables:\n  users:\n    columns:\n      born: { shift-date: soon }', /shift-date 'soon' is not a duration/],
    ['tables:\n  users:\n    columns:\n      bio: { sql: "1; DROP TABLE users" }', /sql must be one expression/],
    ['tables:\n  users:\n    where: "true; DROP TABLE users"', /where: must be one condition/],
    ['tables:\n  users:\n    limit: -1', /limit: must be a whole number/],
    ['tables:\n  users:\n    sample: 5', /tables\.users\.sample: unknown key/],
    ['tables:\n  users: {}\n  public.users: {}', /names public\.users twice/],
    ['tables: {\n', /is not valid YAML/],
  ])('%j is refused with a message naming the place', (text, message) => {
    expect(() => parseMaskingRules(text, 'm.yml')).toThrow(message);
    expect(() => parseMaskingRules(text, 'm.yml')).toThrow(/^Input 'masking-rules': /);
  });

  test('masks are cast to the column type and keep NULLs', () => {
    const column = { name: 'e', type: 'character varying(40)', category: 'S', notNull: false, generated: false };
    const expression = maskExpression({ strategy: 'email', deterministic: true }, column, "s'alt");
    expect(expression).toMatch(/^CASE WHEN t\."e" IS NULL THEN NULL ELSE \(.*\)::character varying\(40\) END$/);
    expect(expression).toContain("md5('s''alt' || t.\"e\"::text)");
    expect(maskExpression(undefined, column, 'x')).toBe('t."e"');
    expect(maskExpression({ strategy: 'email', deterministic: false }, column, 'x')).toContain('random()');
  });
});

test.each([
  ['email', 'users', 'email'],
  ['contact_email', 'orders', 'email'],
  ['mobile_phone', 'users', 'phone'],
  ['first_name', 'anything', 'name'],
  ['name', 'customers', 'name'],
  ['name', 'products', undefined],
  ['street_address', 'users', 'address'],
  ['zip_code', 'users', 'address'],
  ['last_ip', 'sessions', 'ip'],
  ['api_key', 'accounts', 'token'],
  ['password_hash', 'users', 'token'],
  ['total', 'orders', undefined],
  ['shipping', 'orders', undefined],
])('column %s of %s looks like %s', (column, table, kind) => {
  expect(personalByName(column, table)).toBe(kind);
});

const table = (name: string, references: string[]): TableInfo => ({
  name,
  schema: 'public',
  relname: name.split('.')[1]!,
  partitioned: false,
  columns: [],
  primaryKey: ['id'],
  foreignKeys: references.map((to, i) => ({ name: `${name}_fk${i}`, table: name, references: to, columns: ['x'], referencedColumns: ['id'], definition: '' })),
  hasUserTriggers: false,
});

test('foreign-key order: parents first; keys inside a cycle or to the table itself are deferred', () => {
  const { order, deferred } = orderTables([
    table('public.items', ['public.orders', 'public.products']),
    table('public.orders', ['public.users']),
    table('public.users', ['public.orgs', 'public.users']),
    table('public.orgs', ['public.users']),
    table('public.products', []),
    table('public.logs', ['public.elsewhere']),
  ]);
  const names = order.map((t) => t.name);
  expect(names.indexOf('public.orders')).toBeGreaterThan(names.indexOf('public.users'));
  expect(names.indexOf('public.items')).toBeGreaterThan(names.indexOf('public.orders'));
  expect(names.indexOf('public.items')).toBeGreaterThan(names.indexOf('public.products'));
  expect(names).toHaveLength(6);
  expect(deferred.map((fk) => fk.name).sort()).toEqual(['public.orgs_fk0', 'public.users_fk0', 'public.users_fk1']);
});
