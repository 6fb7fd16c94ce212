// Request pacing shared by every worker of a sweep: a token bucket sized so that no
// sliding window of the provider's limits is ever exceeded, and a common pause when the
// provider answers 429 anyway (another job spending the same account's budget).

export interface RateLimit {
  /** Requests allowed in any 60-second window (Neon: 700 per account). */
  perMinute: number;
  /** Requests allowed in any 1-second window (Neon: 40 per route). */
  perSecond: number;
  /** Fraction of the limits to use, leaving room for clock skew and other clients (default 0.95). */
  headroom?: number;
}

/** Neon's documented API limits: 700 requests per minute, bursts up to 40 per second per route. */
export const NEON_RATE_LIMIT: RateLimit = { perMinute: 700, perSecond: 40 };

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export class Pacer {
  /** Tokens per millisecond. */
  readonly ratePerMs: number;
  readonly capacity: number;
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;
  /** Waiters are served in order, so no worker starves. */
  private queue: Promise<void> = Promise.resolve();
  private pauses = 0;

  constructor(
    limit: RateLimit,
    private readonly clock: PacerClock = realClock,
  ) {
    const headroom = limit.headroom ?? 0.95;
    const perMinute = Math.max(1, Math.floor(limit.perMinute * headroom));
    const perSecond = Math.max(1, Math.floor(limit.perSecond * headroom));
    // Burst capacity C and refill r must keep C + 60·r ≤ perMinute and C + r ≤ perSecond.
    // A burst of a few seconds' worth of refill keeps the start quick without eating the minute.
    this.capacity = Math.max(1, Math.min(Math.floor(perSecond / 2), Math.floor(perMinute / 20)));
    const refillPerSecond = Math.min((perMinute - this.capacity) / 60, perSecond - this.capacity);
    this.ratePerMs = Math.max(refillPerSecond, 0.001) / 1000;
    this.tokens = this.capacity;
    this.updatedAt = clock.now();
  }

  /** Requests per second sustained after the initial burst. */
  get sustainedPerSecond(): number {
    return this.ratePerMs * 1000;
  }

  /** How many times a 429 paused everyone. */
  get pauseCount(): number {
    return this.pauses;
  }

  /** Waits for a token (and for any common pause) before one request. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.take());
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.ratePerMs);
      this.updatedAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.ratePerMs));
    }
  }

  /**
   * The provider said "too many requests": every worker waits out Retry-After (or a
   * second when it gave none), and the burst allowance starts empty afterwards.
   */
  pause(retryAfterMs: number | undefined): void {
    const until = this.clock.now() + Math.max(retryAfterMs ?? 1000, 100);
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pauses++;
    }
    this.tokens = 0;
    this.updatedAt = Math.max(this.updatedAt, until);
  }
}

/** Runs `work` over `items`, at most `concurrency` at a time, starting them in order (`work` should not reject). */
export async function forEachBounded<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!, index);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
