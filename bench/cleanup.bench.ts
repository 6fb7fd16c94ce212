// npm run bench cleanup: a stale sweep of 1,000 (virtual) preview branches against the fake
// Neon API with a realistic per-request latency and Neon's rate limits on (40 requests/s per
// route, 700/min per account; the fake answers 429 + Retry-After beyond them), compared with
// - the floor the rate limit allows: requests ÷ 700 per minute;
// - deleting one by one, each deletion awaited until Neon's operation finishes (what
//   looping over PR-mode cleanup would do), and one by one without awaiting. Both are
//   measured on a sample and extrapolated to 1,000 (a full sequential run would take
//   many minutes); the extrapolation is said as such.
import { startFakeNeon, type FakeNeon } from '../__tests__/fakes/neon/server.js';
import { startEmbeddedPostgres } from '../__tests__/support/test-postgres.mjs';
import { runCleanup } from '../src/cleanup/index.js';
import { NeonPreviewStore } from '../src/providers/neon/sweep.js';
import { formatMillis } from '../src/shared/duration.js';
import { MemoryLog } from '../__tests__/support/memory-log.js';
import type { BenchRow } from './rows.js';

const COUNT = Number(process.env.CLEANUP_BENCH_COUNT ?? 1000);
const LATENCY_MS = 75;
const OPERATION_MS = 1000;
const NEON_PER_MINUTE = 700;
const DAY = 86_400_000;

async function seed(fake: FakeNeon, count: number, prefix: string): Promise<void> {
  const old = new Date(Date.now() - 30 * DAY);
  for (let i = 0; i < count; i++) await fake.seedBranch({ name: `${prefix}${i}`, createdAt: old, updatedAt: old, virtual: true });
}

function peakPerMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - 60_000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** One by one: list once, then delete each branch in turn (optionally awaiting its operation). */
async function sequentialSample(postgresUrl: string, sample: number, waitForDeletion: boolean): Promise<{ perBranchMs: number; requests: number }> {
  const fake = await startFakeNeon({ postgresUrl, latencyMs: LATENCY_MS, operationDelayMs: OPERATION_MS, rateLimit: {} });
  try {
    await seed(fake, sample, 'preview/one-by-one-');
    const log = new MemoryLog();
    const store = new NeonPreviewStore({ apiKey: fake.apiKey, projectId: fake.projectId, apiHost: fake.apiHost, concurrency: 1, waitForDeletion }, log);
    const resources = (await store.list({ mode: 'stale', olderThanSeconds: 86400, now: new Date() })).filter((resource) =>
      resource.name.startsWith('preview/'),
    );
    const before = fake.requests.length;
    const started = performance.now();
    for (const resource of resources) await store.remove(resource);
    return { perBranchMs: (performance.now() - started) / resources.length, requests: (fake.requests.length - before) / resources.length };
  } finally {
    await fake.close();
  }
}

export default async function bench(): Promise<BenchRow[]> {
  const embedded = process.env.TEST_DATABASE_URL ? undefined : await startEmbeddedPostgres({ quiet: true });
  const postgresUrl = process.env.TEST_DATABASE_URL ?? embedded!.url;
  try {
    const fake = await startFakeNeon({ postgresUrl, latencyMs: LATENCY_MS, operationDelayMs: OPERATION_MS, rateLimit: {} });
    let sweepMs: number;
    let requests: Array<{ status: number; at: number }>;
    let pauses: number;
    let sustained: number;
    try {
      await seed(fake, COUNT, 'preview/stale-');
      await fake.seedBranch({ name: 'production', protected: true, virtual: true });
      const log = new MemoryLog();
      const store = new NeonPreviewStore({ apiKey: fake.apiKey, projectId: fake.projectId, apiHost: fake.apiHost }, log);
      sustained = store.pacer.sustainedPerSecond;
      const before = fake.requests.length;
      const started = performance.now();
      const report = await runCleanup(
        { mode: 'stale', prefixes: ['preview/'], olderThanSeconds: 7 * 86400, closedPrs: false, dryRun: false, maxDeletions: COUNT },
        store,
        log,
      );
      sweepMs = performance.now() - started;
      requests = fake.requests.slice(before);
      pauses = store.pacer.pauseCount;
      if (report.deleted.length !== COUNT || report.failed.length > 0)
        throw new Error(`sweep deleted ${report.deleted.length}/${COUNT}, ${report.failed.length} failed`);
      if (fake.branches().some((branch) => branch.name.startsWith('preview/'))) throw new Error('previews left after the sweep');
    } finally {
      await fake.close();
    }
    const floorMs = (requests.length / NEON_PER_MINUTE) * 60_000;
    const limited = requests.filter((request) => request.status === 429).length;

    const awaitedSample = 20;
    const awaited = await sequentialSample(postgresUrl, awaitedSample, true);
    const plainSample = 60;
    const plain = await sequentialSample(postgresUrl, plainSample, false);
    const awaitedMs = awaited.perBranchMs * COUNT;
    const plainMs = Math.max(plain.perBranchMs * COUNT, ((plain.requests * COUNT) / NEON_PER_MINUTE) * 60_000);

    console.log(
      `${COUNT} stale branches, ${LATENCY_MS} ms per request, Neon's rate limits (40/s per route, ${NEON_PER_MINUTE}/min per account), operations finish after ${OPERATION_MS} ms`,
    );
    console.log(
      `sweep (8 workers, shared pacer ${sustained.toFixed(2)}/s after a burst): ${formatMillis(sweepMs)} for ${requests.length} requests (${((requests.length / sweepMs) * 60_000).toFixed(0)}/min; peak ${peakPerMinute(requests.map((request) => request.at))} in any 60 s), ${limited} answered 429, ${pauses} common pause(s)`,
    );
    console.log(`floor (requests ÷ ${NEON_PER_MINUTE}/min): ${formatMillis(floorMs)} → sweep is ${(sweepMs / floorMs).toFixed(3)}× the floor (target ≤ 1.2×)`);
    console.log(
      `one by one, each deletion awaited: ${awaited.perBranchMs.toFixed(0)} ms per branch (${awaited.requests.toFixed(1)} requests) measured on ${awaitedSample} → ${formatMillis(awaitedMs)} extrapolated to ${COUNT} → sweep is ${(awaitedMs / sweepMs).toFixed(1)}× faster`,
    );
    const rows: BenchRow[] = [
      {
        section: 'cleanup',
        measure: `sweep of ${COUNT} stale previews ÷ rate-limit floor`,
        value: `${formatMillis(sweepMs)} vs ${formatMillis(floorMs)} (${requests.length} requests, ${limited} answered 429)`,
        ratio: sweepMs / floorMs,
        ratioOf: '÷ floor',
        target: '≤ 1.2',
        met: sweepMs / floorMs <= 1.2,
        note: 'one run (a sweep takes about 90 s)',
      },
      {
        section: 'cleanup',
        measure: `one by one, awaited ÷ sweep (extrapolated from ${awaitedSample})`,
        value: `${formatMillis(awaitedMs)} vs ${formatMillis(sweepMs)}`,
        ratio: awaitedMs / sweepMs,
        ratioOf: '(higher: sweep faster)',
      },
    ];
    console.log(
      `one by one, not awaited: ${plain.perBranchMs.toFixed(0)} ms per branch measured on ${plainSample} → ${formatMillis(plainMs)} extrapolated to ${COUNT} (never below the rate-limit floor; at this latency a plain loop is already rate-limit bound and, unpaced, would draw 429s) → sweep/loop time ${(sweepMs / plainMs).toFixed(2)}`,
    );
    return rows;
  } finally {
    await embedded?.stop();
  }
}
