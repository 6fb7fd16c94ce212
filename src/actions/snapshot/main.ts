// actions/snapshot: inputs → a verified snapshot (RDS, Aurora or Neon) → outputs and summary.
import * as core from '@actions/core';
import { renderSnapshotSummary } from '../../snapshot/summary.js';
import { SnapshotIncompleteError, type SnapshotResult } from '../../snapshot/types.js';
import { readRunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { getSnapshotInputs } from './inputs.js';

async function main(): Promise<void> {
  const settings = getSnapshotInputs(readRunFacts());
  let result: SnapshotResult;
  try {
    // Loaded on demand: the AWS SDK is most of this action's code and only RDS needs it.
    result =
      settings.provider === 'rds'
        ? await (await import('../../snapshot/rds.js')).takeRdsSnapshot(settings.request, { log: actionLog })
        : await (await import('../../snapshot/neon.js')).takeNeonSnapshot(settings.request, { log: actionLog });
  } catch (error) {
    // A snapshot exists but is not (yet) usable: still publish its identifier, so nobody takes another by mistake.
    if (error instanceof SnapshotIncompleteError) {
      setOutputs({ 'snapshot-id': error.partial.snapshotId, 'snapshot-arn': error.partial.snapshotArn, status: error.partial.status });
      await core.summary
        .addRaw(`### Pre-deploy snapshot: not usable yet\n\nSnapshot \`${error.partial.snapshotId}\` is ${error.partial.status}.\n\n${error.message}\n`)
        .write();
    }
    throw error;
  }
  setOutputs({
    'snapshot-id': result.snapshotId,
    'snapshot-arn': result.snapshotArn,
    status: result.status,
    'created-at': result.createdAt,
    pruned: JSON.stringify(result.pruned),
    'restore-command': result.restoreCommand,
    reused: result.reused,
    'copy-snapshot-arn': result.copy?.snapshotArn,
  });
  await core.summary.addRaw(renderSnapshotSummary(result, { dryRun: settings.request.pruneDryRun })).write();
}

await runAction(main);
