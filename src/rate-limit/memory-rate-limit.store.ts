import { RateLimitPolicy, RateLimitResult, RateLimitStore, fixedWindow } from './rate-limit.types';

interface WindowState {
  kind: 'window';
  start: number;
  count: number;
  previous: number;
  expiresAt: number;
}

interface BucketState {
  kind: 'bucket';
  tokens: number;
  updatedAt: number;
  expiresAt: number;
}

/**
 * Exact in-process counting (one event loop: no two requests interleave inside `consume`).
 * Used alone by a single instance, and as the fallback while Redis is unreachable.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly states = new Map<string, WindowState | BucketState>();
  private lastSweep = 0;

  constructor(private readonly maxEntries = 1_000_000) {}

  get size(): number {
    return this.states.size;
  }

  consume(key: string, policy: RateLimitPolicy, cost: number, now: number): Promise<RateLimitResult> {
    this.sweep(now);
    return Promise.resolve(this.consumeSync(key, policy, cost, now));
  }

  peekFixed(key: string, policy: RateLimitPolicy, now: number): Promise<number> {
    const state = this.states.get(key);
    const { start } = fixedWindow(policy.windowMs, now, policy.window);
    return Promise.resolve(state?.kind === 'window' && state.start === start ? state.count : 0);
  }

  consumeSync(key: string, policy: RateLimitPolicy, cost: number, now: number): RateLimitResult {
    switch (policy.strategy) {
      case 'fixed':
        return this.fixed(key, policy, cost, now);
      case 'sliding':
        return this.sliding(key, policy, cost, now);
      case 'token_bucket':
        return this.tokenBucket(key, policy, cost, now);
    }
  }

  private fixed(key: string, policy: RateLimitPolicy, cost: number, now: number): RateLimitResult {
    const { start, end } = fixedWindow(policy.windowMs, now, policy.window);
    const state = this.window(key, start, end - start, false);
    const allowed = state.count + cost <= policy.limit;
    if (allowed) state.count += cost;
    return {
      allowed,
      limit: policy.limit,
      remaining: Math.max(0, policy.limit - state.count),
      resetAt: end,
      retryAfterMs: allowed ? 0 : end - now,
    };
  }

  /** Sliding window as Unkey and Kong count it: the previous window weighted by its remaining overlap. */
  private sliding(key: string, policy: RateLimitPolicy, cost: number, now: number): RateLimitResult {
    const { windowMs, limit } = policy;
    const { start, end } = fixedWindow(windowMs, now);
    const state = this.window(key, start, windowMs, true);
    const weight = (windowMs - (now - start)) / windowMs;
    const used = state.previous * weight + state.count;
    const allowed = used + cost <= limit;
    if (allowed) state.count += cost;
    const usedAfter = state.previous * weight + state.count;
    return {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(limit - usedAfter)),
      resetAt: end,
      retryAfterMs: allowed ? 0 : slidingRetryAfter(state.previous, state.count, cost, limit, windowMs, now - start),
    };
  }

  private tokenBucket(key: string, policy: RateLimitPolicy, cost: number, now: number): RateLimitResult {
    const capacity = policy.burst ?? policy.limit;
    const ratePerMs = policy.limit / policy.windowMs;
    const existing = this.states.get(key);
    const state: BucketState = existing?.kind === 'bucket' ? existing : { kind: 'bucket', tokens: capacity, updatedAt: now, expiresAt: 0 };
    state.tokens = Math.min(capacity, state.tokens + Math.max(0, now - state.updatedAt) * ratePerMs);
    state.updatedAt = now;
    // A tolerance for float drift in the refill (0.3 + 0.3 + 0.3 + 0.1 is not quite 1).
    const allowed = state.tokens + 1e-9 >= cost;
    if (allowed) state.tokens -= cost;
    const untilFull = (capacity - state.tokens) / ratePerMs;
    state.expiresAt = now + untilFull + 1000;
    this.store(key, state);
    return {
      allowed,
      limit: capacity,
      remaining: Math.floor(state.tokens),
      resetAt: now + Math.ceil(untilFull),
      retryAfterMs: allowed ? 0 : Math.ceil((cost - state.tokens) / ratePerMs),
    };
  }

  /**
   * Gives back what `consume` took at `now` for a request that was not admitted after all (the
   * shared count refused it, or the failure policy answered 503).
   */
  refund(key: string, policy: RateLimitPolicy, cost: number, now: number): void {
    const state = this.states.get(key);
    if (state?.kind === 'bucket') {
      state.tokens = Math.min(policy.burst ?? policy.limit, state.tokens + cost);
      return;
    }
    if (state?.kind !== 'window') return;
    const { start } = fixedWindow(policy.windowMs, now, policy.strategy === 'fixed' ? policy.window : undefined);
    if (state.start === start) state.count = Math.max(0, state.count - cost);
    else if (policy.strategy === 'sliding' && state.start === start + policy.windowMs) state.previous = Math.max(0, state.previous - cost);
  }

  /** The counter of the window starting at `start`, carrying the previous window's count when sliding. */
  private window(key: string, start: number, windowMs: number, sliding: boolean): WindowState {
    const existing = this.states.get(key);
    if (existing?.kind === 'window' && existing.start === start) return existing;
    const previous = sliding && existing?.kind === 'window' && existing.start === start - windowMs ? existing.count : 0;
    const state: WindowState = { kind: 'window', start, count: 0, previous, expiresAt: start + (sliding ? 2 : 1) * windowMs };
    this.store(key, state);
    return state;
  }

  private store(key: string, state: WindowState | BucketState): void {
    this.states.delete(key);
    this.states.set(key, state);
    if (this.states.size > this.maxEntries) this.states.delete(this.states.keys().next().value as string);
  }

  /** Drops finished windows and full buckets at most once a second, so memory follows active callers. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, state] of this.states) if (state.expiresAt <= now) this.states.delete(key);
  }
}

/** How long until `previous * weight + count + cost <= limit` as the previous window slides out. */
export function slidingRetryAfter(previous: number, count: number, cost: number, limit: number, windowMs: number, elapsed: number): number {
  const remainingInWindow = windowMs - elapsed;
  if (count + cost > limit) {
    // Only the next window can help, once this window's count (then "previous") has slid far enough.
    if (cost > limit) return Math.ceil(remainingInWindow + windowMs);
    const weightNeeded = count === 0 ? 1 : Math.min(1, (limit - cost) / count);
    return Math.max(1, Math.ceil(remainingInWindow + windowMs * (1 - weightNeeded)));
  }
  const weightNeeded = (limit - count - cost) / previous;
  return Math.max(1, Math.ceil(windowMs * (1 - weightNeeded) - elapsed));
}
