// docs/lint-rules.md, written from the rule table in rules.ts so the page cannot drift from the
// linter: `npm run docs` writes it (scripts/lint-docs.mjs bundles this module), a test compares.
import { escapeTableCell as cell } from '../../shared/markdown.js';
import { RULES, RULE_ALIASES, SQUAWK_CHECKED_VERSION, squawkName } from './rules.js';
import type { RuleInfo, RuleName } from './rules.js';

const SEVERITY: Record<RuleInfo['severity'], string> = { error: 'error', warning: 'warning', note: 'note' };

function squawkCell(rule: RuleName): string {
  const name = squawkName(rule);
  if (name === undefined) return '— (ours)';
  return name === rule ? 'same name' : `\`${name}\``;
}

const INTRO = `# Lint rules

The migrate action (and the root action) lints every pending migration with Postgres's own parser
(libpg-query), before anything is applied. The files are read as one set, in the order they will run,
so what an earlier file did counts in a later one: a table created in the set holds no rows and no
code uses it yet (no lock or drop rule applies to it) unless it was filled from another table
(\`CREATE TABLE ... AS\`, \`INSERT ... SELECT\`); an index keeps its table after \`ALTER INDEX ... RENAME\`;
a \`NOT VALID\` constraint validated in a later file is the safe two-step pattern.

Rule names are squawk's where squawk has the rule (checked against squawk ${SQUAWK_CHECKED_VERSION}), so
squawk's ignore comments work unchanged. Each finding shows the safer pattern next to the problem.
\`lint: error\` fails the run on findings of severity *error*; findings marked *destructive* are what
\`protected: true\` refuses unless \`allow-destructive\` is set.

This page is generated from \`src/migrate/lint/rules.ts\` by \`npm run docs\`; do not edit it by hand.
`;

const IGNORE = `## Ignore comments (in the migration)

A comment in the migration file is reviewed with the change, so it switches a rule off where it stands,
guards included. squawk's syntax works as it is; \`preview-db:\` spellings are aliases.

| Comment | Scope |
| --- | --- |
| \`-- squawk-ignore rule-a, rule-b\` | The statement on the same line or the next one, or the statement the comment precedes. |
| \`-- squawk-ignore-file rule-a\` | The whole file (any line of it). Without names: every rule. |
| \`-- preview-db: ignore rule-a\` | As \`squawk-ignore\`. |
| \`-- preview-db: ignore-file rule-a\` | As \`squawk-ignore-file\`. |

Names are separated by commas; text after a further \`--\` is a remark
(\`-- squawk-ignore ban-drop-column -- moved to profiles\`). \`/* ... */\` comments work too. A statement-level
comment without names ignores nothing (as in squawk). A name that is not a rule is reported as
\`unused-ignore\`, so a typo does not pass unnoticed. Text inside strings, function bodies and \`DO\` blocks is
never read as a comment.

The \`lint-disable\` input (a list of rule names, squawk's aliases accepted) turns rules off for the whole run.
`;

const WAIVERS = `## Waivers in the pull request's description

A line such as

\`\`\`text
preview-db: allow ban-drop-column, renaming-column because the column moved to profiles
squawk-ignore ban-drop-column
\`\`\`

in the pull request's description marks findings of those rules as acknowledged in the report. Names run up
to the first word that is not a rule, so a reason may follow on the same line.

The description is written by whoever opens the pull request, so a waiver there never opens a guard: it does
not let a destructive change through on a \`protected: true\` database, it does not stand in for
\`allow-destructive\`, and it does not turn a finding that fails \`lint: error\` into a pass. What opens a guard
comes only from reviewed places: an ignore comment in the migration file itself, or the workflow's inputs
(\`lint-disable\`, \`allow-destructive\`).
`;

const TRANSACTIONS = `## Files that run without a transaction

Statements such as \`CREATE INDEX CONCURRENTLY\` cannot run inside a transaction block. The linter knows how
the migration tool runs files (each in its own transaction, all in one, or none) and reads these markers:

| Marker | Meaning |
| --- | --- |
| \`-- preview-db: no-transaction\` | The built-in runner applies this file without a transaction; a comment line before the first statement. |
| \`-- migrate:up transaction:false\` | dbmate's option, read the same way. |
| \`-- squawk-disable-assume-in-transaction\` | squawk's: lint this file as running outside a transaction (anywhere in the file). |
| \`-- squawk-enable-assume-in-transaction\` | squawk's: lint this file as running inside one. |

A file that runs without a transaction and has several statements should be safe to re-run
(\`prefer-robust-stmts\`): each statement commits on its own, so a failure half-way leaves it half-applied.
An explicit \`BEGIN\` ... \`COMMIT\` in the file is read as such: statements between them run in that
transaction.
`;

/** The whole of docs/lint-rules.md. */
export function renderLintRulesDoc(): string {
  const rules = Object.entries(RULES) as Array<[RuleName, RuleInfo]>;
  const out: string[] = [INTRO, '## Rules', ''];
  out.push('| Rule | Severity | Destructive | squawk |', '| --- | --- | --- | --- |');
  for (const [name, info] of rules)
    out.push(`| [\`${name}\`](#${name}) | ${SEVERITY[info.severity]} | ${info.destructive ? 'yes' : ''} | ${squawkCell(name)} |`);
  out.push('');
  const groups = [...new Set(rules.map(([, info]) => info.group))];
  for (const group of groups) {
    out.push(`### ${group}`, '');
    for (const [name, info] of rules.filter(([, rule]) => rule.group === group)) {
      const squawk = squawkName(name);
      const aliases = Object.entries(RULE_ALIASES)
        .filter(([, target]) => target === name)
        .map(([alias]) => `\`${alias}\``);
      out.push(`#### ${name}`, '');
      out.push(`**Catches:** ${cell(info.catches)}`, '');
      out.push(`**Safer:** ${cell(info.safer)}`, '');
      const facts = [
        `severity ${SEVERITY[info.severity]}`,
        info.destructive ? 'destructive (refused on a protected database unless `allow-destructive`)' : undefined,
      ];
      facts.push(squawk === undefined ? 'not in squawk' : squawk === name ? 'squawk has it under the same name' : `squawk calls it \`${squawk}\``);
      if (aliases.length > 0) facts.push(`also accepted as ${aliases.join(', ')}`);
      out.push(`<sub>${facts.filter(Boolean).join(' · ')}</sub>`, '');
    }
  }
  out.push(IGNORE, WAIVERS, TRANSACTIONS);
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
