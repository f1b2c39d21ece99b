import { loadConfig } from '../app.config';
import { endpointBackoffMs, parseDurationMs, parseSchedule, retryDelayMs, scheduleSpanMs, shouldDisable } from './retry-policy';

const base = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), ARGUS_EMBEDDED_IN_MEMORY: 'true' };

describe('webhook retry policy', () => {
  const policy = loadConfig(base).webhooks.retry;

  it('by default retries for more than a day, with a capped delay', () => {
    expect(scheduleSpanMs(policy)).toBeGreaterThan(24 * 3_600_000);
    expect(retryDelayMs(policy, 1)).toBe(5_000);
    expect(retryDelayMs(policy, 14)).toBe(8 * 3_600_000);
    expect(retryDelayMs(policy, 15)).toBeNull(); // WEBHOOK_MAX_ATTEMPTS
  });

  it('backs an endpoint off exponentially up to the cap, and disables only after both the time and the count', () => {
    expect(policy.endpointBackoffAfter).toBe(5); // WEBHOOK_ENDPOINT_BACKOFF_AFTER
    expect([5, 6, 7, 8].map((n) => endpointBackoffMs(policy, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(endpointBackoffMs(policy, 500)).toBe(600_000);
    const since = new Date(0);
    expect(shouldDisable(policy, 1000, since, 4 * 86_400_000)).toBe(false); // many failures, 4 days
    expect(shouldDisable(policy, 10, since, 30 * 86_400_000)).toBe(false); // a month, 10 attempts
    expect(shouldDisable(policy, 50, since, 5 * 86_400_000)).toBe(true);
  });

  it('parses durations and schedules, and refuses bad settings at start-up', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('10')).toBe(10_000);
    expect(parseSchedule('5s, 5m,30m')).toEqual([5000, 300_000, 1_800_000]);
    expect(parseSchedule('5s,soon')).toBeUndefined();
    for (const env of [
      { WEBHOOK_RETRY_SCHEDULE: '5s,,1m' },
      { WEBHOOK_RETRY_BASE_SECONDS: '10' },
      { WEBHOOK_ENDPOINT_BACKOFF: '1h', WEBHOOK_ENDPOINT_BACKOFF_MAX: '1m' },
      { WEBHOOK_DISABLE_AFTER: 'forever' },
    ]) {
      expect(() => loadConfig({ ...base, ...env })).toThrow();
    }
  });
});
