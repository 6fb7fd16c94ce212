// The rules themselves: one pass over the parse trees of a whole migration set, in order, so
// facts learnt in one file (a table created here, a NOT VALID check validated there) inform the
// next. Parse trees are libpg-query 18's JSON (types from @pgsql/types, re-exported by libpg-query).
//
// The pass is in parts: the statement walker (walker.ts), the facts it carries from file to
// file (facts.ts), parse-tree helpers (tree.ts) and the rule handlers by topic (handlers/).
import type { FileText, SqlStatement } from '../sql.js';
import type { TransactionModel } from '../tool/profiles.js';
import type { RuleName } from './rules.js';
import { Walker } from './walker.js';

export { cannotRunInTransaction, quoteIdent, shownTable, tableName } from './tree.js';

export interface RawFinding {
  rule: RuleName;
  line: number;
  column: number;
  message: string;
  /** Index of the statement in its file, for statement-level ignore comments. */
  statement: number;
  /** The table the finding is about, as the migration names it (`public."User"`), when there is one. */
  table?: string;
  /** Overrides of the rule's defaults for this one finding (used by ban-update-without-where). */
  severity?: 'error' | 'warning' | 'note';
  destructive?: boolean;
}

export interface CheckSettings {
  sessionLockTimeout: boolean;
  transactionModel: TransactionModel;
  existingTables?: Set<string>;
  /** Schemas that exist before these migrations (lowercased); unknown when undefined. */
  existingSchemas?: Set<string>;
}

export interface ParsedFile {
  path: string;
  source: FileText;
  statements: SqlStatement[];
  /** Comment markers: opted out of the per-file transaction, or squawk's assume-in-transaction override. */
  markers: { optOut: boolean; squawk?: boolean };
}

/**
 * The rules over a set of files, fed one file at a time in the order they run (so a caller can
 * parse, check and drop each file's trees in turn). Ignore comments, waivers and disabled rules
 * are applied by the caller.
 */
export function migrationSetChecker(settings: CheckSettings): { check(file: ParsedFile): RawFinding[] } {
  const linter = new Walker(settings);
  return {
    check(file: ParsedFile): RawFinding[] {
      const before = linter.findings.length;
      linter.lintFile(file);
      return linter.findings.splice(before);
    },
  };
}
