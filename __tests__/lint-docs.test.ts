// docs/lint-rules.md is generated from the rule table: it must match, and say what the rules
// and the comments that steer them really do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/run-action.js';
import { renderLintRulesDoc } from '../src/migrate/lint/docs.js';
import { RULES, squawkName } from '../src/migrate/lint/index.js';
import type { RuleName } from '../src/migrate/lint/index.js';

const doc = renderLintRulesDoc();

test('docs/lint-rules.md matches the rule table (run `npm run docs` when this fails)', () => {
  expect(readFileSync(join(ROOT, 'docs', 'lint-rules.md'), 'utf8')).toBe(doc);
});

test.each(Object.keys(RULES) as RuleName[])("%s has its section: what it catches, the safer way, squawk's name", (rule) => {
  const info = RULES[rule];
  const section = doc.slice(doc.indexOf(`#### ${rule}\n`), doc.indexOf('####', doc.indexOf(`#### ${rule}\n`) + 5));
  expect(section).toContain(`**Catches:** ${info.catches}`);
  expect(section).toContain(`**Safer:** ${info.safer}`);
  const squawk = squawkName(rule);
  expect(section).toContain(squawk === undefined ? 'not in squawk' : squawk === rule ? 'same name' : `\`${squawk}\``);
  expect(doc).toContain(`| [\`${rule}\`](#${rule}) | ${info.severity} | ${info.destructive ? 'yes' : ''} |`);
});

test('a change to the rule table changes the page', () => {
  const before = RULES['ban-drop-table'].safer;
  try {
    (RULES['ban-drop-table'] as { safer: string }).safer = 'Something else entirely.';
    expect(renderLintRulesDoc()).not.toBe(doc);
    expect(renderLintRulesDoc()).toContain('Something else entirely.');
  } finally {
    (RULES['ban-drop-table'] as { safer: string }).safer = before;
  }
});

test('documents the ignore comment, waiver and no-transaction syntax, and that a waiver never opens a guard', () => {
  for (const syntax of [
    '-- squawk-ignore rule-a, rule-b',
    '-- squawk-ignore-file',
    '-- preview-db: ignore rule-a',
    'preview-db: allow ban-drop-column',
    '-- preview-db: no-transaction',
    '-- migrate:up transaction:false',
    '-- squawk-disable-assume-in-transaction',
  ]) {
    expect(doc).toContain(syntax);
  }
  const waivers = doc.slice(doc.indexOf("## Waivers in the pull request's description"), doc.indexOf('## Files that run without a transaction'));
  expect(waivers).toMatch(/never opens a guard/);
  expect(waivers).toContain('`protected: true`');
  expect(waivers).toContain('`allow-destructive`');
  expect(waivers).toContain('`lint: error`');
  expect(waivers).toMatch(/acknowledged/);
});
