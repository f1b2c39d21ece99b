import { PASSWORD, TestApp, TestResponse } from '../support/test-app';

/** The real defaults for login, so the figures below are the ones operators get. */
const LIMITS = {
  RATE_LIMIT_LOGIN: '10/5m',
  RATE_LIMIT_LOGIN_IP: '30/5m',
  RATE_LIMIT_LOGIN_TRUSTED: '5/5m',
  TRUST_PROXY: 'loopback',
};
const WINDOW_MS = 5 * 60_000;
const ACCOUNT_LIMIT = 10;
const TRUSTED_LIMIT = 5;
const WRONG = 'wrong-password-123';
const VICTIM_ADDRESS = '198.51.100.7';

/** The `argus_device` cookie a response set, as a client would send it back (`name=value`). */
function deviceCookieOf(res: TestResponse): string {
  const raw = res.headers['set-cookie'];
  const cookies = Array.isArray(raw) ? raw : [String(raw)];
  const cookie = cookies.find((c) => c.startsWith('argus_device='));
  if (!cookie) throw new Error(`no argus_device cookie in ${JSON.stringify(raw)}`);
  return cookie.split(';')[0];
}

describe('login under attack (e2e): the per-account limit never locks out the victim’s usual client', () => {
  let t: TestApp;
  let addressCounter = 0;
  /** A new attacker address every call: 10.x.y.z, never the victim’s. */
  const freshAddress = () => {
    addressCounter++;
    return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
  };
  const login = (email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.request('POST', '/api/auth/login', { body: { email, password }, remoteAddress, headers });

  beforeAll(async () => {
    t = await TestApp.start(LIMITS);
    t.clock.freeze();
  });
  afterAll(() => t.close());

  it('keeps the victim’s cookie and usual address working, bounds the attacker, and refuses strangers and forgeries', async () => {
    const victim = await t.newUser('victim');
    const other = await t.newUser('bystander');
    t.clock.advance(2 * WINDOW_MS);

    // Before the attack: the victim logs in from their usual address and keeps the device cookie.
    const before = await login(victim.email, PASSWORD, VICTIM_ADDRESS);
    expect(before.status).toBe(200);
    const setCookie = ([] as string[]).concat(before.headers['set-cookie'] as string | string[]).find((c) => c.startsWith('argus_device='));
    expect(setCookie).toMatch(/^argus_device=[^;]+; Max-Age=\d+; Path=\/api\/auth; HttpOnly; SameSite=Strict$/);
    expect(before.body.data.deviceToken).toBe(deviceCookieOf(before).slice('argus_device='.length));
    const victimCookie = deviceCookieOf(before);
    const otherCookie = deviceCookieOf(await login(other.email, PASSWORD, '198.51.100.99'));

    // The attack: a burst from 200 addresses, then a steady trickle (one guess every 10 s, each
    // from a new address) for 30 minutes.
    let evaluated = 0;
    let attempts = 0;
    const attack = async () => {
      const res = await login(victim.email, WRONG, freshAddress());
      attempts++;
      if (res.status === 401) evaluated++;
      else expect(res.status).toBe(429);
    };
    for (let i = 0; i < 200; i++) await attack();
    const durationMs = 30 * 60_000;
    for (let elapsed = 0; elapsed < durationMs; elapsed += 10_000) {
      t.clock.advance(10_000);
      await attack();
    }
    // The attacker is bounded by the per-account limit: at most its limit per window, however many addresses.
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(ACCOUNT_LIMIT * (durationMs / WINDOW_MS + 1));
    expect(attempts - evaluated).toBeGreaterThan(200);

    // While under attack: a stranger with the right password is refused, as the untrusted pool is spent…
    await attack();
    const stranger = await login(victim.email, PASSWORD, freshAddress());
    expect(stranger.status).toBe(429);
    expect(stranger.body.code).toBe('rate_limit_exceeded');
    expect(stranger.headers['ratelimit-policy']).toMatch(/^"login";q=10;w=300$/);

    // …forged, tampered and foreign device tokens earn no exemption…
    const [name, value] = victimCookie.split('=');
    const tampered = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherAccount = victimCookie.replace(/^argus_device=[^.]+\.[^.]+/, `argus_device=v1.${other.userId}`);
    for (const cookie of [tampered, otherCookie, otherAccount, 'argus_device=v1.garbage', `argus_device=${'x'.repeat(5000)}`]) {
      expect((await login(victim.email, PASSWORD, freshAddress(), { cookie })).status).toBe(429);
    }
    expect((await login(victim.email, PASSWORD, freshAddress(), { 'x-device-token': value.slice(0, -1) })).status).toBe(429);

    // …but the victim’s own client gets in: with the cookie from anywhere, and from the usual address without it.
    const withCookie = await login(victim.email, PASSWORD, freshAddress(), { cookie: victimCookie });
    expect(withCookie.status).toBe(200);
    expect(withCookie.body.data.user.id).toBe(victim.userId);
    expect((await login(victim.email, PASSWORD, VICTIM_ADDRESS)).status).toBe(200);
    // API clients without cookies send the token in a header.
    expect((await login(victim.email, PASSWORD, freshAddress(), { 'x-device-token': withCookie.body.data.deviceToken })).status).toBe(200);
    // The other account’s own cookie still works for that account.
    expect((await login(other.email, PASSWORD, freshAddress(), { cookie: otherCookie })).status).toBe(200);
  });

  it('a stolen device cookie or the victim’s address only buys its own small budget of guesses', async () => {
    const victim = await t.newUser('stolen');
    t.clock.advance(2 * WINDOW_MS);
    const first = await login(victim.email, PASSWORD, VICTIM_ADDRESS);
    const stolen = deviceCookieOf(first);
    // The account is under attack from elsewhere.
    for (let i = 0; i < 30; i++) await login(victim.email, WRONG, freshAddress());

    const results: number[] = [];
    for (let i = 0; i < 20; i++) results.push((await login(victim.email, WRONG, freshAddress(), { cookie: stolen })).status);
    // The thief gets the cookie's own budget, then only the shared limit, which the attack has spent.
    expect(results.filter((s) => s === 401)).toHaveLength(TRUSTED_LIMIT);
    expect(results.slice(TRUSTED_LIMIT).every((s) => s === 429)).toBe(true);
    // The cookie is now locked out, even with the right password…
    expect((await login(victim.email, PASSWORD, freshAddress(), { cookie: stolen })).status).toBe(429);

    // …and so is guessing from the victim's usual address, after its own budget.
    const fromAddress: number[] = [];
    for (let i = 0; i < 10; i++) fromAddress.push((await login(victim.email, WRONG, VICTIM_ADDRESS)).status);
    expect(fromAddress.filter((s) => s === 401)).toHaveLength(TRUSTED_LIMIT);
    expect(fromAddress.slice(TRUSTED_LIMIT).every((s) => s === 429)).toBe(true);

    // Budgets slide: once the window has passed, the victim is back in.
    t.clock.advance(2 * WINDOW_MS);
    expect((await login(victim.email, PASSWORD, freshAddress(), { cookie: stolen })).status).toBe(200);
  });

  it('limits one address guessing across many accounts, and a correct password alone never bypasses the account limit', async () => {
    t.clock.advance(2 * WINDOW_MS);
    const address = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await login(`nobody-${i}@example.com`, WRONG, address)).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(30);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);

    const victim = await t.newUser('no-history');
    t.clock.advance(2 * WINDOW_MS);
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await login(victim.email, WRONG, freshAddress())).status).toBe(401);
    // Never logged in before: no cookie, no known address, so the right password waits like anyone.
    expect((await login(victim.email, PASSWORD, freshAddress())).status).toBe(429);
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const user = await t.newUser('secure');
    const res = await t.post('/api/auth/login', { email: user.email, password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]).find((c) => c.startsWith('argus_device='));
    expect(cookie).toContain('; Secure');
  });
});
