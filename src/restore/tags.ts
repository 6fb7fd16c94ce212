// Tags on what a restore creates: the user's, the source's (a restore does not carry them),
// and our own: managed-by, the run, the snapshot restored, and for drills when the target
// is stale (a drill that crashed is swept by the next one after that time).
import { InputError } from '../shared/errors.js';
import { snapshotTags, validateUserTags, isManaged, type TagRun, type SnapshotTag } from '../snapshot/tags.js';

export const TAG_RESTORED_FROM = 'restored-from';
export const TAG_DRILL_EXPIRES = 'drill-expires';

export function validateRestoreTags(pairs: Array<[string, string]>): Array<[string, string]> {
  for (const [key] of pairs) {
    if (key === TAG_RESTORED_FROM || key === TAG_DRILL_EXPIRES) throw new InputError('tags', `'${key}' is set by the action itself; remove it from tags.`);
  }
  return validateUserTags(pairs);
}

export function restoreTags(options: {
  run: TagRun;
  userTags: Array<[string, string]>;
  sourceTags: Record<string, string>;
  snapshotId: string;
  drillExpires?: Date;
}): SnapshotTag[] {
  const own = snapshotTags(options.run, []);
  const ownKeys = new Set([...own.map((t) => t.Key), TAG_RESTORED_FROM, TAG_DRILL_EXPIRES]);
  const merged = new Map<string, string>();
  // The source's tags first (not AWS's own, not ours: those describe the source), the user's over them.
  for (const [key, value] of Object.entries(options.sourceTags))
    if (!/^aws:/i.test(key) && !ownKeys.has(key) && !key.startsWith('row-count:')) merged.set(key, value);
  for (const [key, value] of options.userTags) merged.set(key, value);
  for (const tag of own) merged.set(tag.Key, tag.Value);
  merged.set(TAG_RESTORED_FROM, options.snapshotId);
  if (options.drillExpires) merged.set(TAG_DRILL_EXPIRES, options.drillExpires.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

/** How long a drill target may live before the next drill's sweep deletes it: a live drill restores, verifies and deletes within about twice wait-timeout. */
export function drillLifetimeMs(waitTimeoutSeconds: number): number {
  return (2 * waitTimeoutSeconds + 3600) * 1000;
}

/** A drill target of ours whose time is up. */
export function isStaleDrill(tags: Record<string, string>, now: number): boolean {
  if (!isManaged(tags) || !tags[TAG_DRILL_EXPIRES]) return false;
  const expires = Date.parse(tags[TAG_DRILL_EXPIRES]!);
  return Number.isFinite(expires) && expires <= now;
}
