import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RateLimitPolicy } from './rate-limit.types';
import { LateRateLimitCheck, RedisRateLimitStore } from './redis-rate-limit.store';

/** A real Redis (CI starts one), as in redis-rate-limit.store.spec.ts. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:${randomUUID()}:`;
const fixed: RateLimitPolicy = { name: 'fixed', limit: 5, windowMs: 60_000, strategy: 'fixed' };

/** Keeps the Redis server busy for `ms` (a script blocks every client), from another connection. */
const BUSY = `local t = redis.call('TIME') local s = t[1] * 1000000 + t[2]
repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - s > tonumber(ARGV[1]) * 1000
return 1`;

describe('RedisRateLimitStore deadline (real Redis)', () => {
  let redis: Redis;
  let blocker: Redis;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    blocker = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    await Promise.all([redis.ping(), blocker.ping()]);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all([redis.quit(), blocker.quit()]);
  });

  it('a check that Redis runs after its deadline is not counted; one in time is', async () => {
    const store = new RedisRateLimitStore(redis, PREFIX, 100);
    await store.syncClock();
    const now = Date.now();
    await expect(store.consume('k', fixed, 1, now)).resolves.toMatchObject({ allowed: true, remaining: 4 });

    const busy = blocker.eval(BUSY, 0, 300);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.consume('k', fixed, 2, now)).rejects.toBeInstanceOf(LateRateLimitCheck);
    await busy;
    expect(await store.peekFixed('k', fixed, now)).toBe(1);
    await expect(store.consume('k', fixed, 1, now)).resolves.toMatchObject({ allowed: true, remaining: 3 });
  });

  it('without a measured clock offset there is no deadline (nothing is refused for lateness)', async () => {
    const store = new RedisRateLimitStore(redis, PREFIX, 100);
    const now = Date.now();
    const busy = blocker.eval(BUSY, 0, 200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.consume('unsynced', fixed, 1, now)).resolves.toMatchObject({ allowed: true });
    await busy;
  });
});
