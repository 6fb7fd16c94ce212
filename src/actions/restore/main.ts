// actions/restore: inputs → a restore (RDS instance, Aurora cluster, Neon branch) → checks →
// outputs and summary. In drill mode the restored copy is always deleted; if the job is
// cancelled first, the post step (this same file, run again by the runner) deletes it.
import * as core from '@actions/core';
import type { RestoreResult, CreatedTarget } from '../../restore/index.js';
import { renderRestoreSummary } from '../../restore/summary.js';
import { readRunFacts } from '../context.js';
import { actionLog, inputs, runAction, setOutputs } from '../runtime.js';
import { RESTORE_WAIT_BOUNDS, getRestoreInputs, timingFromEnvironment } from './inputs.js';

/** State the runner hands to the post step. */
export const STATE = { isPost: 'isPost', drillTarget: 'drill-target', drillDeleted: 'drill-deleted' } as const;

function outputsOf(result: RestoreResult) {
  return {
    'restored-identifier': result.restoredIdentifier,
    endpoint: result.endpoint,
    'snapshot-identifier': result.snapshotIdentifier,
    'recovery-seconds': result.recoverySeconds,
    verified: result.verified,
    deleted: result.deleted,
  };
}

async function main(): Promise<void> {
  core.saveState(STATE.isPost, 'true');
  const settings = getRestoreInputs(readRunFacts());
  const deps = {
    log: actionLog,
    onCreated: (created: CreatedTarget) => {
      if (settings.request.drill) core.saveState(STATE.drillTarget, JSON.stringify(created));
    },
    onDeleted: () => core.saveState(STATE.drillDeleted, 'true'),
  };
  // The core (and the AWS SDK or the Neon client behind it) loads once the inputs are valid.
  const { restoreRds, restoreNeon, RestoreFailedError } = await import('../../restore/index.js');
  let result: RestoreResult;
  try {
    result = settings.provider === 'rds' ? await restoreRds(settings.request, deps) : await restoreNeon(settings.request, deps);
  } catch (error) {
    if (error instanceof RestoreFailedError) {
      setOutputs(outputsOf(error.result));
      await core.summary.addRaw(renderRestoreSummary(error.result)).write();
    }
    throw error;
  }
  setOutputs(outputsOf(result));
  await core.summary.addRaw(renderRestoreSummary(result)).write();
}

/** After a cancelled (or crashed) drill: delete the restored copy it left behind. */
async function post(): Promise<void> {
  const saved = core.getState(STATE.drillTarget);
  if (!saved || core.getState(STATE.drillDeleted) === 'true') return;
  const created = JSON.parse(saved) as CreatedTarget;
  const waitTimeoutSeconds = inputs.duration('wait-timeout', RESTORE_WAIT_BOUNDS) ?? 3600;
  core.warning(`The drill did not finish: deleting its restored copy ${created.id}.`, { title: 'Restore drill cleanup' });
  const { deleteRdsTarget, deleteNeonTarget } = await import('../../restore/index.js');
  const deleted =
    created.provider === 'rds'
      ? await deleteRdsTarget(created, { waitTimeoutSeconds, log: actionLog, timing: timingFromEnvironment(process.env) })
      : await deleteNeonTarget(created, { apiKey: inputs.secret('neon-api-key'), waitTimeoutSeconds, log: actionLog });
  core.info(deleted ? `Deletion of ${created.id} started.` : `${created.id} was already gone.`);
}

await runAction(core.getState(STATE.isPost) === 'true' ? post : main);
