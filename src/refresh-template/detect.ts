// Columns that look personal and have no masking rule: by name, and by a sample of values
// matched inside production (only counts come back, never the values themselves).
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../shared/naming.js';
import type { ColumnInfo, TableInfo } from './catalog.js';
import { quoteTable } from './plan.js';

export type PersonalKind = 'email' | 'phone' | 'name' | 'address' | 'ip' | 'token';

export interface PersonalColumn {
  /** `schema.table.column` */
  column: string;
  kind: PersonalKind;
  /** `name` (the column's name says so) or `values` (most sampled values look like it). */
  by: 'name' | 'values';
}

const NAME_PATTERNS: Array<[PersonalKind, RegExp]> = [
  ['email', /e_?mail/],
  ['ip', /(^|_)ip($|_)|ip_?addr|remote_addr/],
  ['phone', /phone|mobile|(^|_)(tel|cell|fax|msisdn)($|_)/],
  ['token', /token|secret|passw(or)?d|api_?key|session_?(id|key)|(^|_)otp($|_)|password_hash|ssn|social_security|iban|card_?number/],
  ['name', /^(first|last|full|given|family|middle|sur|display|real|legal|maiden|nick|contact|customer|user)_?name$|^(fname|lname|surname|forename)$/],
  ['address', /address|street|^city$|(^|_)zip(_?code)?$|postal|post_?code|(^|_)addr($|_)/],
];

/** A bare `name` column is a person's name only in a table of people. */
const PEOPLE_TABLES = /user|customer|person|people|contact|employee|member|account|author|patient|client|student|profile|staff/;

/** POSIX regular expressions Postgres matches against sampled values. */
const VALUE_PATTERNS: Array<[PersonalKind, string]> = [
  ['email', '^[^@[:space:]]+@[^@[:space:]]+\\.[A-Za-z]{2,}$'],
  ['ip', '^([0-9]{1,3}\\.){3}[0-9]{1,3}$|^[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}$'],
  ['phone', '^\\+?[0-9][0-9 ().-]{6,18}[0-9]$'],
  ['token', '^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9_+/=.-]{32,}$'],
];

export const SAMPLE_ROWS = 200;

export function personalByName(column: string, table = ''): PersonalKind | undefined {
  const name = column.toLowerCase();
  if (name === 'name') return PEOPLE_TABLES.test(table.toLowerCase()) ? 'name' : undefined;
  return NAME_PATTERNS.find(([, pattern]) => pattern.test(name))?.[0];
}

const sampled = (column: ColumnInfo) => column.category === 'S' || column.category === 'I';

/**
 * Lists the columns of `tables` without a rule (`hasRule`) that look personal. One query per
 * table with text columns: a sample of at most SAMPLE_ROWS rows, matched in production.
 */
export async function detectPersonalColumns(
  client: pg.Client,
  tables: TableInfo[],
  hasRule: (table: string, column: string) => boolean,
): Promise<PersonalColumn[]> {
  const found: PersonalColumn[] = [];
  for (const table of tables) {
    const candidates = table.columns.filter((c) => !c.generated && !hasRule(table.name, c.name));
    const byValues: ColumnInfo[] = [];
    for (const column of candidates) {
      const kind = personalByName(column.name, table.relname) ?? (column.category === 'I' ? 'ip' : undefined);
      if (kind) found.push({ column: `${table.name}.${column.name}`, kind, by: 'name' });
      else if (sampled(column)) byValues.push(column);
    }
    if (byValues.length === 0) continue;
    const counts = byValues.flatMap((column, i) => [
      `count(${quoteIdent(column.name)}) AS "n${i}"`,
      ...VALUE_PATTERNS.map(([kind, pattern]) => `count(*) FILTER (WHERE ${quoteIdent(column.name)}::text ~ ${quoteLiteral(pattern)}) AS "${kind}${i}"`),
    ]);
    let rows: Array<Record<string, string>>;
    try {
      ({ rows } = await client.query<Record<string, string>>(
        `SELECT ${counts.join(', ')} FROM (SELECT ${byValues.map((c) => quoteIdent(c.name)).join(', ')} FROM ${table.partitioned ? '' : 'ONLY '}${quoteTable(table)} LIMIT ${SAMPLE_ROWS}) sample`,
      ));
    } catch (error) {
      throw new Error(`reading a sample of ${table.name} on production failed: ${(error as Error).message}`, { cause: error });
    }
    const row = rows[0]!;
    byValues.forEach((column, i) => {
      const present = Number(row[`n${i}`]);
      if (present === 0) return;
      const match = VALUE_PATTERNS.find(([kind]) => Number(row[`${kind}${i}`]) * 2 > present);
      if (match) found.push({ column: `${table.name}.${column.name}`, kind: match[0], by: 'values' });
    });
  }
  return found.sort((a, b) => a.column.localeCompare(b.column));
}
