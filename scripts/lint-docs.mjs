// docs/lint-rules.md from the linter's rule table (src/migrate/lint/rules.ts): bundles the
// TypeScript renderer with esbuild, as scripts/bench.mjs does, and returns the page's text.
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

export const LINT_RULES_DOC = join(root, 'docs', 'lint-rules.md');

export async function renderLintRulesDoc() {
  const bundled = await build({
    absWorkingDir: root,
    entryPoints: [join('src', 'migrate', 'lint', 'docs.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    logLevel: 'warning',
  });
  const module = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`);
  return module.renderLintRulesDoc();
}
