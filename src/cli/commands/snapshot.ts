// `preview-db snapshot`: what the snapshot action does (RDS, Aurora or Neon), from a laptop.
import { getSnapshotInputs } from '../../actions/snapshot/inputs.js';
import { takeNeonSnapshot } from '../../snapshot/neon.js';
import { takeRdsSnapshot } from '../../snapshot/rds.js';
import { renderSnapshotSummary } from '../../snapshot/summary.js';
import type { CommandContext } from '../context.js';
import type { CommandResult } from './types.js';
import { laptopFacts } from './shared.js';

export async function snapshot(ctx: CommandContext): Promise<CommandResult> {
  for (const name of ['neon-api-key']) if (ctx.settings.get(name)) ctx.term.secret(ctx.settings.get(name));
  const settings = getSnapshotInputs(laptopFacts(), ctx.io.env);
  const result = await ctx.term.group('Taking the snapshot', () => (settings.provider === 'rds' ? takeRdsSnapshot(settings.request, { log: ctx.term }) : takeNeonSnapshot(settings.request, { log: ctx.term })));
  return {
    exitCode: 0,
    json: { snapshot: { id: result.snapshotId, arn: result.snapshotArn ?? null, status: result.status, createdAt: result.createdAt ?? null, reused: result.reused, pruned: result.pruned, restoreCommand: result.restoreCommand ?? null, copyArn: result.copy?.snapshotArn ?? null } },
    text: renderSnapshotSummary(result, { dryRun: settings.request.pruneDryRun }),
  };
}
