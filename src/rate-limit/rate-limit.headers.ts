import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { RateLimitPolicy, RateLimitResult } from './rate-limit.types';

/**
 * The headers that tell a client where it stands: the de facto `X-RateLimit-*` trio (reset in Unix
 * seconds) and the IETF draft-ietf-httpapi-ratelimit-headers-11 `RateLimit-Policy` / `RateLimit`.
 *
 * "Reset" (`X-RateLimit-Reset`, and `t` in seconds from now) is, on a request that passed, when
 * the window ends (fixed, sliding) or the bucket is full again (token bucket). On a 429 it is, for
 * every strategy, the moment the same request can pass again: `t` equals `Retry-After`, and
 * `X-RateLimit-Reset` is now plus `Retry-After` (to the second). For a fixed window the two
 * meanings coincide; for a sliding window or a bucket the next pass comes before or after the end.
 */
export function rateLimitHeaders(policy: RateLimitPolicy, result: RateLimitResult, now: number): Record<string, string> {
  const resetSeconds = result.allowed ? Math.max(0, Math.ceil((result.resetAt - now) / 1000)) : retryAfterSeconds(result);
  const resetAt = result.allowed ? Math.ceil(result.resetAt / 1000) : Math.floor(now / 1000) + resetSeconds;
  return {
    'X-RateLimit-Limit': String(result.limit),
    'X-RateLimit-Remaining': String(result.remaining),
    'X-RateLimit-Reset': String(resetAt),
    'RateLimit-Policy': `"${policy.name}";q=${policy.strategy === 'token_bucket' ? (policy.burst ?? policy.limit) : policy.limit};w=${Math.round(policy.windowMs / 1000)}`,
    RateLimit: `"${policy.name}";r=${result.remaining};t=${resetSeconds}`,
  };
}

export function quotaHeaders(result: RateLimitResult): Record<string, string> {
  return {
    'X-Quota-Limit': String(result.limit),
    'X-Quota-Remaining': String(result.remaining),
    'X-Quota-Reset': String(Math.ceil(result.resetAt / 1000)),
  };
}

export function retryAfterSeconds(result: RateLimitResult): number {
  return Math.max(1, Math.ceil(result.retryAfterMs / 1000));
}

export function rateLimitExceeded(headers: Record<string, string>, result: RateLimitResult): AppException {
  const retryAfter = retryAfterSeconds(result);
  return new AppException(
    HttpStatus.TOO_MANY_REQUESTS,
    ErrorCode.RateLimitExceeded,
    'Rate limit exceeded',
    undefined,
    { ...headers, 'Retry-After': String(retryAfter) },
    { retryAfter },
  );
}

export function quotaExceeded(headers: Record<string, string>, result: RateLimitResult): AppException {
  const retryAfter = retryAfterSeconds(result);
  return new AppException(
    HttpStatus.TOO_MANY_REQUESTS,
    ErrorCode.QuotaExceeded,
    'Usage quota exhausted for this period',
    undefined,
    { ...headers, 'Retry-After': String(retryAfter) },
    { retryAfter },
  );
}
