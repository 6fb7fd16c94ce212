// `preview-db cleanup`: the cleanup action's sweep (mode stale by default here: `delete`
// removes one branch by name).
import { getCleanupInputs } from '../../actions/cleanup/inputs.js';
import { renderCleanupSummary, runCleanup } from '../../cleanup/index.js';
import { previewStoreFor } from '../../cleanup/stores.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CommandResult } from './types.js';
import { laptopFacts } from './shared.js';

export async function cleanup(ctx: CommandContext): Promise<CommandResult> {
  if (!ctx.settings.has('mode')) ctx.settings.overrides.set('mode', 'stale');
  if (ctx.settings.get('mode') === 'pr' && !ctx.settings.get('branch-name'))
    throw new UsageError('--mode pr needs --branch-name (or use `preview-db delete <name>`).');
  ctx.connection();
  const inputs = getCleanupInputs(laptopFacts());
  const store = previewStoreFor({ provider: inputs.connection.provider, neon: inputs.connection.neon, postgresUrl: inputs.connection.postgresUrl }, ctx.term, {
    waitForDeletion: inputs.settings.mode === 'pr',
  });
  try {
    const report = await ctx.term.group(inputs.settings.dryRun ? 'Finding what a sweep would delete' : 'Sweeping', () =>
      runCleanup(inputs.settings, store, ctx.term),
    );
    return {
      exitCode: report.failure ? 1 : 0,
      json: {
        cleanup: {
          provider: report.provider,
          mode: report.mode,
          dryRun: report.dryRun,
          candidates: report.candidates,
          deleted: report.deleted,
          alreadyGone: report.alreadyGone,
          skipped: report.skipped,
          failed: report.failed,
          failure: report.failure ?? null,
        },
      },
      text: renderCleanupSummary(report, inputs.settings),
    };
  } finally {
    await store.close();
  }
}
