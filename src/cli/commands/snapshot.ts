// `preview-db snapshot`: what the snapshot action does (RDS, Aurora or Neon), from a laptop.
import { getSnapshotInputs } from '../../actions/snapshot/inputs.js';
import { takeNeonSnapshot } from '../../snapshot/neon.js';
import { takeRdsSnapshot } from '../../snapshot/rds.js';
import { renderSnapshotSummary } from '../../snapshot/summary.js';
import { NO_NEON_API_KEY, type CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CommandResult } from './types.js';
import { laptopFacts } from './shared.js';

export async function snapshot(ctx: CommandContext): Promise<CommandResult> {
  if (ctx.settings.get('provider') === 'neon' && !ctx.settings.get('neon-api-key')) throw new UsageError(NO_NEON_API_KEY);
  const settings = getSnapshotInputs(laptopFacts(), ctx.io.env);
  const result = await ctx.term.group('Taking the snapshot', () =>
    settings.provider === 'rds' ? takeRdsSnapshot(settings.request, { log: ctx.term }) : takeNeonSnapshot(settings.request, { log: ctx.term }),
  );
  return {
    exitCode: 0,
    json: {
      snapshot: {
        id: result.snapshotId,
        arn: result.snapshotArn ?? null,
        status: result.status,
        createdAt: result.createdAt ?? null,
        reused: result.reused,
        pruned: result.pruned,
        restoreCommand: result.restoreCommand ?? null,
        copyArn: result.copy?.snapshotArn ?? null,
      },
    },
    text: renderSnapshotSummary(result, { dryRun: settings.request.pruneDryRun }),
  };
}
