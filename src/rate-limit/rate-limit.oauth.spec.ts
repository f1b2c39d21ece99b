import { loadConfig } from '../app.config';
import { Clock } from '../core/time/clock';
import { RateLimitService } from './rate-limit.service';

class FixedClock extends Clock {
  constructor(public at = Date.UTC(2026, 0, 1, 12)) {
    super();
  }
  override now(): number {
    return this.at;
  }
}

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48), ...env });
  const clock = new FixedClock();
  return { clock, config, sut: new RateLimitService(config.rateLimit, config, clock) };
}

describe('RateLimitService.chargeOAuthClient', () => {
  it('defaults to 5000/1h and 50/1s per client', () => {
    const { config } = setup();
    expect(config.rateLimit.oauth).toMatchObject({ limit: 5000, windowSeconds: 3600 });
    expect(config.rateLimit.oauthBurst).toMatchObject({ limit: 50, windowSeconds: 1 });
  });

  it('allows within the burst with the headers of the tightest limit, then refuses with a retry time', async () => {
    const { sut } = setup({ RATE_LIMIT_OAUTH_BURST: '2/1s', RATE_LIMIT_OAUTH: '100/1h', RATE_LIMIT_STRATEGY: 'fixed' });
    const first = await sut.chargeOAuthClient('app_a');
    expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(first.headers['X-RateLimit-Limit']).toBe('2');
    await expect(sut.chargeOAuthClient('app_a')).resolves.toMatchObject({ allowed: true, remaining: 0 });
    const refused = await sut.chargeOAuthClient('app_a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.headers['X-RateLimit-Remaining']).toBe('0');
    // Another client has its own buckets.
    await expect(sut.chargeOAuthClient('app_b')).resolves.toMatchObject({ allowed: true });
  });

  it('refuses once the hourly limit is spent even when the burst has room', async () => {
    const { sut, clock } = setup({ RATE_LIMIT_OAUTH_BURST: '10/1s', RATE_LIMIT_OAUTH: '2/1h', RATE_LIMIT_STRATEGY: 'fixed' });
    await sut.chargeOAuthClient('app_a');
    clock.at += 2000;
    await sut.chargeOAuthClient('app_a');
    clock.at += 2000;
    const refused = await sut.chargeOAuthClient('app_a');
    expect(refused).toMatchObject({ allowed: false, limit: 2 });
  });

  it('always allows when rate limiting is disabled', async () => {
    const { sut } = setup({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_OAUTH_BURST: '1/1s' });
    for (let i = 0; i < 3; i++) await expect(sut.chargeOAuthClient('app_a')).resolves.toMatchObject({ allowed: true });
  });
});
