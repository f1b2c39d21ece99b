import { Session, TestApp, TestResponse } from '../support/test-app';

/** The seconds `t` of `RateLimit: "name";r=N;t=S`. */
const tOf = (res: TestResponse) => Number(/;t=(\d+)$/.exec(String(res.headers.ratelimit))?.[1]);

/**
 * On a 429 every header that says "when" names the same moment, whatever the strategy:
 * Retry-After == body.retryAfter == RateLimit's t, and X-RateLimit-Reset == now + Retry-After.
 */
function expectAgreement(res: TestResponse, nowMs: number): number {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(res.body.retryAfter).toBe(retryAfter);
  expect(tOf(res)).toBe(retryAfter);
  expect(Number(res.headers['x-ratelimit-reset'])).toBe(Math.floor(nowMs / 1000) + retryAfter);
  return retryAfter;
}

describe('rate-limit headers agree on a 429, per strategy (e2e)', () => {
  let t: TestApp;
  let user: Session;

  beforeAll(async () => {
    t = await TestApp.start({ RATE_LIMIT_JWT: '1000000/1m' });
    user = await t.newUser('headers');
    t.clock.freeze();
  });
  // A fresh window, 0.4 s into a second, so rounding to seconds is exercised.
  beforeEach(() => {
    t.clock.advance(3_600_000);
    t.clock.advance(60_000 - (t.clock.now() % 60_000) + 400);
  });
  afterAll(() => t.close());

  /** Spends `n` requests of the key; returns the last response. */
  async function spend(auth: Record<string, string>, n: number): Promise<TestResponse> {
    let last: TestResponse | undefined;
    for (let i = 0; i < n; i++) last = await t.get('/api/auth/verify', auth);
    return last as TestResponse;
  }

  /** The same request fails a second before Retry-After is over, and passes once it is. */
  async function expectHonest(auth: Record<string, string>, retryAfter: number): Promise<void> {
    t.clock.advance(retryAfter * 1000 - 1000);
    expect((await t.get('/api/auth/verify', auth)).status).toBe(429);
    t.clock.advance(1000);
    expect((await t.get('/api/auth/verify', auth)).status).toBe(200);
  }

  it('fixed: Retry-After, t and X-RateLimit-Reset all point at the end of the window', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 3, windowSeconds: 60, strategy: 'fixed' } });
    const passed = await spend(key.auth, 3);
    const windowEnd = Number(passed.headers['x-ratelimit-reset']);
    const denied = await t.get('/api/auth/verify', key.auth);
    const retryAfter = expectAgreement(denied, t.clock.now());
    expect(Number(denied.headers['x-ratelimit-reset'])).toBe(windowEnd);
    await expectHonest(key.auth, retryAfter);
  });

  it('sliding: on a 429 Reset is when the request can pass, not the end of the current window', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 4, windowSeconds: 60, strategy: 'sliding' } });
    t.clock.advance(45_000);
    await spend(key.auth, 4);
    // Into the next window: the previous one still counts 4 × 85 %, so 3.4 of 4 are used.
    t.clock.advance(24_000);
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(429);
    const denied = await t.get('/api/auth/verify', key.auth);
    const retryAfter = expectAgreement(denied, t.clock.now());
    await expectHonest(key.auth, retryAfter);
  });

  it('token bucket: on a 429 Reset is when one token is back; on a pass it is when the bucket is full', async () => {
    const key = await t.createKey(user, { rateLimit: { limit: 10, windowSeconds: 60, strategy: 'token_bucket' } });
    const passed = await spend(key.auth, 10);
    expect(tOf(passed)).toBe(60);
    const denied = await t.get('/api/auth/verify', key.auth);
    const retryAfter = expectAgreement(denied, t.clock.now());
    expect(retryAfter).toBe(6);
    await expectHonest(key.auth, retryAfter);
  });
});
