/**
 * When Argus tries a delivery again, and when it gives up on an endpoint. A delivery follows its
 * own schedule (attempts only count when a request was actually sent); an endpoint that fails is
 * backed off as a whole, so a down receiver gets one probe at a time instead of the whole queue.
 */
export interface RetryPolicy {
  /** Delays before the 2nd, 3rd, ... attempt; the last one repeats up to `maxAttempts`. */
  scheduleMs: number[];
  maxAttempts: number;
  /**
   * Failures in a row before an endpoint is backed off. A flaky receiver (one failure now and
   * then) keeps its full throughput; a down one fails this many times, then gets probes.
   */
  endpointBackoffAfter: number;
  /** An endpoint's back-off after its n-th failure in a row past the threshold: base × 2^(n-1), at most max. */
  endpointBackoffBaseMs: number;
  endpointBackoffMaxMs: number;
  /** An endpoint is disabled once it has failed without a success for this long... */
  disableAfterMs: number;
  /** ...and at least this many attempts in a row. */
  disableAfterFailures: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `5s`, `30m`, `2h`, `5d` (or a plain number of seconds) in milliseconds; undefined otherwise. */
export function parseDurationMs(raw: string): number | undefined {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] ?? 's'];
}

/** A comma-separated list of durations; undefined when any entry is not one. */
export function parseSchedule(raw: string): number[] | undefined {
  const delays = raw.split(',').map(parseDurationMs);
  return delays.length > 0 && delays.every((delay) => delay !== undefined) ? delays : undefined;
}

/** Delay before the attempt after `attempts` attempts, or null when none is left. */
export function retryDelayMs(policy: RetryPolicy, attempts: number): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const { scheduleMs } = policy;
  return scheduleMs[Math.min(attempts - 1, scheduleMs.length - 1)];
}

/** How long the whole schedule takes, first attempt to last. */
export function scheduleSpanMs(policy: RetryPolicy): number {
  let total = 0;
  for (let attempts = 1; attempts < policy.maxAttempts; attempts++) total += retryDelayMs(policy, attempts) ?? 0;
  return total;
}

/** Whether an endpoint with this many failures in a row is backed off (one probe at a time). */
export function isBackedOff(policy: RetryPolicy, consecutiveFailures: number): boolean {
  return consecutiveFailures >= policy.endpointBackoffAfter;
}

/** The pause after the failure that made `consecutiveFailures` in a row (the first back-off is the base). */
export function endpointBackoffMs(policy: RetryPolicy, consecutiveFailures: number): number {
  const exponent = Math.min(Math.max(consecutiveFailures - policy.endpointBackoffAfter, 0), 40);
  return Math.min(policy.endpointBackoffBaseMs * 2 ** exponent, policy.endpointBackoffMaxMs);
}

export function shouldDisable(policy: RetryPolicy, consecutiveFailures: number, failingSince: Date, now: number): boolean {
  return consecutiveFailures >= policy.disableAfterFailures && now - failingSince.getTime() >= policy.disableAfterMs;
}
