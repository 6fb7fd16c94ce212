// The catalogue of lint rules: squawk's names (https://squawkhq.com/docs/rules) where squawk has
// the rule, and plain names of our own for what the issue asks and squawk does not cover.
// The `squawk` marks were checked against squawk-cli SQUAWK_CHECKED_VERSION (each name given to
// its --exclude, which refuses unknown names); docs/lint-rules.md is generated from this table.
// Each rule has one severity, says whether it destroys data (what `protected: true` blocks),
// and carries the safer pattern that a finding shows next to the problem.

export type Severity = 'error' | 'warning' | 'note';

export interface RuleInfo {
  /** The section of docs/lint-rules.md the rule is listed in. */
  group: string;
  /** What the rule flags, in one or two sentences (for docs/lint-rules.md). */
  catches: string;
  severity: Severity;
  /** Drops or deletes data: blocked on a protected database unless `allow-destructive` is set. */
  destructive: boolean;
  /** Whether squawk has this rule (false: this project's own rule). */
  squawk: boolean;
  /** squawk's own spelling, when it differs from ours. */
  squawkName?: string;
  /** The safer pattern, shown with every finding. */
  safer: string;
}

const NOT_VALID_TWO_STEP =
  'Add it NOT VALID (a brief lock, no scan), then run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration or a separate transaction (only SHARE UPDATE EXCLUSIVE while it scans).';

const NO_TRANSACTION =
  "Put it in a file of its own that starts with the comment line `-- preview-db: no-transaction` (or your tool's marker), since it cannot run inside a transaction.";

export const RULES = {
  // Data loss.
  'ban-drop-table': {
    group: 'Data loss',
    catches: 'DROP TABLE of a table that existed before this set of migrations (or was filled from one in it).',
    severity: 'error',
    destructive: true,
    squawk: true,
    safer:
      'Deploy code that no longer reads or writes the table first; drop it in a later migration after a backup or snapshot, or rename it aside and drop it once nothing breaks.',
  },
  'ban-drop-column': {
    group: 'Data loss',
    catches: 'ALTER TABLE ... DROP COLUMN on an existing table.',
    severity: 'error',
    destructive: true,
    squawk: true,
    safer:
      'Deploy code that no longer uses the column first (e.g. ignore it in the ORM), then drop it in a later migration; keep a backup of its data if it may be needed.',
  },
  'ban-drop-schema': {
    group: 'Data loss',
    catches: 'DROP SCHEMA of a schema this set did not create (IF EXISTS of a schema known to be absent is fine).',
    severity: 'error',
    destructive: true,
    squawk: false,
    safer: 'Drop the objects in the schema one by one in reviewed migrations, after the code stops using them; avoid DROP SCHEMA ... CASCADE.',
  },
  'ban-drop-database': {
    group: 'Data loss',
    catches: 'DROP DATABASE.',
    severity: 'error',
    destructive: true,
    squawk: true,
    safer: 'Do not drop databases from a migration; retire a database by hand, after a final snapshot.',
  },
  'ban-truncate': {
    group: 'Data loss',
    catches: 'TRUNCATE of an existing table.',
    severity: 'error',
    destructive: true,
    squawk: false,
    safer: 'Delete the rows that must go with a WHERE clause, in batches; TRUNCATE empties the whole table under an ACCESS EXCLUSIVE lock.',
  },
  'ban-truncate-cascade': {
    group: 'Data loss',
    catches: 'TRUNCATE ... CASCADE, which also empties every table that references the named ones.',
    severity: 'error',
    destructive: true,
    squawk: true,
    safer: 'Name every table to truncate explicitly, without CASCADE, so the migration cannot empty tables that merely reference this one.',
  },
  'ban-delete-without-where': {
    group: 'Data loss',
    catches: 'DELETE without WHERE on an existing table (or one filled from another table in this set).',
    severity: 'error',
    destructive: true,
    squawk: false,
    safer: 'Add a WHERE clause that selects exactly the rows to delete, and delete in batches on large tables.',
  },
  'ban-update-without-where': {
    group: 'Data loss',
    catches:
      'UPDATE without WHERE on an existing table: an error when it overwrites columns that already held data, a warning when it only backfills columns added in this set.',
    severity: 'warning',
    destructive: false,
    squawk: false,
    safer:
      'Add a WHERE clause, and backfill large tables in batches (e.g. by primary-key ranges) outside the schema migration so no transaction holds every row lock at once.',
  },
  // Locks, rewrites and scans on existing tables.
  'require-concurrent-index-creation': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'CREATE INDEX without CONCURRENTLY on an existing table (or one filled from another table in this set).',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use CREATE INDEX CONCURRENTLY (it does not block writes). ${NO_TRANSACTION}`,
  },
  'require-concurrent-index-deletion': {
    group: 'Locks, rewrites and scans on existing tables',
    catches:
      'DROP INDEX without CONCURRENTLY of an index on an existing table (indexes on tables made in this set are known, also after ALTER INDEX ... RENAME).',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use DROP INDEX CONCURRENTLY (it does not block reads and writes). ${NO_TRANSACTION}`,
  },
  'require-concurrent-reindex': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'REINDEX without CONCURRENTLY of an existing table or of an index on one.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use REINDEX ... CONCURRENTLY. ${NO_TRANSACTION}`,
  },
  'require-concurrent-partition-detach': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ALTER TABLE ... DETACH PARTITION without CONCURRENTLY on an existing table.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY. ${NO_TRANSACTION}`,
  },
  'ban-concurrent-index-creation-in-transaction': {
    group: 'Locks, rewrites and scans on existing tables',
    catches:
      'A statement that cannot run in a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ALTER SYSTEM, ...) in a file that runs inside one: it fails.',
    severity: 'error',
    destructive: false,
    squawk: true,
    safer: NO_TRANSACTION,
  },
  'constraint-missing-not-valid': {
    group: 'Locks, rewrites and scans on existing tables',
    catches:
      'ADD CONSTRAINT ... CHECK without NOT VALID on an existing table, and VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: NOT_VALID_TWO_STEP,
  },
  'adding-foreign-key-constraint': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'A foreign key added to an existing table without NOT VALID (ADD CONSTRAINT, or REFERENCES on a new column).',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Add the foreign key with NOT VALID, then VALIDATE CONSTRAINT in a later migration or transaction. ${NOT_VALID_TWO_STEP}`,
  },
  'disallowed-unique-constraint': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ADD CONSTRAINT ... UNIQUE (or a new UNIQUE column) on an existing table, without USING INDEX.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Build the index first with CREATE UNIQUE INDEX CONCURRENTLY (in a no-transaction file), then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ..., which only takes a brief lock.',
  },
  'adding-serial-primary-key-field': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ADD CONSTRAINT ... PRIMARY KEY (or a new PRIMARY KEY column) on an existing table, without USING INDEX.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Build a unique index with CREATE UNIQUE INDEX CONCURRENTLY (in a no-transaction file), then ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX .... Make the key columns NOT NULL first (validated CHECK, then SET NOT NULL), or the ADD scans the table to check them.',
  },
  'adding-required-field': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ADD COLUMN ... NOT NULL without a DEFAULT on an existing table: it fails once the table has rows.',
    severity: 'error',
    destructive: false,
    squawk: true,
    safer:
      'Give the column a non-volatile DEFAULT (no table rewrite since Postgres 11), or add it nullable, backfill it, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.',
  },
  'adding-not-nullable-field': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'SET NOT NULL (or a Postgres 18 NOT NULL constraint) on an existing table without a validated CHECK (col IS NOT NULL) from an earlier step.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a separate transaction, then SET NOT NULL: Postgres 12+ uses the validated check and skips the full-table scan under ACCESS EXCLUSIVE.',
  },
  'adding-field-with-default': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ADD COLUMN with a volatile default, a stored generated column or an identity column on an existing table: the table is rewritten.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add the column without a default (or with a constant one), then ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches; for generated columns use a trigger and a batched backfill.',
  },
  'changing-column-type': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ALTER COLUMN ... TYPE on an existing table.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add a new column of the new type, write to both, backfill in batches, switch reads, then drop the old column later. (Only binary-coercible changes such as varchar(n) to text or to a longer varchar avoid the rewrite.)',
  },
  'renaming-column': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'RENAME COLUMN on an existing table.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Add the new column, write to both, backfill, switch readers, then drop the old one; or keep the old name through a view during the switch.',
  },
  'renaming-table': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'RENAME of an existing table (tables made in this set may be renamed freely).',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Create the new table (or an updatable view with the new name), move readers and writers over, then retire the old name in a later deploy.',
  },
  'ban-drop-not-null': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'DROP NOT NULL on an existing table.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Make sure every reader copes with NULL before the deploy that drops NOT NULL; keep the constraint if old code still relies on it.',
  },
  'ban-create-domain-with-constraint': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'CREATE DOMAIN with a CHECK or NOT NULL constraint.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Put CHECK constraints on the table columns (added NOT VALID, then validated) instead of on the domain; domain constraints cannot be changed online.',
  },
  'ban-alter-domain-with-add-constraint': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'ALTER DOMAIN ... ADD CONSTRAINT.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add the CHECK to the table columns that use the domain (NOT VALID, then VALIDATE) instead of to the domain, which checks every column using it under lock.',
  },
  'prefer-repack': {
    group: 'Locks, rewrites and scans on existing tables',
    catches: 'VACUUM FULL and CLUSTER.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Use pg_repack (or pg_squeeze) to rewrite the table online; VACUUM FULL and CLUSTER hold ACCESS EXCLUSIVE for the whole rewrite.',
  },
  'require-timeout-settings': {
    group: 'Locks, rewrites and scans on existing tables',
    catches:
      'The first statement of a file that locks an existing table, when no lock_timeout is set before it (SET, SET LOCAL, set_config or the `lock-timeout` input).',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      "Start the file with `SET lock_timeout = '2s';` (or `SET LOCAL` inside a transaction), or set the action's `lock-timeout` input, so a blocked lock fails fast instead of queueing every query behind it.",
  },
  // Transactions.
  'transaction-nesting': {
    group: 'Transactions',
    catches: 'BEGIN, COMMIT or ROLLBACK in a file the migration tool already runs inside a transaction, and BEGIN inside an open BEGIN.',
    severity: 'error',
    destructive: false,
    squawk: true,
    safer:
      'Remove BEGIN/COMMIT from the file: the migration tool already runs it in a transaction; a COMMIT inside ends that transaction early and a later failure can no longer roll the whole file back.',
  },
  'ban-uncommitted-transaction': {
    group: 'Transactions',
    catches: 'A BEGIN with no COMMIT or ROLLBACK before the end of the file.',
    severity: 'error',
    destructive: false,
    squawk: true,
    safer: 'End every BEGIN with a COMMIT in the same file (or drop both and let the tool wrap the file in a transaction).',
  },
  'prefer-robust-stmts': {
    group: 'Transactions',
    catches:
      'In a file that runs without a transaction and has several statements: CREATE/DROP/ADD/DROP COLUMN without IF [NOT] EXISTS, so a re-run after a failure half-way stops at the first statement that already ran.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'This file runs without a transaction, so a failure half-way leaves it half-applied: use IF NOT EXISTS / IF EXISTS so a re-run succeeds. A failed CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS would keep, so precede it with DROP INDEX CONCURRENTLY IF EXISTS.',
  },
  // Schema design.
  'require-enum-value-ordering': {
    group: 'Schema design',
    catches: 'ALTER TYPE ... ADD VALUE without BEFORE or AFTER (RENAME VALUE is not an added value).',
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: "Say where the value goes: ALTER TYPE ... ADD VALUE 'x' BEFORE 'y' (or AFTER 'y').",
  },
  'ban-char-field': {
    group: 'Schema design',
    catches: 'char(n) / character(n) columns.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Use text (or varchar); char(n) pads with spaces and compares surprisingly.',
  },
  'prefer-text-field': {
    group: 'Schema design',
    catches: 'varchar(n) columns (varchar without a length is fine).',
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use text with a CHECK (length(col) <= n) constraint: changing a CHECK is cheap, changing varchar(n) needs an ACCESS EXCLUSIVE lock.',
  },
  'prefer-timestamptz': {
    group: 'Schema design',
    catches: 'timestamp (without time zone) columns.',
    severity: 'warning',
    destructive: false,
    squawk: true,
    squawkName: 'prefer-timestamp-tz',
    safer: 'Use timestamptz (timestamp with time zone); timestamp without time zone loses the offset.',
  },
  'prefer-bigint-over-int': {
    group: 'Schema design',
    catches: 'integer / int4 / serial columns.',
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use bigint (or bigserial / bigint identity) so the column cannot run out of values.',
  },
  'prefer-bigint-over-smallint': {
    group: 'Schema design',
    catches: 'smallint / int2 / smallserial columns.',
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use bigint so the column cannot run out of values.',
  },
  'prefer-identity': {
    group: 'Schema design',
    catches: 'serial, bigserial and smallserial columns.',
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use bigint GENERATED BY DEFAULT AS IDENTITY instead of serial types.',
  },
  // The ignore comments themselves.
  'unused-ignore': {
    group: 'Ignore comments',
    catches: 'A rule name in an ignore comment that is not a rule (a typo ignores nothing).',
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Spell the rule as the linter names it (see the list of rules); a misspelt name ignores nothing.',
  },
} satisfies Record<string, RuleInfo>;

export type RuleName = keyof typeof RULES;

/** The squawk-cli release the `squawk` marks were last checked against. */
export const SQUAWK_CHECKED_VERSION = '2.66.0';

/** squawk's name for a rule, or undefined when squawk has no such rule. */
export function squawkName(rule: RuleName): string | undefined {
  const info: RuleInfo = RULES[rule];
  return info.squawk ? (info.squawkName ?? rule) : undefined;
}

/** Other spellings squawk accepts for the same rule. */
export const RULE_ALIASES: Record<string, RuleName> = {
  'prefer-timestamp-tz': 'prefer-timestamptz',
  // Newer squawk releases split require-timeout-settings; its lock half is this rule.
  'require-lock-timeout': 'require-timeout-settings',
};

/** The canonical rule name for a name or alias, or undefined when unknown. */
export function canonicalRule(name: string): RuleName | undefined {
  const trimmed = name.trim().toLowerCase();
  if (trimmed in RULES) return trimmed as RuleName;
  return RULE_ALIASES[trimmed];
}
