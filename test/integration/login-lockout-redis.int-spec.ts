import { RateLimitService } from '../../src/rate-limit/rate-limit.service';
import { timeUntil } from '../support/net';
import { redisServerMissing } from '../support/redis-server';
import { PASSWORD, TestApp, TestResponse } from '../support/test-app';
import { TwoInstances } from '../support/two-instances';

const redisMissing = redisServerMissing();
if (redisMissing) console.warn(`login-lockout-redis: skipped, ${redisMissing}`);
const describeWithRedis = redisMissing ? describe.skip : describe;

// Closed: a Redis call that times out on this busy machine answers 503 instead of counting in one instance's memory.
const LIMITS = {
  RATE_LIMIT_REDIS_FAILURE: 'closed',
  RATE_LIMIT_LOGIN: '10/5m',
  RATE_LIMIT_LOGIN_IP: '30/5m',
  RATE_LIMIT_LOGIN_TRUSTED: '5/5m',
};

/** Runs `count` calls four at a time (concurrent across both instances, without flooding a 2-core machine). */
async function inBatches(count: number, call: (i: number) => Promise<TestResponse>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 4) {
    const batch = await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, j) => call(i + j)));
    statuses.push(...batch.map((res) => res.status));
  }
  return statuses;
}

/** At most `limit` guesses evaluated (401); exactly `limit` unless Redis was too slow for some (503). */
function expectEvaluated(statuses: number[], limit: number): void {
  const evaluated = statuses.filter((s) => s === 401).length;
  expect(statuses.every((s) => [401, 429, 503].includes(s))).toBe(true);
  expect(evaluated).toBeLessThanOrEqual(limit);
  if (!statuses.includes(503)) expect(evaluated).toBe(limit);
}

const deviceCookieOf = (res: TestResponse): string =>
  ([] as string[])
    .concat(res.headers['set-cookie'] as string | string[])
    .find((c) => c.startsWith('argus_device='))!
    .split(';')[0];

describeWithRedis('login limits across two instances sharing Redis and PostgreSQL (integration)', () => {
  let instances: TwoInstances;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    instances = await TwoInstances.start(LIMITS);
    ({ a, b } = instances);
    // Both instances count in Redis (until connected, each would count in its own memory).
    await timeUntil(() => a.app.get(RateLimitService).shared && b.app.get(RateLimitService).shared, 10_000, 50);
  });
  afterAll(() => instances?.close());

  it('counts the attack exactly once across instances, and the victim’s cookie and address work on either', async () => {
    const victim = await a.newUser('shared-victim');
    const login = (app: TestApp, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
      app.request('POST', '/api/auth/login', { body: { email: victim.email, password }, remoteAddress, headers });
    const first = await login(a, PASSWORD, '198.51.100.20');
    expect(first.status).toBe(200);
    const cookie = deviceCookieOf(first);

    // 40 wrong guesses from 40 addresses, alternating instances: the account's 10 are shared, and
    // the sign-up's login and the victim's first login (untrusted then) spent 2 of them.
    expectEvaluated(await inBatches(40, (i) => login(i % 2 ? b : a, 'wrong-password-123', `10.77.0.${i}`)), 8);

    // A stranger is refused on both instances; the victim gets in on the other instance with the cookie, or from the usual address.
    expect((await login(a, PASSWORD, '10.78.0.1')).status).toBe(429);
    expect((await login(b, PASSWORD, '10.78.0.2')).status).toBe(429);
    expect((await login(b, PASSWORD, '10.78.0.3', { cookie })).status).toBe(200);
    expect((await login(b, PASSWORD, '198.51.100.20')).status).toBe(200);

    // A stolen cookie's budget is shared too: 5 guesses in all, whichever instance they go to.
    const stolen = deviceCookieOf(await login(a, PASSWORD, '198.51.100.20'));
    expectEvaluated(await inBatches(12, (i) => login(i % 2 ? b : a, 'wrong-password-123', `10.79.0.${i}`, { cookie: stolen })), 5);
  });
});
