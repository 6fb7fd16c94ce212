// Which lifecycle phase an event asks for: apart from the lifecycle (which loads every core),
// so that an action decides it before loading anything heavy.

export type LifecyclePhase = 'open' | 'close';

/**
 * opened, reopened, synchronize → open; closed → close; anything else is not ours to act on.
 * Only `pull_request`: under `pull_request_target` a fork's migrations would run with this
 * repository's secrets, the classic way to leak them.
 */
export function phaseOf(eventName: string, action: string | undefined): LifecyclePhase | undefined {
  if (eventName !== 'pull_request') return undefined;
  if (action === 'closed') return 'close';
  if (action === 'opened' || action === 'reopened' || action === 'synchronize') return 'open';
  return undefined;
}
