import { CREATE_KEY_COST } from '../../src/api-keys/api-keys.controller';
import { PASSWORD, Session, TestApp } from '../support/test-app';

const LIMITS = {
  RATE_LIMIT_API_KEY: '100/1m',
  RATE_LIMIT_JWT: '20/1m',
  RATE_LIMIT_ANONYMOUS: '100/1h',
  RATE_LIMIT_ANONYMOUS_BURST: '5/1s',
  RATE_LIMIT_LOGIN: '3/5m',
};

function expectLimitHeaders(headers: Record<string, unknown>, limit: number, policy: string): void {
  expect(headers['x-ratelimit-limit']).toBe(String(limit));
  expect(Number(headers['x-ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
  expect(Number(headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000 - 1);
  expect(headers['ratelimit-policy']).toMatch(new RegExp(`^"${policy}";q=${limit};w=\\d+$`));
  expect(headers.ratelimit).toMatch(new RegExp(`^"${policy}";r=\\d+;t=\\d+$`));
}

describe('rate limits (e2e, in-process store)', () => {
  let t: TestApp;
  let user: Session;

  /** Step past every window used so far, so one test's spending never leaks into the next. */
  const nextHour = () => t.clock.advance(2 * 3_600_000);

  beforeAll(async () => {
    t = await TestApp.start(LIMITS);
    t.clock.freeze();
    // Sessions are created before the anonymous limits matter (advance past them after).
    user = await t.newUser('limited');
  });
  beforeEach(() => nextHour());
  afterAll(() => t.close());

  it('lets exactly 100 of 300 concurrent requests with one key through, and the rest get a complete 429', async () => {
    const key = await t.createKey(user);
    const results = await Promise.all(Array.from({ length: 300 }, () => t.get('/api/auth/verify', key.auth)));
    const passed = results.filter((res) => res.status === 200);
    const limited = results.filter((res) => res.status === 429);
    expect(passed).toHaveLength(100);
    expect(limited).toHaveLength(200);

    const denied = limited[0];
    expect(denied.body).toEqual({
      success: false,
      error: 'Rate limit exceeded',
      code: 'rate_limit_exceeded',
      retryAfter: expect.any(Number),
      requestId: expect.any(String),
    });
    expect(denied.headers['retry-after']).toBe(String(denied.body.retryAfter));
    expectLimitHeaders(denied.headers, 100, 'api-key');
    expect(denied.headers['x-ratelimit-remaining']).toBe('0');
    const remaining = passed.map((res) => Number(res.headers['x-ratelimit-remaining'])).sort((a, b) => b - a);
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
  });

  it('Retry-After is honest: after waiting it the call passes, and not before', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 2, windowSeconds: 60, strategy: 'fixed' } });
    await t.get('/api/auth/verify', key.auth);
    await t.get('/api/auth/verify', key.auth);
    const denied = await t.get('/api/auth/verify', key.auth);
    expect(denied.status).toBe(429);
    const wait = Number(denied.headers['retry-after']) * 1000;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    t.clock.advance(wait - 1500);
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(429);
    t.clock.advance(1500);
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
  });

  it('a key’s own limit overrides the default, and X-API-Key and Bearer share one bucket', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 3, windowSeconds: 60 } });
    const first = await t.get('/api/auth/verify', key.auth);
    expectLimitHeaders(first.headers, 3, 'api-key');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    expect((await t.get('/api/auth/verify', { authorization: `Bearer ${key.key}` })).headers['x-ratelimit-remaining']).toBe('1');
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
    expect((await t.get('/api/auth/verify', { authorization: `Bearer ${key.key}` })).status).toBe(429);
  });

  it('limits per caller, not per route: two routes share the key’s bucket', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 2, windowSeconds: 60 } });
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
    expect((await t.get('/api/keys', key.auth)).status).toBe(200);
    expect((await t.get(`/api/keys/${key.id}`, key.auth)).status).toBe(429);
  });

  it('a route’s declared cost spends that many units', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 12, windowSeconds: 60, strategy: 'fixed' } });
    const created = await t.post('/api/keys', { name: 'costly' }, key.auth);
    expect(created.status).toBe(201);
    expect(created.headers['x-ratelimit-remaining']).toBe(String(12 - CREATE_KEY_COST));
    expect((await t.post('/api/keys', { name: 'costly 2' }, key.auth)).headers['x-ratelimit-remaining']).toBe(
      String(12 - 2 * CREATE_KEY_COST),
    );
    const over = await t.post('/api/keys', { name: 'costly 3' }, key.auth);
    expect(over.status).toBe(429);
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
  });

  it('limits JWT callers per user across tokens', async () => {
    const other = await t.newUser('jwt-limited');
    nextHour();
    const second = await t.login(other.email, PASSWORD);
    nextHour();
    const results = [];
    for (let i = 0; i < 21; i++) results.push(await t.get('/api/auth/verify', (i % 2 ? second : other).auth));
    expect(results.slice(0, 20).every((res) => res.status === 200)).toBe(true);
    expect(results[20].status).toBe(429);
    expectLimitHeaders(results[0].headers, 20, 'jwt');
  });

  it('limits anonymous callers per IP with a burst, counting failed authentications, ignoring a spoofed X-Forwarded-For', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await t.get('/api/auth/verify', { 'x-api-key': `argus_guess${i}`, 'x-forwarded-for': `198.51.100.${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const sixth = await t.post(
      '/api/auth/login',
      { email: 'nobody@example.com', password: 'whatever-password' },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    expect(sixth.status).toBe(429);
    expectLimitHeaders(sixth.headers, 5, 'anonymous-burst');
    // Sliding windows: the full previous second still weighs in until it has slid out.
    t.clock.advance(2000);
    expect((await t.post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever-password' })).status).toBe(401);
  });

  it('the hourly anonymous limit holds beyond the burst', async () => {
    let allowed = 0;
    for (let i = 0; i < 110; i++) {
      if (i % 5 === 0) t.clock.advance(2000);
      const res = await t.post('/api/auth/refresh', { refreshToken: `nope-${i}` });
      if (res.status !== 429) allowed++;
    }
    expect(allowed).toBe(100);
  });

  it('limits logins per account without a permanent lockout', async () => {
    const victim = await t.newUser('login-target');
    nextHour();
    // From addresses that never logged in to the account (its own address has a budget of its own).
    const login = (password: string, i: number) =>
      t.request('POST', '/api/auth/login', { body: { email: victim.email, password }, remoteAddress: `192.0.2.${i}` });
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1000);
      expect((await login('wrong-password-123', i)).status).toBe(401);
    }
    t.clock.advance(1000);
    const blocked = await login(PASSWORD, 10);
    expect(blocked.status).toBe(429);
    expectLimitHeaders(blocked.headers, 3, 'login');
    t.clock.advance(10 * 60_000);
    expect((await login(PASSWORD, 11)).status).toBe(200);
  });

  it('does not limit health checks or the docs', async () => {
    for (let i = 0; i < 30; i++) {
      expect((await t.get('/api/health/live')).status).toBe(200);
    }
    expect((await t.get('/api/health')).headers['x-ratelimit-limit']).toBeUndefined();
    expect((await t.get('/docs-json')).status).toBe(200);
  });

  describe('quotas', () => {
    it('count apart from the rate limit, show on the key and in headers, and answer quota_exceeded', async () => {
      const key = await t.createKey(user, { quota: { limit: 3, period: 'day' } });
      const first = await t.get('/api/auth/verify', key.auth);
      expect(first.headers['x-quota-limit']).toBe('3');
      expect(first.headers['x-quota-remaining']).toBe('2');
      expect(first.headers['x-ratelimit-remaining']).toBe('99');
      await t.get('/api/auth/verify', key.auth);
      await t.get('/api/auth/verify', key.auth);
      const over = await t.get('/api/auth/verify', key.auth);
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ success: false, code: 'quota_exceeded', retryAfter: expect.any(Number) });
      expect(over.headers['x-quota-remaining']).toBe('0');
      expect(over.headers['retry-after']).toBeDefined();

      const shown = (await t.get(`/api/keys/${key.id}`, user.auth)).body.data.quota;
      expect(shown).toMatchObject({ limit: 3, period: 'day', used: 3, remaining: 0 });
      const resetsAt = new Date(shown.resetsAt).getTime();
      expect(resetsAt % 86_400_000).toBe(0);

      // The quota refills at the period boundary.
      t.clock.advance(resetsAt - t.clock.now() + 1000);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      expect((await t.get(`/api/keys/${key.id}`, user.auth)).body.data.quota).toMatchObject({ used: 1, remaining: 2 });
    });

    it('can be changed or removed by PATCH', async () => {
      const key = await t.createKey(user, { quota: { limit: 1, period: 'month' } });
      await t.get('/api/auth/verify', key.auth);
      expect((await t.get('/api/auth/verify', key.auth)).body.code).toBe('quota_exceeded');
      const patched = await t.patch(`/api/keys/${key.id}`, { quota: null }, user.auth);
      expect(patched.status).toBe(200);
      expect(patched.body.data.quota).toBeNull();
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
    });
  });

  describe('key rate limit settings', () => {
    it('refuses an owner a limit above the ceiling (400) and lets an admin exceed it', async () => {
      const tooFast = { name: 'fast', rateLimit: { limit: 1_000_000, windowSeconds: 1 } };
      const res = await t.post('/api/keys', tooFast, user.auth);
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('rateLimit');
      const admin = await t.admin();
      expect((await t.post('/api/keys', tooFast, admin.auth)).status).toBe(201);
    });

    it('validates strategy and burst', async () => {
      const res = await t.post('/api/keys', { name: 'x', rateLimit: { limit: 5, windowSeconds: 60, strategy: 'leaky' } }, user.auth);
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('rateLimit.strategy');
    });

    it('applies a token bucket: a burst, then the steady rate', async () => {
      const key = await t.createKey(user, { rateLimit: { limit: 60, windowSeconds: 60, strategy: 'token_bucket', burst: 3 } });
      const burst = [];
      for (let i = 0; i < 4; i++) burst.push((await t.get('/api/auth/verify', key.auth)).status);
      expect(burst).toEqual([200, 200, 200, 429]);
      t.clock.advance(1000);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(429);
    });
  });
});

describe('rate limits switched off (e2e)', () => {
  it('RATE_LIMIT_ENABLED=false sends no limit headers and never 429s', async () => {
    const t = await TestApp.start({ ...LIMITS, RATE_LIMIT_ENABLED: 'false' });
    try {
      const user = await t.newUser();
      const key = await t.createKey(user, { rateLimit: { limit: 1, windowSeconds: 60 } });
      for (let i = 0; i < 3; i++) {
        const res = await t.get('/api/auth/verify', key.auth);
        expect(res.status).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await t.close();
    }
  });
});

describe('a route’s own extra limit (e2e)', () => {
  it('POST /api/auth/register allows RATE_LIMIT_REGISTER sign-ups per IP on top of the anonymous limit', async () => {
    const t = await TestApp.start({ RATE_LIMIT_REGISTER: '2/1h' });
    try {
      t.clock.freeze();
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await t.post('/api/auth/register', { email: `signup-${i}@example.com`, password: PASSWORD })).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      const denied = await t.post('/api/auth/register', { email: 'signup-x@example.com', password: PASSWORD });
      expect(denied.body.code).toBe('rate_limit_exceeded');
      expect(denied.headers['ratelimit-policy']).toMatch(/^"route-register";q=2;w=3600$/);
      // Other public routes are not affected by the route's own limit.
      expect((await t.post('/api/auth/login', { email: 'signup-0@example.com', password: PASSWORD })).status).toBe(200);
      t.clock.advance(2 * 3_600_000);
      expect((await t.post('/api/auth/register', { email: 'signup-later@example.com', password: PASSWORD })).status).toBe(201);
    } finally {
      await t.close();
    }
  });
});
