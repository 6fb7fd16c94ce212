// npm run bench snapshot: how long after a snapshot becomes available does the waiter
// notice it? On a simulated clock, for snapshots taking 10 s to 30 min, with 100 ms per
// describe call: ours (waitForSnapshot with the action's default intervals) against the AWS
// SDK's waiter as RDS configures it (waitUntilDBSnapshotAvailable: minDelay 30 s, maxDelay
// 1800 s, exponential backoff with jitter between them, as @smithy/core's util-waiter
// computes it; re-implemented here on the simulated clock). Each duration is drawn 101
// times within ±10 % of its nominal value (the same draws for both); medians.
import { waitForSnapshot } from '../src/snapshot/wait.js';
import { pollIntervals } from '../src/snapshot/types.js';
import { MemoryLog } from '../__tests__/support/memory-log.js';
import { median, ms, say, type BenchRow } from './rows.js';

const DURATIONS_S = [10, 60, 300, 900, 1800];
const DESCRIBE_MS = 100;
const SDK_MIN_DELAY_S = 30;
const SDK_MAX_DELAY_S = 1800;
const SEEDS = 101;

/** A small deterministic generator, so the SDK's jitter is the same in every run of the bench. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** The SDK waiter's delay before attempt `attempt` (1-based count of checks so far). */
function sdkDelayMs(attempt: number, random: () => number): number {
  const min = SDK_MIN_DELAY_S * 1000;
  const max = SDK_MAX_DELAY_S * 1000;
  if (attempt > Math.log(max / min) / Math.log(2) + 1) return max;
  const capped = Math.min(min * 2 ** (attempt - 1), max);
  return min + random() * (capped - min);
}

function sdkWaiter(availableAt: number, random: () => number): { noticedAt: number; calls: number } {
  let now = 0;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) now += sdkDelayMs(attempt, random);
    now += DESCRIBE_MS;
    if (now >= availableAt) return { noticedAt: now, calls: attempt + 1 };
  }
}

async function oursWaiter(availableAt: number): Promise<{ noticedAt: number; calls: number }> {
  let now = 0;
  let calls = 0;
  const timing = pollIntervals(undefined);
  await waitForSnapshot(
    async () => {
      now += DESCRIBE_MS;
      calls++;
      return { status: now >= availableAt ? 'available' : 'creating' };
    },
    {
      what: 'snapshot',
      deadline: 10 * 3600_000,
      log: new MemoryLog(),
      initialIntervalMs: timing.initialIntervalMs,
      maxIntervalMs: timing.maxIntervalMs,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    },
  );
  return { noticedAt: now, calls };
}

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const seconds of DURATIONS_S) {
    const draw = seeded(seconds);
    const times = Array.from({ length: SEEDS }, () => seconds * 1000 * (0.9 + 0.2 * draw()));
    const oursRuns = await Promise.all(times.map(async (availableAt) => ({ ...(await oursWaiter(availableAt)), availableAt })));
    const sdk = times.map((availableAt, seed) => ({ ...sdkWaiter(availableAt, seeded(seed + 1)), availableAt }));
    const sdkLate = median(sdk.map((run) => run.noticedAt - run.availableAt));
    const sdkCalls = median(sdk.map((run) => run.calls));
    const oursLate = median(oursRuns.map((run) => run.noticedAt - run.availableAt));
    const ours = { calls: median(oursRuns.map((run) => run.calls)) };
    say(`${seconds} s: ours noticed ${ms(oursLate)} late (${ours.calls} calls); SDK waiter ${ms(sdkLate)} late (${sdkCalls} calls)`);
    rows.push({
      section: 'snapshot (simulated)',
      measure: `noticed after available, ${seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`} snapshot`,
      value: `${ms(oursLate)} (${ours.calls} calls) vs SDK ${ms(sdkLate)} (${sdkCalls} calls)`,
      ratio: oursLate / sdkLate,
      ratioOf: '÷ SDK waiter',
      target: '≤ 1',
      met: oursLate <= sdkLate,
    });
  }
  return rows;
}
