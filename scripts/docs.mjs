// Writes the README's input and output tables from the action.yml files, so the docs
// cannot drift from the contract. `node scripts/docs.mjs --check` fails when stale.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { LINT_RULES_DOC, renderLintRulesDoc } from './lint-docs.mjs';

const root = resolve(import.meta.dirname, '..');

export const DOCUMENTED_ACTIONS = [
  ['preview-db', 'action.yml'],
  ['create-branch', 'actions/create-branch/action.yml'],
  ['migrate', 'actions/migrate/action.yml'],
  ['cleanup', 'actions/cleanup/action.yml'],
  ['snapshot', 'actions/snapshot/action.yml'],
  ['restore', 'actions/restore/action.yml'],
  ['refresh-template', 'actions/refresh-template/action.yml'],
];

const cell = (text) => String(text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();

export function actionTables(manifest) {
  const inputs = Object.entries(manifest.inputs ?? {}).map(
    ([name, input]) => `| \`${name}\` | ${cell(input.description)} | ${input.default !== undefined && input.default !== '' ? `\`${cell(input.default)}\`` : ''} | ${input.required ? 'yes' : ''} |`,
  );
  const outputs = Object.entries(manifest.outputs ?? {}).map(([name, output]) => `| \`${name}\` | ${cell(output.description)} |`);
  return [
    '| Input | Description | Default | Required |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| Output | Description |',
    '| --- | --- |',
    ...outputs,
  ].join('\n');
}

export function renderReadme(readme) {
  let text = readme;
  for (const [name, file] of DOCUMENTED_ACTIONS) {
    const start = `<!-- action-docs:${name}:start -->`;
    const end = `<!-- action-docs:${name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from === -1 || to === -1 || !existsSync(join(root, file))) continue;
    const manifest = parse(readFileSync(join(root, file), 'utf8'));
    text = `${text.slice(0, from + start.length)}\n${actionTables(manifest)}\n${text.slice(to)}`;
  }
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = join(root, 'README.md');
  const current = readFileSync(path, 'utf8');
  const rendered = renderReadme(current);
  if (process.argv.includes('--check')) {
    if (rendered !== current) {
      console.error('README.md tables are stale: run `npm run docs`.');
      process.exit(1);
    }
  } else {
    writeFileSync(path, rendered);
  }
  const lintRules = await renderLintRulesDoc();
  if (!process.argv.includes('--check')) writeFileSync(LINT_RULES_DOC, lintRules);
  else if (!existsSync(LINT_RULES_DOC) || readFileSync(LINT_RULES_DOC, 'utf8') !== lintRules) {
    console.error('docs/lint-rules.md is stale: run `npm run docs`.');
    process.exit(1);
  }
}

// Pages under docs/ that carry the same markers (their action's tables live there, not in the README).
export const DOCUMENTED_PAGES = ['docs/refresh-template.md'];
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const page of DOCUMENTED_PAGES.filter((file) => existsSync(join(root, file)))) {
    const current = readFileSync(join(root, page), 'utf8');
    const rendered = renderReadme(current);
    if (rendered === current) continue;
    if (process.argv.includes('--check')) {
      console.error(`${page} tables are stale: run \`npm run docs\`.`);
      process.exit(1);
    }
    writeFileSync(join(root, page), rendered);
  }
}
