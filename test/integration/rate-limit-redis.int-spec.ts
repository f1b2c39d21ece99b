import { ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { RateLimitService } from '../../src/rate-limit/rate-limit.service';
import { Session, TestApp } from '../support/test-app';

const PORT = 6390 + Math.floor(Math.random() * 100);
const REDIS_URL = `redis://127.0.0.1:${PORT}`;

/** A Redis of this test's own on a spare loopback port, so it can be stopped and restarted. */
function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  return waitFor(() => isListening(PORT), 5000).then(() => child);
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

function stopRedis(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const LIMITS = { RATE_LIMIT_API_KEY: '100/1m', REDIS_URL };

describe('rate limits shared through Redis (integration)', () => {
  let redis: ChildProcess;
  let a: TestApp;
  let b: TestApp;
  let user: Session;

  beforeAll(async () => {
    redis = await startRedis();
    a = await TestApp.start(LIMITS);
    b = await TestApp.start(LIMITS, a.databaseUrl);
    user = await a.newUser('shared');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (redis.exitCode === null) await stopRedis(redis);
  });

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
    await stopRedis(redis);
    const started = Date.now();
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get('/api/auth/verify', key.auth)));
    const elapsed = Date.now() - started;
    // No request hangs on Redis, and each instance enforces the limit by itself.
    expect(elapsed).toBeLessThan(3000);
    expect(during.filter((res) => res.status === 200)).toHaveLength(10);

    redis = await startRedis();
    // Each instance reconnects by itself (backoff of at most 2 s).
    await waitFor(async () => a.app.get(RateLimitService).shared && b.app.get(RateLimitService).shared, 10_000);
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
