// One restore, whatever the provider: sweep stale drills (drill mode), pre-flight, restore,
// wait until available, verify, and in drill mode always delete what was restored, also
// when waiting or verification failed. Recovery time runs from the restore call to the
// end of verification (or to available, without verification).
import { errorMessage } from '../shared/errors.js';
import { formatMillis } from '../shared/duration.js';
import type { Log } from '../shared/log.js';
import { verifyRestored } from './verify.js';
import { RestoreFailedError, type Check, type CreatedTarget, type RestoreResult, type VerifySettings } from './types.js';

/** How long verification keeps trying to connect to the restored database. */
const VERIFY_CONNECT_MS = 5 * 60_000;

/** What the backend settled on before anything was created. */
export interface RestorePlan {
  source: string;
  kind: 'instance' | 'cluster' | 'branch';
  targetId: string;
  snapshotId: string;
  snapshotCreatedAt?: string;
  /** Tags of the snapshot (recorded row counts live there). */
  snapshotTags: Record<string, string>;
  copied: string[];
}

export interface RestoreBackend {
  /** Deletes stale drill targets; returns their identifiers. */
  sweep(): Promise<string[]>;
  preflight(): Promise<RestorePlan>;
  /** What `create` will make, known before the call (so a cancelled run can still find it). */
  planned(plan: RestorePlan): CreatedTarget;
  /** Calls the restore; returns as soon as the provider accepted it. */
  create(plan: RestorePlan): Promise<CreatedTarget>;
  /** Waits until the restored database takes connections; its endpoint. */
  waitAvailable(created: CreatedTarget): Promise<{ address: string; port: number } | undefined>;
  /** The connection URL to verify with, when the provider makes one (Neon). */
  verifyUrl?(created: CreatedTarget, settings: VerifySettings): Promise<string>;
  remove(created: CreatedTarget): Promise<boolean>;
}

export interface RunDeps {
  log: Log;
  now?: () => number;
  /** Called just before the restore call and again once it was accepted: the post step needs it if the job is cancelled. */
  onCreated?: (created: CreatedTarget) => void;
  /** Called once a drill target was deleted. */
  onDeleted?: (created: CreatedTarget) => void;
}

export async function runRestore(
  backend: RestoreBackend,
  options: { drill: boolean; verify?: VerifySettings; expectCounts?: (plan: RestorePlan) => Record<string, number> | undefined; deadline: number },
  deps: RunDeps,
): Promise<RestoreResult> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const swept = options.drill ? await log.group('Sweeping stale drills', () => backend.sweep()) : [];
  const plan = await log.group('Pre-flight', () => backend.preflight());
  const expectCounts = options.verify ? options.expectCounts?.(plan) : undefined;
  const started = now();
  // Recorded before the call: a cancellation may land while the request is in flight.
  deps.onCreated?.(backend.planned(plan));
  const created = await log.group(`Restore ${plan.snapshotId} → ${plan.targetId}`, () => backend.create(plan));
  deps.onCreated?.(created);
  const result: RestoreResult = {
    provider: created.provider,
    source: plan.source,
    kind: plan.kind,
    restoredIdentifier: created.id,
    restoredName: created.name,
    writerIdentifier: created.writerId,
    snapshotIdentifier: plan.snapshotId,
    snapshotCreatedAt: plan.snapshotCreatedAt,
    checks: [],
    drill: options.drill,
    deleted: false,
    swept,
    copied: plan.copied,
  };
  try {
    const endpoint = await log.group(`Waiting for ${created.id}`, () => backend.waitAvailable(created));
    result.availableSeconds = Math.round((now() - started) / 100) / 10;
    if (endpoint) result.endpoint = `${endpoint.address}:${endpoint.port}`;
    log.info(`${created.id} is available after ${formatMillis(now() - started)}${result.endpoint ? ` at ${result.endpoint}` : ''}.`);
    if (options.verify) {
      const verify = options.verify;
      const url = backend.verifyUrl ? await backend.verifyUrl(created, verify) : verify.url;
      const checks: Check[] = await log.group(`Verifying ${created.id}`, () =>
        // A fresh database may refuse connections for a moment; an unreachable one (private subnet) never answers: give up after a few minutes.
        verifyRestored(
          {
            url,
            endpoint: backend.verifyUrl ? undefined : endpoint,
            expectCounts,
            sql: verify.sql,
            deadline: Math.min(options.deadline, now() + VERIFY_CONNECT_MS),
          },
          log,
        ),
      );
      result.checks = checks;
      result.verified = checks.every((c) => c.ok);
      if (!result.verified)
        result.failure = `verification of ${created.id} failed: ${checks
          .filter((c) => !c.ok)
          .map((c) => `${c.name}: ${c.detail}`)
          .join('; ')}`;
    }
    result.recoverySeconds = Math.round((now() - started) / 100) / 10;
  } catch (error) {
    result.failure = `${created.id} (restored from ${plan.snapshotId}): ${errorMessage(error)}`;
  } finally {
    if (options.drill) {
      await log.group(`Deleting drill target ${created.id}`, async () => {
        try {
          const started = await backend.remove(created);
          log.info(`${created.id}: ${started ? 'deletion started' : 'already gone'}.`);
          result.deleted = true;
          deps.onDeleted?.(created);
        } catch (error) {
          log.error(
            `Could not delete drill target ${created.id}: ${errorMessage(error)}. Delete it by hand; the next drill's sweep deletes it once its drill-expires tag has passed.`,
          );
        }
      });
    }
  }
  if (result.failure) throw new RestoreFailedError(result.failure, result);
  return result;
}
