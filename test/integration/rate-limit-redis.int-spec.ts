import { RateLimitService } from '../../src/rate-limit/rate-limit.service';
import { timeUntil } from '../support/net';
import { Session, TestApp } from '../support/test-app';
import { TwoInstances } from '../support/two-instances';

const LIMITS = { RATE_LIMIT_API_KEY: '100/1m' };

describe('rate limits shared through Redis (integration)', () => {
  let instances: TwoInstances;
  let a: TestApp;
  let b: TestApp;
  let user: Session;

  beforeAll(async () => {
    instances = await TwoInstances.start(LIMITS);
    ({ a, b } = instances);
    user = await a.newUser('shared');
  });
  afterAll(() => instances?.close());

  it('300 concurrent requests split across two instances give exactly 100 non-429', async () => {
    const key = await a.createKey(user);
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).get('/api/auth/verify', key.auth)));
    expect(results.filter((res) => res.status === 200)).toHaveLength(100);
    expect(results.filter((res) => res.status === 429)).toHaveLength(200);
    const fromB = results.filter((res, i) => i % 2 === 0 && res.status === 200).length;
    expect(fromB).toBeGreaterThan(0);
    expect(fromB).toBeLessThan(100);
  });

  it('quotas are shared too', async () => {
    const key = await a.createKey(user, { quota: { limit: 10, period: 'day' } });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).get('/api/auth/verify', key.auth)));
    expect(results.filter((res) => res.status === 200)).toHaveLength(10);
    expect(results.filter((res) => res.body?.code === 'quota_exceeded')).toHaveLength(20);
  });

  it('with Redis down the open policy falls back to per-instance limits at once, and limits are shared again when it returns', async () => {
    const key = await a.createKey(user, { rateLimit: { limit: 5, windowSeconds: 60 } });
    await instances.redis.stop();
    const started = Date.now();
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get('/api/auth/verify', key.auth)));
    const elapsed = Date.now() - started;
    // No request hangs on Redis, and each instance enforces the limit by itself.
    expect(elapsed).toBeLessThan(3000);
    expect(during.filter((res) => res.status === 200)).toHaveLength(10);

    await instances.redis.restart();
    // Each instance reconnects by itself (backoff of at most 2 s).
    await timeUntil(() => a.app.get(RateLimitService).shared && b.app.get(RateLimitService).shared, 10_000, 50);
    const fresh = await a.createKey(user, { rateLimit: { limit: 5, windowSeconds: 60 } });
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get('/api/auth/verify', fresh.auth)));
    expect(after.filter((res) => res.status === 200)).toHaveLength(5);
  });
});

describe('Redis failure policy "closed" (integration)', () => {
  it('answers 503 service_unavailable within a bounded time while Redis is unreachable', async () => {
    // Nothing listens on this port: Redis is down from the start.
    const t = await TestApp.start({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_REDIS_FAILURE: 'closed' });
    try {
      const started = Date.now();
      const res = await t.get('/api/health/live');
      expect(res.status).toBe(200);
      const limited = await t.post('/api/auth/login', { email: 'x@example.com', password: 'whatever-password' });
      expect(limited.status).toBe(503);
      expect(limited.body).toMatchObject({ success: false, code: 'service_unavailable' });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await t.close();
    }
  });
});
