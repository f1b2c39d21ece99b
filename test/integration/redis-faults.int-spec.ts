import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RateLimitService } from '../../src/rate-limit/rate-limit.service';
import { timeUntil } from '../support/net';
import { RedisServer, redisServerMissing } from '../support/redis-server';
import { TwoInstances } from '../support/two-instances';
import { Session, TestApp } from '../support/test-app';

/** Faults of a real Redis of this file's own: frozen (SIGSTOP), killed, restarted. */
const missing = redisServerMissing();
if (missing) console.log(`Skipping the Redis fault tests: ${missing}`);
const describeWithRedis = missing ? describe.skip : describe;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const shared = (t: TestApp) => t.app.get(RateLimitService).shared;

/** Sequential requests for `durationMs` (at most 300): each one's status and latency. */
async function underLoad(send: () => Promise<{ status: number }>, durationMs: number): Promise<Array<{ status: number; ms: number }>> {
  const results: Array<{ status: number; ms: number }> = [];
  const until = Date.now() + durationMs;
  while (Date.now() < until && results.length < 300) {
    const started = performance.now();
    const { status } = await send();
    results.push({ status, ms: performance.now() - started });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return results;
}

describeWithRedis('a frozen Redis (SIGSTOP) under load (integration)', () => {
  it.each([
    ['open', 200],
    ['closed', 503],
  ])(
    '%s: once the breaker opens, requests answer at once (%s), and those refused are not charged when Redis returns',
    async (policy, status) => {
      const redis = await RedisServer.start();
      const t = await TestApp.start({ REDIS_URL: redis.url, RATE_LIMIT_REDIS_FAILURE: policy, RATE_LIMIT_API_KEY: '1000000/1h' });
      try {
        await timeUntil(() => shared(t), 5000);
        const user = await t.newUser('frozen');
        const key = await t.createKey(user, { rateLimit: { limit: 1000, windowSeconds: 3600, strategy: 'fixed' } });
        const verify = () => t.get('/api/auth/verify', key.auth);
        const before = await underLoad(verify, 500);
        expect(before.every((res) => res.status === 200)).toBe(true);
        const remainingBefore = Number((await verify()).headers['x-ratelimit-remaining']);

        redis.freeze();
        const during = await underLoad(verify, 2500);
        const settled = during.slice(5);
        const p50 = median(settled.map((res) => res.ms));
        console.log(
          `[${policy}] p50 ${median(before.map((res) => res.ms)).toFixed(1)} ms before the freeze; while frozen: first 5 ` +
            `${during
              .slice(0, 5)
              .map((res) => res.ms.toFixed(0))
              .join('/')} ms, then p50 ${p50.toFixed(1)} ms over ${settled.length} requests`,
        );
        expect(settled.length).toBeGreaterThan(20);
        expect(p50).toBeLessThan(50);
        expect(settled.every((res) => res.status === status)).toBe(true);

        redis.thaw();
        const healed = await timeUntil(() => shared(t), 15_000);
        console.log(`[${policy}] limits shared again ${healed} ms after Redis thawed`);
        const after = await verify();
        expect(after.status).toBe(200);
        // open: the fallback's admissions were counted on this instance, not in Redis; closed: the
        // 503s were admitted nowhere. Either way the checks that timed out did not count on thaw.
        expect(Number(after.headers['x-ratelimit-remaining'])).toBe(remainingBefore - 1);
      } finally {
        await t.close();
        await redis.stop();
      }
    },
    60_000,
  );
});

describeWithRedis('revocations during a Redis outage reach every instance (integration, two instances)', () => {
  let instances: TwoInstances;
  let redis: RedisServer;
  let a: TestApp;
  let b: TestApp;
  let user: Session;

  beforeAll(async () => {
    // Only a pushed invalidation (or a dropped cache) can explain a change seen within seconds.
    instances = await TwoInstances.start({ API_KEY_CACHE_TTL_SECONDS: '3600' });
    ({ redis, a, b } = instances);
    user = await a.newUser('outage');
  }, 60_000);
  afterAll(() => instances?.close());

  async function cachedOnB(): Promise<{ id: string; auth: Record<string, string> }> {
    const key = await a.createKey(user);
    expect((await b.get('/api/auth/verify', key.auth)).status).toBe(200);
    expect((await b.get('/api/auth/verify', key.auth)).status).toBe(200);
    return key;
  }
  const refusedOnB = (auth: Record<string, string>) => async () => (await b.get('/api/auth/verify', auth)).status === 401;

  it('while Redis is down, a revocation on A is refused on B within 1 s (over PostgreSQL)', async () => {
    const key = await cachedOnB();
    await redis.stop();
    expect((await a.delete(`/api/keys/${key.id}`, user.auth)).status).toBe(200);
    const elapsed = await timeUntil(refusedOnB(key.auth), 3000);
    console.log(`revocation on A refused on B after ${elapsed} ms with Redis down`);
    expect(elapsed).toBeLessThan(1000);
  });

  it('a change B missed on every channel is applied within 1 s of Redis returning (B drops its caches)', async () => {
    const key = await cachedOnB();
    // Revoked behind the application's back: no message on any channel, as if B had missed it.
    const client = new Client({ connectionString: a.databaseUrl });
    await client.connect();
    await client.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [key.id]);
    await client.end();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await b.get('/api/auth/verify', key.auth)).status).toBe(200); // still cached

    await redis.restart();
    const elapsed = await timeUntil(refusedOnB(key.auth), 5000);
    console.log(`a missed revocation refused on B ${elapsed} ms after Redis returned`);
    expect(elapsed).toBeLessThan(1000);
  });

  it('a revocation in the reconnect window right after Redis returns is refused on B within 1 s', async () => {
    const key = await cachedOnB();
    await redis.stop();
    await redis.restart();
    expect((await a.delete(`/api/keys/${key.id}`, user.auth)).status).toBe(200);
    const elapsed = await timeUntil(refusedOnB(key.auth), 3000);
    console.log(`revocation in the reconnect window refused on B after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);
  });
});

describeWithRedis('closed policy with Redis down: what takes access away still goes through (integration)', () => {
  it('revoking, deactivating (a key, a user) and logging out succeed; other limited requests get 503', async () => {
    const redis = await RedisServer.start();
    const t = await TestApp.start({ REDIS_URL: redis.url, RATE_LIMIT_REDIS_FAILURE: 'closed' });
    try {
      await timeUntil(() => shared(t), 5000);
      const admin = await t.admin();
      const owner = await t.newUser('owner');
      const other = await t.newUser('other');
      const [revoked, deactivated, adminDeactivated] = [await t.createKey(owner), await t.createKey(owner), await t.createKey(owner)];
      await redis.stop();

      expect((await t.get('/api/auth/verify', owner.auth)).status).toBe(503);
      expect((await t.patch(`/api/keys/${deactivated.id}`, { name: 'renamed' }, owner.auth)).status).toBe(503);
      expect((await t.put(`/api/admin/api-keys/${adminDeactivated.id}`, { isActive: true }, admin.auth)).status).toBe(503);

      expect((await t.delete(`/api/keys/${revoked.id}`, owner.auth)).status).toBe(200);
      expect((await t.patch(`/api/keys/${deactivated.id}`, { isActive: false }, owner.auth)).status).toBe(200);
      expect((await t.put(`/api/admin/api-keys/${adminDeactivated.id}`, { isActive: false }, admin.auth)).status).toBe(200);
      expect((await t.patch(`/api/admin/users/${other.userId}`, { isActive: false }, admin.auth)).status).toBe(200);
      expect((await t.post('/api/auth/logout', { refreshToken: owner.refreshToken })).status).toBe(200);
      // And they took effect (a refused credential is charged to the client IP, which is 503 here).
      const stored = await t.app
        .get(DataSource)
        .query('SELECT id, revoked_at, is_active FROM api_keys WHERE id = ANY($1)', [[revoked.id, deactivated.id, adminDeactivated.id]]);
      const byId = new Map(stored.map((row: { id: string }) => [row.id, row]));
      expect(byId.get(revoked.id)).toMatchObject({ revoked_at: expect.any(Date) });
      expect(byId.get(deactivated.id)).toMatchObject({ is_active: false });
      expect(byId.get(adminDeactivated.id)).toMatchObject({ is_active: false });
      for (const auth of [revoked.auth, deactivated.auth, adminDeactivated.auth]) {
        expect([401, 503]).toContain((await t.get('/api/auth/verify', auth)).status);
      }
    } finally {
      await t.close();
      await redis.stop();
    }
  }, 60_000);
});

describeWithRedis('open policy: an outage lets at most N× the limit through, its edges included (integration, two instances)', () => {
  it('with 2 instances and a limit of 10 per window: 20 at most in the window the outage starts and ends in', async () => {
    const instances = await TwoInstances.start();
    const { redis, a, b } = instances;
    try {
      const user = await a.newUser('edges');
      const key = await a.createKey(user, { rateLimit: { limit: 10, windowSeconds: 3600, strategy: 'fixed' } });
      // Both instances one second into the same hour, so the whole test runs in one window.
      const offset = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 1000 - Date.now();
      a.clock.advance(offset);
      b.clock.advance(offset);
      const burst = async (n: number) => {
        let passed = 0;
        for (let i = 0; i < n; i++) {
          for (const t of [a, b]) if ((await t.get('/api/auth/verify', key.auth)).status === 200) passed++;
        }
        return passed;
      };

      const before = await burst(4);
      await redis.stop();
      const during = await burst(15);
      await redis.restart();
      await timeUntil(() => shared(a) && shared(b), 10_000);
      const after = await burst(15);
      console.log(
        `limit 10, 2 instances: ${before} before the outage, ${during} during, ${after} after: ${before + during + after} in the window`,
      );
      expect(before).toBe(8);
      expect(before + during + after).toBeLessThanOrEqual(20);
      expect(during).toBeGreaterThan(0);
    } finally {
      await instances.close();
    }
  }, 60_000);
});
