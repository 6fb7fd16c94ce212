// The masking file (`preview-db.masking.yml`): per table, a strategy per column, an optional
// subset (`where`, `limit`) or `skip`. Parsed and checked for form here, before any
// connection; checked against production's columns in `bindRules` before anything is created.
// Every strategy becomes an SQL expression evaluated inside production's SELECT, so the
// unmasked value of a masked column never leaves production.
import { parse as parseYaml } from 'yaml';
import { InputError } from '../shared/errors.js';
import { parseDuration } from '../shared/duration.js';
import { quoteIdent, quoteLiteral } from '../shared/naming.js';
import type { ColumnInfo, TableInfo } from './catalog.js';

export const STRATEGIES = ['email', 'name', 'phone', 'address', 'hash', 'null', 'fixed', 'shift-date', 'keep', 'sql'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface ColumnRule {
  strategy: Strategy;
  /** `fixed`: the value; `sql`: the expression; `shift-date`: the range in seconds (as text). */
  value?: string;
  /** `shift-date`: at most this many seconds either way. */
  shiftSeconds?: number;
  /** The same input gives the same output (joins and uniqueness survive). */
  deterministic: boolean;
}

export interface TableRule {
  /** `schema.table` */
  table: string;
  columns: Map<string, ColumnRule>;
  where?: string;
  limit?: number;
  skip: boolean;
}

export interface MaskingRules {
  tables: Map<string, TableRule>;
}

const INPUT = 'masking-rules';
const TABLE_KEYS = new Set(['columns', 'where', 'limit', 'skip']);
const SIMPLE = new Set<Strategy>(['email', 'name', 'phone', 'address', 'hash', 'null', 'keep']);

/** `users` means `public.users`; `schema.table` as written (unquoted names). */
export function qualifiedTable(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

function fail(file: string, where: string, message: string): never {
  throw new InputError(INPUT, `${file}: ${where}: ${message}`);
}

function parseColumnRule(file: string, where: string, raw: unknown, defaultDeterministic: boolean): ColumnRule {
  // YAML reads a bare `null` as no value: the strategy of that name is what it says.
  if (raw === null) return { strategy: 'null', deterministic: defaultDeterministic };
  if (typeof raw === 'string') {
    if (!SIMPLE.has(raw as Strategy))
      fail(file, where, `'${raw}' is not a strategy. Use one of ${[...SIMPLE].join(', ')}, or { fixed: value }, { shift-date: 30d }, { sql: expression }.`);
    return { strategy: raw as Strategy, deterministic: defaultDeterministic };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, where, 'must be a strategy name or a mapping such as { fixed: value }.');
  const entries = { ...(raw as Record<string, unknown>) };
  let deterministic = defaultDeterministic;
  if ('deterministic' in entries) {
    if (typeof entries.deterministic !== 'boolean') fail(file, where, 'deterministic must be true or false.');
    deterministic = entries.deterministic;
    delete entries.deterministic;
  }
  if ('strategy' in entries) {
    const name = entries.strategy;
    delete entries.strategy;
    if (Object.keys(entries).length > 0) fail(file, where, `unexpected ${Object.keys(entries).join(', ')} next to strategy.`);
    return parseColumnRule(file, where, name, deterministic);
  }
  const keys = Object.keys(entries);
  if (keys.length !== 1) fail(file, where, `give exactly one strategy (got ${keys.length === 0 ? 'none' : keys.join(', ')}).`);
  const key = keys[0]!;
  const value = entries[key];
  if (key === 'fixed') {
    if (value === null) return { strategy: 'null', deterministic };
    if (!['string', 'number', 'boolean'].includes(typeof value)) fail(file, where, 'fixed needs a scalar value, e.g. { fixed: "x" }.');
    return { strategy: 'fixed', value: String(value), deterministic };
  }
  if (key === 'sql') {
    if (typeof value !== 'string' || value.trim() === '') fail(file, where, 'sql needs an expression, e.g. { sql: "left(name, 1)" }.');
    return { strategy: 'sql', value: value.trim(), deterministic };
  }
  if (key === 'shift-date') {
    const text = String(value ?? '')
      .trim()
      .replace(/^(±|\+-|\+\/-)/, '');
    let seconds: number;
    try {
      seconds = parseDuration(text, INPUT);
    } catch {
      fail(file, where, `shift-date '${String(value)}' is not a duration such as 30d (shifts by up to 30 days either way).`);
    }
    if (seconds <= 0) fail(file, where, 'shift-date needs a range above zero, e.g. 30d.');
    return { strategy: 'shift-date', shiftSeconds: seconds, value: text, deterministic };
  }
  if (SIMPLE.has(key as Strategy) && (value === true || value === null)) return { strategy: key as Strategy, deterministic };
  return fail(file, where, `'${key}' is not a strategy. Use one of ${STRATEGIES.join(', ')}.`);
}

/** Parses the masking file's text; throws InputError naming the file and the place. */
export function parseMaskingRules(text: string, file: string): MaskingRules {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new InputError(INPUT, `${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || document === undefined) return { tables: new Map() };
  if (typeof document !== 'object' || Array.isArray(document)) fail(file, 'top level', 'must be a mapping with `tables:`.');
  const top = document as Record<string, unknown>;
  for (const key of Object.keys(top)) if (!['tables', 'deterministic'].includes(key)) fail(file, key, 'unknown key (expected tables, deterministic).');
  if ('deterministic' in top && typeof top.deterministic !== 'boolean') fail(file, 'deterministic', 'must be true or false.');
  const defaultDeterministic = top.deterministic === true;
  const tables = new Map<string, TableRule>();
  const rawTables = top.tables ?? {};
  if (typeof rawTables !== 'object' || Array.isArray(rawTables) || rawTables === null) fail(file, 'tables', 'must be a mapping of table names.');
  for (const [rawName, rawRule] of Object.entries(rawTables as Record<string, unknown>)) {
    const table = qualifiedTable(rawName);
    if (tables.has(table)) fail(file, `tables.${rawName}`, `names ${table} twice.`);
    const rule: TableRule = { table, columns: new Map(), skip: false };
    const body = (rawRule ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) fail(file, `tables.${rawName}`, 'must be a mapping (columns, where, limit, skip).');
    for (const key of Object.keys(body))
      if (!TABLE_KEYS.has(key)) fail(file, `tables.${rawName}.${key}`, 'unknown key (expected columns, where, limit, skip).');
    if (body.skip !== undefined) {
      if (typeof body.skip !== 'boolean') fail(file, `tables.${rawName}.skip`, 'must be true or false.');
      rule.skip = body.skip;
    }
    if (body.where !== undefined) {
      if (typeof body.where !== 'string' || body.where.trim() === '')
        fail(file, `tables.${rawName}.where`, 'must be an SQL condition, e.g. "created_at > now() - interval \'90 days\'".');
      if (body.where.includes(';')) fail(file, `tables.${rawName}.where`, 'must be one condition, without `;`.');
      rule.where = body.where.trim();
    }
    if (body.limit !== undefined) {
      if (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit < 0)
        fail(file, `tables.${rawName}.limit`, 'must be a whole number of rows.');
      rule.limit = body.limit;
    }
    const columns = body.columns ?? {};
    if (typeof columns !== 'object' || Array.isArray(columns) || columns === null)
      fail(file, `tables.${rawName}.columns`, 'must be a mapping of column names to strategies.');
    for (const [column, raw] of Object.entries(columns as Record<string, unknown>)) {
      const parsed = parseColumnRule(file, `tables.${rawName}.columns.${column}`, raw, defaultDeterministic);
      if (parsed.strategy === 'sql' && parsed.value!.includes(';'))
        fail(file, `tables.${rawName}.columns.${column}`, 'sql must be one expression, without `;`.');
      rule.columns.set(column, parsed);
    }
    tables.set(table, rule);
  }
  return { tables };
}

/**
 * Checks every rule against production's tables and columns (a rule naming a table or
 * column that does not exist, or a strategy the column's type cannot take, is an error).
 * Returns the problems; the caller fails with all of them at once.
 */
export function checkRulesAgainst(rules: MaskingRules, tables: Map<string, TableInfo>): string[] {
  const problems: string[] = [];
  for (const rule of rules.tables.values()) {
    const table = tables.get(rule.table);
    if (!table) {
      problems.push(`${rule.table}: no such table in production.`);
      continue;
    }
    for (const [name, column] of rule.columns) {
      const info = table.columns.find((c) => c.name === name);
      if (!info) {
        problems.push(`${rule.table}.${name}: no such column in production (columns: ${table.columns.map((c) => c.name).join(', ')}).`);
        continue;
      }
      const problem = typeProblem(column, info);
      if (problem) problems.push(`${rule.table}.${name}: ${problem}`);
    }
  }
  return problems;
}

function isText(column: ColumnInfo): boolean {
  return column.category === 'S';
}

function isDateLike(column: ColumnInfo): boolean {
  return /^(date|timestamp)/.test(column.type);
}

function typeProblem(rule: ColumnRule, column: ColumnInfo): string | undefined {
  if (column.generated) return 'is a generated column: Postgres computes it in the template, so it takes no rule.';
  if (['email', 'name', 'phone', 'address', 'hash'].includes(rule.strategy) && !isText(column))
    return `strategy ${rule.strategy} needs a text column, but the column is ${column.type}. Use { sql: ... } or { fixed: ... }.`;
  if (rule.strategy === 'shift-date' && !isDateLike(column)) return `shift-date needs a date or timestamp column, but the column is ${column.type}.`;
  if (rule.strategy === 'null' && column.notNull) return `strategy null on a NOT NULL column (${column.type}). Use { fixed: ... } instead.`;
  return undefined;
}

const FIRST_NAMES = [
  'Alex',
  'Blake',
  'Casey',
  'Dana',
  'Eden',
  'Finley',
  'Gray',
  'Harper',
  'Indy',
  'Jordan',
  'Kai',
  'Logan',
  'Morgan',
  'Noel',
  'Oakley',
  'Parker',
  'Quinn',
  'Riley',
  'Sage',
  'Taylor',
];
const LAST_NAMES = [
  'Adler',
  'Brook',
  'Carter',
  'Dale',
  'Ellis',
  'Fox',
  'Grant',
  'Hayes',
  'Irving',
  'Jensen',
  'Keller',
  'Lane',
  'Marsh',
  'North',
  'Oliver',
  'Perry',
  'Reed',
  'Stone',
  'Tate',
  'West',
];
const STREETS = ['Maple Avenue', 'Oak Street', 'Pine Road', 'Cedar Lane', 'Elm Drive', 'Birch Way', 'Willow Court', 'Aspen Place'];

const sqlArray = (items: string[]) => `ARRAY[${items.map(quoteLiteral).join(', ')}]`;

/**
 * The SQL expression a column becomes in production's SELECT, cast to the column's type.
 * `salt` seeds the deterministic strategies; `alias` is the table's alias in the query.
 */
export function maskExpression(rule: ColumnRule | undefined, column: ColumnInfo, salt: string, alias = 't'): string {
  const ref = `${alias}.${quoteIdent(column.name)}`;
  if (!rule || rule.strategy === 'keep') return ref;
  // A 32-hex-digit seed per value: md5 of salt and value (deterministic), or of random().
  const seed = rule.deterministic || rule.strategy === 'hash' ? `md5(${quoteLiteral(salt)} || ${ref}::text)` : 'md5(random()::text || clock_timestamp()::text)';
  // A non-negative number from 15 hex digits of the seed, starting at digit `from`.
  const number = (from: number) => `(('x' || substr(${seed}, ${from}, 15))::bit(60)::bigint)`;
  const cast = (expression: string) => `(${expression})::${column.type}`;
  const unlessNull = (expression: string) => `CASE WHEN ${ref} IS NULL THEN NULL ELSE ${cast(expression)} END`;
  switch (rule.strategy) {
    case 'email':
      return unlessNull(`'user_' || substr(${seed}, 1, 16) || '@example.com'`);
    case 'name':
      return unlessNull(
        `(${sqlArray(FIRST_NAMES)})[1 + ${number(1)} % ${FIRST_NAMES.length}] || ' ' || (${sqlArray(LAST_NAMES)})[1 + ${number(16)} % ${LAST_NAMES.length}]`,
      );
    case 'phone':
      return unlessNull(`'+1555' || lpad((${number(1)} % 10000000)::text, 7, '0')`);
    case 'address':
      return unlessNull(`(1 + ${number(1)} % 9999)::text || ' ' || (${sqlArray(STREETS)})[1 + ${number(16)} % ${STREETS.length}]`);
    case 'hash':
      return unlessNull(`encode(sha256(convert_to(${quoteLiteral(salt)} || ${ref}::text, 'UTF8')), 'hex')`);
    case 'null':
      return `NULL::${column.type}`;
    case 'fixed':
      return `${quoteLiteral(rule.value!)}::${column.type}`;
    case 'shift-date': {
      const range = rule.shiftSeconds!;
      const offset = `((${number(1)} % ${2 * range + 1}) - ${range})`;
      // A date moves by whole days; a timestamp by seconds.
      const shifted = column.type === 'date' ? `${ref} + (${offset} / 86400)::int` : `${ref} + ${offset} * interval '1 second'`;
      return unlessNull(shifted);
    }
    case 'sql':
      return cast(rule.value!);
  }
}
