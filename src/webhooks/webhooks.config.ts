import { defineConfig } from '../core/config/define-config';
import type { EnvReader } from '../core/config/env-reader';
import { RetryPolicy, parseDurationMs, parseSchedule } from './retry-policy';

/** Delivery: where endpoints may point, retries, polling and timeouts, and the `key.expiring` notice. */
export interface WebhooksConfig {
  /** Allow endpoints on loopback/private/link-local addresses (local development, tests). */
  allowPrivate: boolean;
  /** Retry schedule, endpoint back-off and disabling (see retry-policy.ts). */
  retry: RetryPolicy;
  pollMs: number;
  timeoutMs: number;
}

export const webhooksConfig = defineConfig('webhooks', (reader): WebhooksConfig => ({
  allowPrivate: reader.boolean('WEBHOOK_ALLOW_PRIVATE', false),
  retry: readRetryPolicy(reader),
  pollMs: reader.integer('WEBHOOK_POLL_MS', 1000, 50, 60_000),
  timeoutMs: reader.integer('WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000),
}));

const DEFAULT_RETRY_SCHEDULE = '5s,30s,2m,5m,15m,30m,1h,2h,4h,8h';

/** The webhook retry schedule and endpoint health settings; durations take ms, s, m, h or d. */
function readRetryPolicy(reader: EnvReader): RetryPolicy {
  if (reader.optional('WEBHOOK_RETRY_BASE_SECONDS') !== undefined) {
    reader.problem('WEBHOOK_RETRY_BASE_SECONDS: replaced by WEBHOOK_RETRY_SCHEDULE (a list of delays such as 5s,5m,30m,2h)');
  }
  const ms = (name: string, fallback: string, min: number, max: number): number => {
    const raw = reader.optional(name) ?? fallback;
    const value = parseDurationMs(raw);
    if (value === undefined || value < min || value > max) {
      reader.problem(`${name}: must be a duration such as 500ms, 5s, 10m or 5d between ${min} ms and ${max} ms (got "${raw}")`);
      return parseDurationMs(fallback) as number;
    }
    return value;
  };
  const rawSchedule = reader.optional('WEBHOOK_RETRY_SCHEDULE') ?? DEFAULT_RETRY_SCHEDULE;
  let scheduleMs = parseSchedule(rawSchedule);
  if (!scheduleMs || scheduleMs.length > 50 || scheduleMs.some((delay) => delay > 7 * 86_400_000)) {
    reader.problem(
      `WEBHOOK_RETRY_SCHEDULE: must be up to 50 comma-separated durations of at most 7d, such as 5s,5m,30m,2h (got "${rawSchedule}")`,
    );
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the rule misses the narrowing to number[] the policy below needs
    scheduleMs = parseSchedule(DEFAULT_RETRY_SCHEDULE) as number[];
  }
  const policy: RetryPolicy = {
    scheduleMs,
    maxAttempts: reader.integer('WEBHOOK_MAX_ATTEMPTS', 15, 1, 100),
    endpointBackoffAfter: reader.integer('WEBHOOK_ENDPOINT_BACKOFF_AFTER', 5, 1, 1000),
    endpointBackoffBaseMs: ms('WEBHOOK_ENDPOINT_BACKOFF', '1s', 10, 3_600_000),
    endpointBackoffMaxMs: ms('WEBHOOK_ENDPOINT_BACKOFF_MAX', '10m', 10, 86_400_000),
    disableAfterMs: ms('WEBHOOK_DISABLE_AFTER', '5d', 0, 365 * 86_400_000),
    disableAfterFailures: reader.integer('WEBHOOK_DISABLE_AFTER_FAILURES', 50, 1, 100_000),
  };
  if (policy.endpointBackoffMaxMs < policy.endpointBackoffBaseMs) {
    reader.problem('WEBHOOK_ENDPOINT_BACKOFF_MAX: must not be shorter than WEBHOOK_ENDPOINT_BACKOFF');
  }
  return policy;
}
