import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PASSWORD, Session, TestApp, TestResponse } from '../support/test-app';

/** A browser's view of one sign-in: the cookies it would send back, and the CSRF token the page keeps. */
interface Browser {
  cookie: string;
  sessionToken: string;
  csrfToken: string;
  sessionId: string;
  headers: Record<string, string>;
}

const MINUTE = 60_000;

function setCookies(res: TestResponse): string[] {
  const raw = res.headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
}

function cookieLine(res: TestResponse, name: string): string | undefined {
  return setCookies(res).find((line) => line.startsWith(`${name}=`));
}

/** The `name=value` pairs a browser stores from the response (cleared cookies dropped). */
function cookieJar(res: TestResponse): string {
  return setCookies(res)
    .map((line) => line.split(';', 1)[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

describe('browser sessions (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let user: Session;

  async function signIn(who: { email: string }, host = 'localhost:3000', extra: Record<string, string> = {}): Promise<Browser> {
    const res = await t.request('POST', '/api/auth/sessions', {
      body: { email: who.email, password: PASSWORD },
      headers: { host, ...extra },
    });
    if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
    const cookie = cookieJar(res);
    const sessionToken = /argus_session=([^;]+)/.exec(cookie)?.[1] as string;
    return {
      cookie,
      sessionToken,
      csrfToken: res.body.data.csrfToken,
      sessionId: res.body.data.session.id,
      headers: { host, cookie, 'x-csrf-token': res.body.data.csrfToken },
    };
  }

  /** The browser's cookies only: what a cross-site request would carry. */
  const cookiesOf = (browser: Browser) => ({ host: browser.headers.host, cookie: browser.cookie });

  const keyNames = async (owner: Session): Promise<string[]> =>
    (await t.get('/api/keys?limit=100', owner.auth)).body.data.map((key: { name: string }) => key.name);

  beforeAll(async () => {
    t = await TestApp.start({ SESSION_TTL: '2h', SESSION_IDLE_TIMEOUT: '30m' });
    admin = await t.admin();
    user = await t.newUser('browser');
  });
  afterAll(() => t.close());

  describe('signing in', () => {
    it.each([['localhost:3000'], ['127.0.0.1:3000'], ['[::1]:3000']])(
      'sets the __Host- cookie, Secure, on the secure origin http://%s',
      async (host) => {
        const res = await t.request('POST', '/api/auth/sessions', { body: { email: user.email, password: PASSWORD }, headers: { host } });
        expect(res.status).toBe(201);
        const line = cookieLine(res, '__Host-argus_session') as string;
        expect(line).toMatch(/^__Host-argus_session=[A-Za-z0-9_-]{43}; Max-Age=7200; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
        expect(cookieLine(res, 'argus_session')).toBeUndefined();
        expect(cookieLine(res, 'argus_csrf')).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
        // The same device-cookie rule as POST /api/auth/login.
        expect(cookieLine(res, 'argus_device')).toMatch(/Path=\/api\/auth; HttpOnly; SameSite=Strict$/);
      },
    );

    it('sets a plain httpOnly cookie, without Secure or the __Host- prefix, on plain http to a real host name', async () => {
      const res = await t.request('POST', '/api/auth/sessions', {
        body: { email: user.email, password: PASSWORD },
        // Not trusted without TRUST_PROXY: the request stays plain http.
        headers: { host: 'argus.example.com', 'x-forwarded-proto': 'https' },
      });
      expect(res.status).toBe(201);
      expect(cookieLine(res, 'argus_session')).toMatch(/^argus_session=[A-Za-z0-9_-]{43}; Max-Age=7200; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(cookieLine(res, '__Host-argus_session')).toBeUndefined();
      expect(cookieLine(res, 'argus_csrf')).not.toContain('Secure');
    });

    it('answers the session, the user and a CSRF token, and never the session token or its hash', async () => {
      const res = await t.request('POST', '/api/auth/sessions', {
        body: { email: user.email, password: PASSWORD },
        headers: { host: 'localhost', 'user-agent': 'Mozilla/5.0 (X11) ' + 'x'.repeat(600) },
      });
      const { data } = res.body;
      expect(Object.keys(data).sort()).toEqual(['csrfToken', 'session', 'user']);
      expect(data.user).toMatchObject({ id: user.userId, email: user.email, role: 'user' });
      expect(data.session).toMatchObject({ ip: '127.0.0.1', current: true });
      expect(data.session.userAgent).toHaveLength(512);
      expect(Date.parse(data.session.expiresAt) - Date.parse(data.session.createdAt)).toBe(2 * 3600_000);
      const token = /__Host-argus_session=([^;]+)/.exec(cookieJar(res))?.[1] as string;
      const hash = createHash('sha256').update(token).digest('hex');
      expect(res.text).not.toContain(token);
      expect(res.text).not.toContain(hash);
    });

    it('refuses a wrong password with the login 401 and sets no session cookie', async () => {
      const res = await t.request('POST', '/api/auth/sessions', {
        body: { email: user.email, password: 'not-the-password-1' },
        headers: { host: 'localhost' },
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
      expect(setCookies(res).filter((line) => line.includes('session'))).toEqual([]);
    });

    it('takes JSON only, so a cross-site form cannot sign anyone in', async () => {
      const res = await t.request('POST', '/api/auth/sessions', {
        payload: `email=${encodeURIComponent(user.email)}&password=${PASSWORD}`,
        headers: { host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
      expect(setCookies(res)).toEqual([]);
    });

    it('tells the sign-in page that registration is open', async () => {
      expect((await t.get('/api/auth/options')).body).toEqual({ success: true, data: { registrationOpen: true } });
    });

    it('records session.created and the successful login in the audit trail', async () => {
      const browser = await signIn(user);
      const created = await t.get(`/api/admin/audit-events?action=session.created&targetId=${browser.sessionId}`, admin.auth);
      expect(created.body.data).toEqual([
        expect.objectContaining({ actorId: user.userId, targetType: 'session', targetId: browser.sessionId }),
      ]);
      const logins = await t.get(`/api/admin/audit-events?action=user.login_succeeded&targetId=${user.userId}&limit=100`, admin.auth);
      expect(logins.body.meta.total).toBeGreaterThan(1);
    });
  });

  describe('the cookie as a credential', () => {
    it('authenticates GET /api/auth/me with method "session", under either cookie name', async () => {
      const secure = await signIn(user);
      const me = await t.get('/api/auth/me', cookiesOf(secure));
      expect(me.status).toBe(200);
      expect(me.body.data).toMatchObject({ id: user.userId, email: user.email, method: 'session' });
      expect(me.body.data).not.toHaveProperty('passwordHash');

      const plain = await signIn(user, 'argus.example.com');
      expect(plain.cookie).toMatch(/(^|; )argus_session=/);
      expect(plain.cookie).not.toContain('__Host-');
      expect((await t.get('/api/auth/me', cookiesOf(plain))).body.data.method).toBe('session');
      expect((await t.get('/api/auth/verify', cookiesOf(plain))).body.data).toMatchObject({ method: 'session', userId: user.userId });
    });

    it('GET /api/auth/me names the other credentials too', async () => {
      expect((await t.get('/api/auth/me', user.auth)).body.data).toMatchObject({ id: user.userId, method: 'jwt' });
      const key = await t.createKey(user, { name: 'me key' });
      expect((await t.get('/api/auth/me', key.auth)).body.data).toMatchObject({ id: user.userId, method: 'api_key' });
    });

    it('refuses an unknown session cookie with 401 and clears it', async () => {
      const res = await t.get('/api/auth/me', { host: 'localhost', cookie: '__Host-argus_session=' + 'A'.repeat(43) });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
      expect(cookieLine(res, '__Host-argus_session')).toMatch(
        /^__Host-argus_session=; Max-Age=0; Path=\/; Expires=.*; HttpOnly; Secure; SameSite=Lax$/,
      );
    });

    it('lets an explicit header win over the cookie', async () => {
      const browser = await signIn(user);
      const other = await t.newUser('header-wins');
      const res = await t.get('/api/auth/me', { ...cookiesOf(browser), ...other.auth });
      expect(res.body.data).toMatchObject({ id: other.userId, method: 'jwt' });
    });
  });

  describe('CSRF', () => {
    it('refuses a state-changing request without a valid token for this session with 403 csrf_invalid, and changes nothing', async () => {
      const browser = await signIn(user);
      const another = await signIn(user);
      // A token minted for the other session under this browser's own CSRF secret: only the binding to the session refuses it.
      const anotherSession = another.cookie.split('; ').find((pair) => pair.startsWith('__Host-argus_session=')) as string;
      const thisSecret = browser.cookie.split('; ').find((pair) => pair.startsWith('argus_csrf=')) as string;
      const sameSecret = await t.get('/api/auth/csrf', { host: 'localhost:3000', cookie: `${anotherSession}; ${thisSecret}` });
      expect(setCookies(sameSecret)).toEqual([]);
      const attempts: Array<[string, Record<string, string>]> = [
        ['missing', cookiesOf(browser)],
        ['wrong', { ...cookiesOf(browser), 'x-csrf-token': 'not-a-token' }],
        ['tampered', { ...cookiesOf(browser), 'x-csrf-token': browser.csrfToken.slice(0, -2) + 'xx' }],
        ['another session', { ...cookiesOf(browser), 'x-csrf-token': another.csrfToken }],
        ['another session, same secret', { ...cookiesOf(browser), 'x-csrf-token': sameSecret.body.data.csrfToken }],
      ];
      for (const [why, headers] of attempts) {
        const res = await t.post('/api/keys', { name: `csrf ${why}` }, headers);
        expect([why, res.status, res.body.code, res.body.error]).toEqual([why, 403, 'csrf_invalid', 'Missing or invalid CSRF token']);
      }
      const revoke = await t.delete(`/api/auth/sessions/${another.sessionId}`, cookiesOf(browser));
      expect(revoke.body.code).toBe('csrf_invalid');
      expect((await t.get('/api/auth/me', cookiesOf(another))).status).toBe(200);
      expect((await keyNames(user)).filter((name) => name.startsWith('csrf '))).toEqual([]);
    });

    it('accepts the token of this session, from sign-in or from GET /api/auth/csrf', async () => {
      const browser = await signIn(user);
      const created = await t.post('/api/keys', { name: 'from the browser' }, browser.headers);
      expect(created.status).toBe(201);
      expect(created.body.data).toMatchObject({ name: 'from the browser', parentKeyId: null });

      const again = await t.get('/api/auth/csrf', cookiesOf(browser));
      expect(again.status).toBe(200);
      expect(again.body.data.csrfToken).not.toBe(browser.csrfToken);
      const second = await t.post(
        '/api/keys',
        { name: 'after a reload' },
        { ...cookiesOf(browser), 'x-csrf-token': again.body.data.csrfToken },
      );
      expect(second.status).toBe(201);
      expect(await keyNames(user)).toEqual(expect.arrayContaining(['from the browser', 'after a reload']));
    });

    it('needs no token for reads, nor for bearer and key callers', async () => {
      const browser = await signIn(user);
      expect((await t.get('/api/keys', cookiesOf(browser))).status).toBe(200);
      expect((await t.post('/api/keys', { name: 'by jwt' }, user.auth)).status).toBe(201);
      const key = await t.createKey(user, { name: 'parent' });
      expect((await t.post('/api/keys', { name: 'by key' }, key.auth)).status).toBe(201);
      // A header credential with a stray cookie beside it is judged by the header alone.
      expect((await t.post('/api/keys', { name: 'by jwt with cookie' }, { ...cookiesOf(browser), ...user.auth })).status).toBe(201);
    });

    it('gives no CSRF token to other credentials', async () => {
      expect((await t.get('/api/auth/csrf', user.auth)).status).toBe(403);
    });
  });

  describe('listing and signing out', () => {
    it('lists the live sessions with `current`, and never another user’s', async () => {
      const mine = await t.newUser('lister');
      const first = await signIn(mine);
      const second = await signIn(mine, 'localhost', { 'user-agent': 'Second browser' });
      const stranger = await signIn(await t.newUser('stranger'));

      const list = await t.get('/api/auth/sessions', cookiesOf(second));
      expect(list.status).toBe(200);
      expect(list.body.meta).toEqual({ page: 1, limit: 20, total: 2 });
      const byId = Object.fromEntries(list.body.data.map((s: { id: string; current: boolean }) => [s.id, s]));
      expect(Object.keys(byId).sort()).toEqual([first.sessionId, second.sessionId].sort());
      expect(byId[second.sessionId]).toMatchObject({ current: true, userAgent: 'Second browser', ip: '127.0.0.1' });
      expect(byId[first.sessionId].current).toBe(false);
      expect(Object.keys(byId[first.sessionId]).sort()).toEqual(
        ['createdAt', 'current', 'expiresAt', 'id', 'idleExpiresAt', 'ip', 'lastSeenAt', 'userAgent'].sort(),
      );
      expect(list.text).not.toContain(first.sessionToken);

      const viaJwt = await t.get('/api/auth/sessions', (await t.login(mine.email, PASSWORD)).auth);
      expect(viaJwt.body.data.every((s: { current: boolean }) => !s.current)).toBe(true);

      const foreign = await t.delete(`/api/auth/sessions/${stranger.sessionId}`, second.headers);
      expect(foreign.status).toBe(404);
      expect((await t.get('/api/auth/me', cookiesOf(stranger))).status).toBe(200);
    });

    it('revokes one session: refused from the next request, gone from the list, audited', async () => {
      const mine = await t.newUser('revoker');
      const keep = await signIn(mine);
      const drop = await signIn(mine);
      const res = await t.delete(`/api/auth/sessions/${drop.sessionId}`, keep.headers);
      expect(res.status).toBe(200);
      expect((await t.get('/api/auth/me', cookiesOf(drop))).status).toBe(401);
      expect((await t.get('/api/auth/me', cookiesOf(keep))).status).toBe(200);
      const ids = (await t.get('/api/auth/sessions', cookiesOf(keep))).body.data.map((s: { id: string }) => s.id);
      expect(ids).toEqual([keep.sessionId]);
      expect((await t.delete(`/api/auth/sessions/${drop.sessionId}`, keep.headers)).status).toBe(404);
      const events = await t.get(`/api/admin/audit-events?action=session.revoked&targetId=${drop.sessionId}`, admin.auth);
      expect(events.body.data).toEqual([expect.objectContaining({ actorId: mine.userId, targetType: 'session' })]);
    });

    it('signs out everywhere: every session and every refresh token', async () => {
      const mine = await t.newUser('everywhere');
      const a = await signIn(mine);
      const b = await signIn(mine, 'argus.example.com');
      const login = await t.login(mine.email, PASSWORD);

      const res = await t.delete('/api/auth/sessions', a.headers);
      expect(res.status).toBe(200);
      expect(cookieLine(res, '__Host-argus_session')).toContain('Max-Age=0');
      for (const browser of [a, b]) expect((await t.get('/api/auth/me', cookiesOf(browser))).status).toBe(401);
      for (const refreshToken of [mine.refreshToken, login.refreshToken]) {
        expect((await t.post('/api/auth/refresh', { refreshToken })).status).toBe(401);
      }
      // Signing in again works as before.
      expect((await t.get('/api/auth/me', cookiesOf(await signIn(mine)))).status).toBe(200);
    });

    it('signs the current browser out and clears its cookies', async () => {
      const browser = await signIn(user);
      const res = await t.delete('/api/auth/session', browser.headers);
      expect(res.status).toBe(200);
      expect(cookieLine(res, '__Host-argus_session')).toMatch(/^__Host-argus_session=; Max-Age=0;.*Secure/);
      expect(cookieLine(res, 'argus_csrf')).toContain('Max-Age=0');
      const after = await t.get('/api/auth/me', cookiesOf(browser));
      expect([after.status, after.body.code]).toEqual([401, 'invalid_token']);
      expect((await t.delete('/api/auth/session', user.auth)).status).toBe(403);
    });
  });

  describe('the account behind the session', () => {
    it('a deactivated user is refused on the next request', async () => {
      const mine = await t.newUser('deactivated');
      const browser = await signIn(mine);
      expect((await t.patch(`/api/admin/users/${mine.userId}`, { isActive: false }, admin.auth)).status).toBe(200);
      const res = await t.get('/api/auth/me', cookiesOf(browser));
      expect(res.status).toBe(401);
      // Reactivation does not bring the session back: deactivation ended it.
      await t.patch(`/api/admin/users/${mine.userId}`, { isActive: true }, admin.auth);
      expect((await t.get('/api/auth/me', cookiesOf(browser))).status).toBe(401);
    });

    it('a role change applies on the next request', async () => {
      const mine = await t.newUser('promoted');
      const browser = await signIn(mine);
      expect((await t.get('/api/admin/users', cookiesOf(browser))).status).toBe(403);
      await t.patch(`/api/admin/users/${mine.userId}`, { role: 'admin' }, admin.auth);
      expect((await t.get('/api/admin/users', cookiesOf(browser))).status).toBe(200);
      await t.patch(`/api/admin/users/${mine.userId}`, { role: 'user' }, admin.auth);
      expect((await t.get('/api/admin/users', cookiesOf(browser))).status).toBe(403);
    });
  });

  describe('expiry', () => {
    it('ends a session after SESSION_IDLE_TIMEOUT without a request', async () => {
      const browser = await signIn(user);
      t.clock.advance(29 * MINUTE);
      expect((await t.get('/api/auth/me', cookiesOf(browser))).status).toBe(200);
      t.clock.advance(29 * MINUTE);
      expect((await t.get('/api/auth/me', cookiesOf(browser))).status).toBe(200);
      t.clock.advance(31 * MINUTE);
      const res = await t.get('/api/auth/me', cookiesOf(browser));
      expect([res.status, res.body.code]).toEqual([401, 'token_expired']);
    });

    it('ends a session at SESSION_TTL however busy it is', async () => {
      const browser = await signIn(user);
      for (let elapsed = 20; elapsed <= 100; elapsed += 20) {
        t.clock.advance(20 * MINUTE);
        expect((await t.get('/api/auth/me', cookiesOf(browser))).status).toBe(200);
      }
      t.clock.advance(20 * MINUTE);
      const res = await t.get('/api/auth/me', cookiesOf(browser));
      expect([res.status, res.body.code]).toEqual([401, 'token_expired']);
    });

    it('records use at most once a minute', async () => {
      const browser = await signIn(user);
      const lastSeen = async () =>
        (await t.get('/api/auth/sessions?limit=100', cookiesOf(browser))).body.data.find((s: { current: boolean }) => s.current).lastSeenAt;
      const signedIn = await lastSeen();
      t.clock.advance(30_000);
      expect(await lastSeen()).toBe(signedIn);
      t.clock.advance(31_000);
      const touched = await lastSeen();
      expect(Date.parse(touched) - Date.parse(signedIn)).toBeGreaterThanOrEqual(MINUTE);
    });
  });

  it('never writes a session token or its hash to a response body, the audit trail or a log line', async () => {
    const browser = await signIn(user);
    const hash = createHash('sha256').update(browser.sessionToken).digest('hex');
    const bodies = [
      (await t.get('/api/auth/sessions?limit=100', cookiesOf(browser))).text,
      (await t.get('/api/auth/me', cookiesOf(browser))).text,
      (await t.get('/api/admin/audit-events?limit=100', admin.auth)).text,
      JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM audit_events')),
      t.logs.join('\n'),
    ];
    for (const text of bodies) {
      expect(text).not.toContain(browser.sessionToken);
      expect(text).not.toContain(hash);
    }
  });
});

describe('browser sessions behind a TLS-terminating proxy (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ TRUST_PROXY: 'loopback', ALLOW_REGISTRATION: 'false' });
  });
  afterAll(() => t.close());

  it('sets the __Host- cookie for https announced by a trusted X-Forwarded-Proto', async () => {
    const admin = await t.admin();
    const res = await t.request('POST', '/api/auth/sessions', {
      body: { email: admin.email, password: 'admin-password-0123' },
      headers: { host: 'argus.example.com', 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(201);
    expect(cookieLine(res, '__Host-argus_session')).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookieLine(res, 'argus_device')).toContain('Secure');
  });

  it('tells the sign-in page whether registration is open', async () => {
    expect((await t.get('/api/auth/options')).body).toEqual({ success: true, data: { registrationOpen: false } });
  });
});
