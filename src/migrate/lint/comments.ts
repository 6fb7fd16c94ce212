// Comments that steer the linter: squawk's ignore comments, our aliases for them, the
// no-transaction marker, and waivers written in the pull request's description.
// Comments are found with Postgres's own scanner (libpg-query `scan`), so text inside strings,
// dollar-quoted function bodies and DO blocks is never mistaken for a comment. Regular
// expressions only read the text of a comment (or of a line of the PR body), never SQL.
import { scan } from 'libpg-query';
import { canonicalRule } from './rules.js';
import type { RuleName } from './rules.js';

// One position map for the splitter and the linter (byte offsets to lines and columns): FileText.
import type { FileText } from '../sql.js';

export interface SqlComment {
  /** The comment's text without `--` or `/* *\/`. */
  body: string;
  /** Character offsets of the whole comment. */
  start: number;
  end: number;
  /** The line the comment starts on (squawk matches ignores by it). */
  line: number;
}

/**
 * The comments of a file. `scanned` is the text given to the scanner when it differs from the
 * file's: the file with its inline COPY data blanked out byte for byte (see withoutCopyData).
 */
export async function scanComments(source: FileText, scanned = source.text): Promise<SqlComment[]> {
  if (scanned.trim() === '') return [];
  const { tokens } = await scan(scanned);
  const comments: SqlComment[] = [];
  for (const token of tokens) {
    if (token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT') continue;
    const start = source.charOffset(token.start);
    const end = source.charOffset(token.end);
    const raw = source.text.slice(start, end);
    const body = token.tokenName === 'SQL_COMMENT' ? raw.slice(2) : raw.slice(2, raw.endsWith('*/') ? -2 : undefined);
    comments.push({ body, start, end, line: source.position(start).line });
  }
  return comments;
}

export interface IgnoreDirective {
  scope: 'file' | 'statement';
  /** Empty with `all: true` when the comment names no rule. */
  rules: Set<RuleName>;
  all: boolean;
  /** Names that are not rules (typos): reported so a mistyped ignore does not pass unnoticed. */
  unknown: string[];
  comment: SqlComment;
}

// squawk's spellings first, then this project's aliases. Longer prefixes before shorter ones.
const IGNORE_PREFIXES: Array<[string, 'file' | 'statement']> = [
  ['squawk-ignore-file', 'file'],
  ['squawk-ignore', 'statement'],
  ['preview-db: ignore-file', 'file'],
  ['preview-db: ignore', 'statement'],
];

/** Reads an ignore comment the way squawk does: `-- squawk-ignore rule-a, rule-b` (text after a further `--` is a remark). */
export function ignoreDirective(comment: SqlComment): IgnoreDirective | undefined {
  let text = comment.body.trim();
  const remark = text.indexOf('--');
  if (remark >= 0) text = text.slice(0, remark).trimEnd();
  for (const [prefix, scope] of IGNORE_PREFIXES) {
    if (!text.toLowerCase().startsWith(prefix)) continue;
    const rest = text.slice(prefix.length);
    if (rest !== '' && !/^[\s,]/.test(rest)) continue;
    const names = rest
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const rules = new Set<RuleName>();
    const unknown: string[] = [];
    for (const name of names) {
      const rule = canonicalRule(name);
      if (rule) rules.add(rule);
      else unknown.push(name);
    }
    // Like squawk: a file-level comment without names ignores every rule; a statement-level one
    // without names ignores nothing.
    return { scope, rules, all: scope === 'file' && names.length === 0, unknown, comment };
  }
  return undefined;
}

/**
 * How a file's comments change whether it runs in a transaction:
 * - `optOut`: the built-in runner's `-- preview-db: no-transaction` (or dbmate's
 *   `-- migrate:up transaction:false`) before the first statement; honoured by per-file runners.
 * - `squawk`: squawk's `-- squawk-disable-assume-in-transaction` (false) or
 *   `-- squawk-enable-assume-in-transaction` (true), anywhere in the file.
 */
export function transactionMarkers(comments: SqlComment[], firstStatementOffset: number): { optOut: boolean; squawk?: boolean } {
  let squawk: boolean | undefined;
  let optOut = false;
  for (const comment of comments) {
    const text = comment.body.trim().toLowerCase();
    if (text === 'squawk-disable-assume-in-transaction') squawk ??= false;
    if (text === 'squawk-enable-assume-in-transaction') squawk ??= true;
    if (comment.start < firstStatementOffset && (/^preview-db:\s*no-transaction$/.test(text) || /^migrate:up\b.*\btransaction:false\b/.test(text)))
      optOut = true;
  }
  return { optOut, squawk };
}

/**
 * Rules waived by the pull request's description: a line such as `preview-db: allow ban-drop-column`
 * or `squawk-ignore ban-drop-column, renaming-column`. Returns the rules and any unknown names.
 */
export function prWaivers(prBody: string | undefined): { rules: Set<RuleName>; unknown: string[] } {
  const rules = new Set<RuleName>();
  const unknown: string[] = [];
  for (const line of (prBody ?? '').split(/\r?\n/)) {
    const match = /(?:^|[\s`>*_-])(?:preview-db:\s*allow|squawk-ignore)\s+([`'"a-z0-9][`'"a-z0-9\s,-]*)/i.exec(line);
    if (!match) continue;
    // Names up to the first word that is not a rule, so a reason may follow on the same line.
    const names = match[1]!.split(/[\s,`'"]+/).filter((part) => part !== '');
    for (const [index, name] of names.entries()) {
      const rule = canonicalRule(name);
      if (rule) {
        rules.add(rule);
        continue;
      }
      if (index === 0) unknown.push(name);
      break;
    }
  }
  return { rules, unknown };
}
