export const RATE_LIMIT_STRATEGIES = ['fixed', 'sliding', 'token_bucket'] as const;
export type RateLimitStrategy = (typeof RATE_LIMIT_STRATEGIES)[number];

/** One limit: `limit` units per `windowMs`, counted by `strategy`. */
export interface RateLimitPolicy {
  /** Shown in the IETF `RateLimit-Policy` header. */
  name: string;
  limit: number;
  windowMs: number;
  strategy: RateLimitStrategy;
  /** Token bucket capacity (defaults to `limit`). */
  burst?: number;
  /** Fixed strategy only: an explicit window (calendar quotas) instead of the aligned one. */
  window?: { start: number; end: number };
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix time (ms) when the window resets, or the bucket is full again. */
  resetAt: number;
  /** Milliseconds until a request of the same cost could pass; 0 when allowed. */
  retryAfterMs: number;
}

/** Counts units atomically per key. Implementations: in-process, and Redis (shared by instances). */
export interface RateLimitStore {
  consume(key: string, policy: RateLimitPolicy, cost: number, now: number): Promise<RateLimitResult>;
  /** Units used so far in a fixed window (quotas), without consuming. */
  peekFixed(key: string, policy: RateLimitPolicy, now: number): Promise<number>;
}

/** Start and end of the aligned fixed window holding `now` (the same on every instance). */
export function fixedWindow(windowMs: number, now: number, explicit?: { start: number; end: number }): { start: number; end: number } {
  if (explicit) return explicit;
  const start = Math.floor(now / windowMs) * windowMs;
  return { start, end: start + windowMs };
}
