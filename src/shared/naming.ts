import { createRequire } from 'node:module';
import { InputError } from './errors.js';

// node:crypto loads on the first hash, not with every input reader that imports this module:
// loading it is about a tenth of an action's start (see bench/bundle.bench.ts).
const require = createRequire(import.meta.url);

/** The mark that tells previews (and snapshots) made by this project from everything else. */
export const MANAGED_BY = 'preview-db';

export const DEFAULT_BRANCH_PREFIX = 'preview/';

export function defaultBranchName(pullRequestNumber: number): string {
  return `${DEFAULT_BRANCH_PREFIX}pr-${pullRequestNumber}`;
}

export function shortHash(text: string, length = 8): string {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Neon branch names: Neon accepts up to 256 characters; control characters and
 * leading/trailing spaces are refused here so the name round-trips through URLs and logs.
 */
export function validateBranchName(name: string, input = 'branch-name'): string {
  if (name.length === 0) throw new InputError(input, 'is empty. Give a branch name such as preview/pr-42.');
  if (name.length > 256) throw new InputError(input, `is ${name.length} characters long; Neon allows at most 256.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InputError(input, 'contains control characters. Use letters, digits, /, -, _ and .');
  if (name.trim() !== name) throw new InputError(input, 'starts or ends with a space. Remove it.');
  // A Postgres preview's database is named from the letters and digits: '///' would leave nothing.
  if (!/[A-Za-z0-9]/.test(name))
    throw new InputError(input, `'${name}' has no letter or digit, so no preview can be named after it. Use a name such as preview/pr-42.`);
  return name;
}

const POSTGRES_MAX_IDENTIFIER_BYTES = 63;

/**
 * The Postgres database name for a preview branch: lowercase letters, digits and `_`,
 * starting with a letter, at most 63 bytes, stable for the same branch name. A name too
 * long is cut and given a hash of the whole branch name so that two branches never meet.
 * (Two branch names that differ only in punctuation do map to one name; the provider
 * reads the owner from the database's comment and refuses to take another branch's.)
 */
export function databaseNameForBranch(branchName: string): string {
  let name = branchName
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(name)) name = `p_${name}`;
  if (name.length > POSTGRES_MAX_IDENTIFIER_BYTES) {
    const hash = shortHash(branchName);
    name = `${name.slice(0, POSTGRES_MAX_IDENTIFIER_BYTES - hash.length - 1).replace(/_+$/, '')}_${hash}`;
  }
  return name;
}

/** Quotes a Postgres identifier. */
export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Quotes a Postgres string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The pull request a preview name points at: `preview/pr-42` → 42. */
export function pullRequestFromName(name: string): number | undefined {
  const match = /(?:^|[/_-])pr-?(\d{1,9})$/i.exec(name);
  const number = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

/** `public.orders` or `orders` as a quoted, schema-qualified name. */
export function qualifiedTable(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new Error(`'${name}' is not a table name (table or schema.table)`);
  return parts.map(quoteIdent).join('.');
}
