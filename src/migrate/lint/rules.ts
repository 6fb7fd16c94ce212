// The catalogue of lint rules: squawk's names (https://squawkhq.com/docs/rules) where squawk has
// the rule, and plain names of our own for what the issue asks and squawk does not cover.
// The `squawk` marks were checked against squawk-cli SQUAWK_CHECKED_VERSION (each name given to
// its --exclude, which refuses unknown names); docs/lint-rules.md is generated from this table.
// Each rule has one severity, says whether it destroys data (what `protected: true` blocks),
// and carries the safer pattern that a finding shows next to the problem.

export type Severity = 'error' | 'warning' | 'note';

export interface RuleInfo {
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
    severity: 'error',
    destructive: true,
    squawk: true,
    safer: 'Deploy code that no longer reads or writes the table first; drop it in a later migration after a backup or snapshot, or rename it aside and drop it once nothing breaks.',
  },
  'ban-drop-column': {
    severity: 'error',
    destructive: true,
    squawk: true,
    safer: 'Deploy code that no longer uses the column first (e.g. ignore it in the ORM), then drop it in a later migration; keep a backup of its data if it may be needed.',
  },
  'ban-drop-schema': {
    severity: 'error',
    destructive: true,
    squawk: false,
    safer: 'Drop the objects in the schema one by one in reviewed migrations, after the code stops using them; avoid DROP SCHEMA ... CASCADE.',
  },
  'ban-drop-database': {
    severity: 'error',
    destructive: true,
    squawk: true,
    safer: 'Do not drop databases from a migration; retire a database by hand, after a final snapshot.',
  },
  'ban-truncate': {
    severity: 'error',
    destructive: true,
    squawk: false,
    safer: 'Delete the rows that must go with a WHERE clause, in batches; TRUNCATE empties the whole table under an ACCESS EXCLUSIVE lock.',
  },
  'ban-truncate-cascade': {
    severity: 'error',
    destructive: true,
    squawk: true,
    safer: 'Name every table to truncate explicitly, without CASCADE, so the migration cannot empty tables that merely reference this one.',
  },
  'ban-delete-without-where': {
    severity: 'error',
    destructive: true,
    squawk: false,
    safer: 'Add a WHERE clause that selects exactly the rows to delete, and delete in batches on large tables.',
  },
  'ban-update-without-where': {
    severity: 'warning',
    destructive: false,
    squawk: false,
    safer: 'Add a WHERE clause, and backfill large tables in batches (e.g. by primary-key ranges) outside the schema migration so no transaction holds every row lock at once.',
  },
  // Locks, rewrites and scans on existing tables.
  'require-concurrent-index-creation': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use CREATE INDEX CONCURRENTLY (it does not block writes). ${NO_TRANSACTION}`,
  },
  'require-concurrent-index-deletion': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use DROP INDEX CONCURRENTLY (it does not block reads and writes). ${NO_TRANSACTION}`,
  },
  'require-concurrent-reindex': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use REINDEX ... CONCURRENTLY. ${NO_TRANSACTION}`,
  },
  'require-concurrent-partition-detach': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY. ${NO_TRANSACTION}`,
  },
  'ban-concurrent-index-creation-in-transaction': {
    severity: 'error',
    destructive: false,
    squawk: true,
    safer: NO_TRANSACTION,
  },
  'constraint-missing-not-valid': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: NOT_VALID_TWO_STEP,
  },
  'adding-foreign-key-constraint': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: `Add the foreign key with NOT VALID, then VALIDATE CONSTRAINT in a later migration or transaction. ${NOT_VALID_TWO_STEP}`,
  },
  'disallowed-unique-constraint': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Build the index first with CREATE UNIQUE INDEX CONCURRENTLY (in a no-transaction file), then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ..., which only takes a brief lock.',
  },
  'adding-serial-primary-key-field': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Build a unique index with CREATE UNIQUE INDEX CONCURRENTLY (in a no-transaction file), then ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX .... Make the key columns NOT NULL first (validated CHECK, then SET NOT NULL), or the ADD scans the table to check them.',
  },
  'adding-required-field': {
    severity: 'error',
    destructive: false,
    squawk: true,
    safer:
      'Give the column a non-volatile DEFAULT (no table rewrite since Postgres 11), or add it nullable, backfill it, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.',
  },
  'adding-not-nullable-field': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a separate transaction, then SET NOT NULL: Postgres 12+ uses the validated check and skips the full-table scan under ACCESS EXCLUSIVE.',
  },
  'adding-field-with-default': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add the column without a default (or with a constant one), then ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches; for generated columns use a trigger and a batched backfill.',
  },
  'changing-column-type': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'Add a new column of the new type, write to both, backfill in batches, switch reads, then drop the old column later. (Only binary-coercible changes such as varchar(n) to text or to a longer varchar avoid the rewrite.)',
  },
  'renaming-column': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Add the new column, write to both, backfill, switch readers, then drop the old one; or keep the old name through a view during the switch.',
  },
  'renaming-table': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Create the new table (or an updatable view with the new name), move readers and writers over, then retire the old name in a later deploy.',
  },
  'ban-drop-not-null': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Make sure every reader copes with NULL before the deploy that drops NOT NULL; keep the constraint if old code still relies on it.',
  },
  'ban-create-domain-with-constraint': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Put CHECK constraints on the table columns (added NOT VALID, then validated) instead of on the domain; domain constraints cannot be changed online.',
  },
  'ban-alter-domain-with-add-constraint': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Add the CHECK to the table columns that use the domain (NOT VALID, then VALIDATE) instead of to the domain, which checks every column using it under lock.',
  },
  'prefer-repack': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Use pg_repack (or pg_squeeze) to rewrite the table online; VACUUM FULL and CLUSTER hold ACCESS EXCLUSIVE for the whole rewrite.',
  },
  'require-timeout-settings': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      "Start the file with `SET lock_timeout = '2s';` (or `SET LOCAL` inside a transaction), or set the action's `lock-timeout` input, so a blocked lock fails fast instead of queueing every query behind it.",
  },
  // Transactions.
  'transaction-nesting': {
    severity: 'error',
    destructive: false,
    squawk: true,
    safer: 'Remove BEGIN/COMMIT from the file: the migration tool already runs it in a transaction; a COMMIT inside ends that transaction early and a later failure can no longer roll the whole file back.',
  },
  'ban-uncommitted-transaction': {
    severity: 'error',
    destructive: false,
    squawk: true,
    safer: 'End every BEGIN with a COMMIT in the same file (or drop both and let the tool wrap the file in a transaction).',
  },
  'prefer-robust-stmts': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer:
      'This file runs without a transaction, so a failure half-way leaves it half-applied: use IF NOT EXISTS / IF EXISTS so a re-run succeeds. A failed CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS would keep, so precede it with DROP INDEX CONCURRENTLY IF EXISTS.',
  },
  // Schema design.
  'require-enum-value-ordering': {
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: "Say where the value goes: ALTER TYPE ... ADD VALUE 'x' BEFORE 'y' (or AFTER 'y').",
  },
  'ban-char-field': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    safer: 'Use text (or varchar); char(n) pads with spaces and compares surprisingly.',
  },
  'prefer-text-field': {
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use text with a CHECK (length(col) <= n) constraint: changing a CHECK is cheap, changing varchar(n) needs an ACCESS EXCLUSIVE lock.',
  },
  'prefer-timestamptz': {
    severity: 'warning',
    destructive: false,
    squawk: true,
    squawkName: 'prefer-timestamp-tz',
    safer: 'Use timestamptz (timestamp with time zone); timestamp without time zone loses the offset.',
  },
  'prefer-bigint-over-int': {
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use bigint (or bigserial / bigint identity) so the column cannot run out of values.',
  },
  'prefer-bigint-over-smallint': {
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use bigint so the column cannot run out of values.',
  },
  'prefer-identity': {
    severity: 'note',
    destructive: false,
    squawk: true,
    safer: 'Use bigint GENERATED BY DEFAULT AS IDENTITY instead of serial types.',
  },
  // The ignore comments themselves.
  'unused-ignore': {
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
