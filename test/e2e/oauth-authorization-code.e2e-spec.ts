import { totpCode } from '../../src/auth/mfa/totp';
import { FormBrowser, formAction, hiddenField } from '../support/browser-jar';
import { authorizationRequest, oauthErrorOf, registerApplication, startListeningApp } from '../support/oauth';
import { PASSWORD, Session, TestApp } from '../support/test-app';

const REDIRECT = 'https://client.example/callback';

/**
 * The authorization code flow with PKCE, driven by openid-client through Argus's real login and
 * consent pages (their forms followed over HTTP, cookies kept), then refresh rotation, userinfo
 * and the ID token checked against the JWKS.
 */
describe('OAuth authorization code + PKCE (e2e, openid-client)', () => {
  let t: TestApp;
  let issuer: string;
  let alice: Session;
  let client: typeof import('openid-client');
  let jose: typeof import('jose');

  beforeAll(async () => {
    ({ t, issuer } = await startListeningApp());
    jose = await import('jose');
    client = await import('openid-client');
    alice = await t.newUser('alice');
  });

  afterAll(() => t.close());

  async function webApp(overrides: Parameters<typeof registerApplication>[2] = {}) {
    const { application, secret } = await registerApplication(t, alice.userId, {
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT],
      scopes: ['read:keys', 'write:keys'],
      ...overrides,
    });
    const auth = application.tokenEndpointAuthMethod === 'none' ? client.None() : client.ClientSecretBasic(secret);
    const config = await client.discovery(new URL(issuer), application.clientId, undefined, auth, {
      execute: [client.allowInsecureRequests],
    });
    return { application, config };
  }

  const authorizationUrl = (config: import('openid-client').Configuration, scope = 'openid email offline_access read:keys') =>
    authorizationRequest(client, config, REDIRECT, scope);

  /** Signs in on the login page and answers the consent page; returns where the browser was sent. */
  async function signInAndDecide(browser: FormBrowser, url: URL, decision: 'allow' | 'deny', email = alice.email): Promise<URL> {
    const login = await browser.follow(url.href);
    expect(login.res.status).toBe(200);
    expect(login.html).toContain('Sign in to Argus');
    const consent = await browser.follow(formAction(login.html, '/login'), {
      form: { csrf: hiddenField(login.html, 'csrf'), email, password: PASSWORD },
    });
    expect(consent.html).toContain('>Allow</button>');
    expect(consent.html).toContain('>Deny</button>');
    const done = await browser.follow(formAction(consent.html, '/confirm'), {
      form: { csrf: hiddenField(consent.html, 'csrf'), decision },
    });
    return new URL(done.url);
  }

  /** Signs the browser in as the dashboard does (POST /api/auth/sessions), its session cookie replacing any other. */
  async function dashboardSignIn(browser: FormBrowser, email: string): Promise<void> {
    const dashboard = await fetch(`${issuer}/api/auth/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(dashboard.status).toBe(201);
    const session = dashboard.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .find((pair) => pair.startsWith('argus_session=') || pair.startsWith('__Host-argus_session='))!;
    browser.setCookie(session.slice(0, session.indexOf('=')), session.slice(session.indexOf('=') + 1));
  }

  it('signs in, asks consent, and issues tokens Argus accepts as the user; ID token and userinfo check out', async () => {
    const { application, config } = await webApp();
    const { url, verifier, state } = await authorizationUrl(config);
    const browser = new FormBrowser(issuer);
    const callback = await signInAndDecide(browser, url, 'allow');
    expect(callback.origin + callback.pathname).toBe(REDIRECT);

    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`));
    const idToken = await jose.jwtVerify(tokens.id_token!, jwks, { issuer, audience: application.clientId });
    expect(idToken.payload.sub).toBe(alice.userId);
    const access = await jose.jwtVerify(tokens.access_token, jwks, { issuer, audience: issuer, typ: 'at+jwt' });
    expect(access.payload).toMatchObject({ sub: alice.userId, client_id: application.clientId, gid: expect.any(String) });

    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${tokens.access_token}` });
    expect(verify.status).toBe(200);
    expect(verify.body.data).toMatchObject({
      method: 'oauth',
      clientId: application.clientId,
      userId: alice.userId,
      scopes: ['read:keys'],
    });

    // Signing in here opened the dashboard's own browser session.
    expect(browser.cookie('argus_session') ?? browser.cookie('__Host-argus_session')).toEqual(expect.any(String));
  });

  it('answers userinfo with the claims the scopes release, for a token asked with only OpenID scopes', async () => {
    const { config } = await webApp();
    const { url, verifier, state } = await authorizationUrl(config, 'openid email');
    const callback = await signInAndDecide(new FormBrowser(issuer), url, 'allow');
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const info = await client.fetchUserInfo(config, tokens.access_token, alice.userId);
    expect(info).toMatchObject({ sub: alice.userId, email: alice.email });
  });

  it('rotates refresh tokens, and a reused one ends the grant and its access tokens', async () => {
    const { config } = await webApp();
    const { url, verifier, state } = await authorizationUrl(config);
    const callback = await signInAndDecide(new FormBrowser(issuer), url, 'allow');
    const first = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const second = await client.refreshTokenGrant(config, first.refresh_token!);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await t.get('/api/auth/verify', { authorization: `Bearer ${second.access_token}` })).status).toBe(200);

    expect(await oauthErrorOf(client.refreshTokenGrant(config, first.refresh_token!))).toBe('invalid_grant');
    // Reuse detected: the whole grant is gone, the newer refresh token too, and its access tokens are refused.
    expect(await oauthErrorOf(client.refreshTokenGrant(config, second.refresh_token!))).toBe('invalid_grant');
    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${second.access_token}` });
    expect([verify.status, verify.body.code]).toEqual([401, 'invalid_token']);
  });

  it('lists the consent, and withdrawing it ends the refresh token and the access tokens at once; both are audited', async () => {
    const { application, config } = await webApp();
    const { url, verifier, state } = await authorizationUrl(config);
    const callback = await signInAndDecide(new FormBrowser(issuer), url, 'allow');
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const consents = await t.get('/api/oauth/consents', alice.auth);
    const mine = consents.body.data.find((consent: { clientId: string }) => consent.clientId === application.clientId);
    expect(mine).toMatchObject({ applicationName: application.name, scopes: expect.arrayContaining(['openid', 'read:keys']) });

    expect((await t.delete(`/api/oauth/consents/${application.clientId}`, alice.auth)).status).toBe(204);
    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${tokens.access_token}` });
    expect([verify.status, verify.body.code]).toEqual([401, 'invalid_token']);
    expect(await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant');
    const after = await t.get('/api/oauth/consents', alice.auth);
    expect(after.body.data.map((consent: { clientId: string }) => consent.clientId)).not.toContain(application.clientId);
    expect((await t.delete(`/api/oauth/consents/${application.clientId}`, alice.auth)).status).toBe(404);

    const audit = await t.get(`/api/admin/audit-events?targetId=${application.id}`, (await t.admin()).auth);
    expect(audit.body.data.map((event: { action: string }) => event.action).sort()).toEqual(['consent.granted', 'consent.revoked']);
  });

  it('end-session signs the browser out of the provider and of the dashboard session it shares', async () => {
    const { config } = await webApp();
    const { url } = await authorizationUrl(config);
    const browser = new FormBrowser(issuer);
    await signInAndDecide(browser, url, 'allow');
    const cookieName = browser.cookie('argus_session') ? 'argus_session' : '__Host-argus_session';
    const session = browser.cookie(cookieName)!;
    const me = () => fetch(`${issuer}/api/auth/me`, { headers: { cookie: `${cookieName}=${session}` } });
    expect((await me()).status).toBe(200);

    const page = await browser.follow('/oauth/end-session');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('Sign out');
    const done = await browser.follow('/oauth/end-session/confirm', { form: { xsrf: hiddenField(page.html, 'xsrf'), logout: 'yes' } });
    expect(done.html).toContain('You are signed out of Argus.');
    expect((await me()).status).toBe(401);

    // The next authorization asks for the password again.
    const again = await browser.follow((await authorizationUrl(config)).url.href);
    expect(again.html).toContain('Sign in to Argus');
  });

  it("remembers a sign-in only while the browser's dashboard session is the same user's: signed out, the login comes back; switched, the new user", async () => {
    const carol = await t.newUser('carol');
    const dave = await t.newUser('dave');
    const { config } = await webApp();
    const browser = new FormBrowser(issuer);
    await signInAndDecide(browser, (await authorizationUrl(config)).url, 'allow', carol.email);
    expect(browser.cookie('argus_oidc_session')).toEqual(expect.any(String));

    // Carol signs out of every browser session (the dashboard's "Sign out everywhere"): the provider's own cookie no longer counts.
    expect((await t.delete('/api/auth/sessions', carol.auth)).status).toBe(200);
    const again = await browser.follow((await authorizationUrl(config)).url.href);
    expect(again.html).toContain('Sign in to Argus');
    const silent = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      prompt: 'none',
    });
    const refused = new URL((await browser.follow(silent.href)).url);
    expect(refused.origin + refused.pathname).toBe(REDIRECT);
    expect(refused.searchParams.get('error')).toBe('login_required');
    expect(refused.searchParams.get('code')).toBeNull();

    // Dave signs in to the dashboard in the same browser: the next authorization is his, not Carol's.
    await dashboardSignIn(browser, dave.email);
    const { url, verifier, state } = await authorizationUrl(config);
    // The library first signs Carol out of the provider with a self-submitting form (a browser
    // runs its script, allowed by the hash it adds to the CSP); this is the same POST.
    const switching = await browser.follow(url.href);
    expect(switching.html).toContain('/oauth/end-session/confirm');
    expect(switching.res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
    const consent = await browser.follow(formAction(switching.html, '/oauth/end-session/confirm'), {
      form: { xsrf: hiddenField(switching.html, 'xsrf'), logout: 'yes' },
    });
    expect(consent.html).not.toContain('Sign in to Argus');
    const done = await browser.follow(formAction(consent.html, '/confirm'), {
      form: { csrf: hiddenField(consent.html, 'csrf'), decision: 'allow' },
    });
    const tokens = await client.authorizationCodeGrant(config, new URL(done.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.sub).toBe(dave.userId);
    // Signing Carol out of the provider left Dave's dashboard session alone.
    const cookieName = browser.cookie('argus_session') ? 'argus_session' : '__Host-argus_session';
    const me = await fetch(`${issuer}/api/auth/me`, { headers: { cookie: `${cookieName}=${browser.cookie(cookieName)}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).data.email).toBe(dave.email);
  });

  it('asks a user with two-factor on for a code after the password, opening no session before it; a wrong code asks again', async () => {
    const erin = await t.newUser('erin');
    const started = await t.post('/api/auth/mfa/totp', {}, erin.auth);
    const secret: string = started.body.data.secret;
    t.clock.advance(30_000);
    expect((await t.post('/api/auth/mfa/totp/confirm', { code: totpCode(secret, t.clock.now()) }, erin.auth)).status).toBe(200);

    const { config } = await webApp();
    const { url, verifier, state } = await authorizationUrl(config);
    const browser = new FormBrowser(issuer);
    const login = await browser.follow(url.href);
    const mfa = await browser.follow(formAction(login.html, '/login'), {
      form: { csrf: hiddenField(login.html, 'csrf'), email: erin.email, password: PASSWORD },
    });
    expect(mfa.html).toContain('Two-factor authentication');
    expect(browser.cookie('argus_session') ?? browser.cookie('__Host-argus_session')).toBeUndefined();
    const mfaForm = (html: string, code: string) => ({
      form: { csrf: hiddenField(html, 'csrf'), mfaToken: hiddenField(html, 'mfaToken'), code },
    });
    const wrong = await browser.follow(formAction(mfa.html, '/mfa'), mfaForm(mfa.html, '000000'));
    expect(wrong.res.status).toBe(401); // as POST /api/auth/login/mfa answers it
    expect(wrong.html).toContain('That code is not right.');
    expect(browser.cookie('argus_session') ?? browser.cookie('__Host-argus_session')).toBeUndefined();

    t.clock.advance(30_000);
    const consent = await browser.follow(formAction(wrong.html, '/mfa'), mfaForm(wrong.html, totpCode(secret, t.clock.now())));
    expect(consent.html).toContain('>Allow</button>');
    const done = await browser.follow(formAction(consent.html, '/confirm'), {
      form: { csrf: hiddenField(consent.html, 'csrf'), decision: 'allow' },
    });
    const tokens = await client.authorizationCodeGrant(config, new URL(done.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.sub).toBe(erin.userId);
  });

  it('answers a browser cross-origin only for a public client, from the origin of its redirect URIs', async () => {
    const spa = await webApp({ tokenEndpointAuthMethod: 'none', secretHash: null, redirectUris: ['http://127.0.0.1:8400/cb'] });
    const confidential = await webApp();
    const tokenCall = (clientId: string, origin: string) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'nope',
          code_verifier: 'v'.repeat(43),
          client_id: clientId,
          redirect_uri: 'http://127.0.0.1:8400/cb',
        }),
      });
    const allowed = await tokenCall(spa.application.clientId, 'http://127.0.0.1:8400');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8400');
    expect((await allowed.json()).error).toBe('invalid_grant');
    const elsewhere = await tokenCall(spa.application.clientId, 'https://evil.example');
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    const secretHolder = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://client.example' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'nope', client_id: confidential.application.clientId }),
    });
    expect(secretHolder.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('Deny sends access_denied back to the application, and no code', async () => {
    const { config } = await webApp();
    const { url } = await authorizationUrl(config);
    const callback = await signInAndDecide(new FormBrowser(issuer), url, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('refuses a wrong PKCE verifier and a replayed code', async () => {
    const { config } = await webApp();
    const { url, verifier, state } = await authorizationUrl(config);
    const callback = await signInAndDecide(new FormBrowser(issuer), url, 'allow');
    expect(
      await oauthErrorOf(
        client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state }),
      ),
    ).toBe('invalid_grant');
    // The right verifier still redeems it, once: a replay is refused.
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.access_token).toEqual(expect.any(String));
    const replay = await oauthErrorOf(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
    );
    expect(replay).toBe('invalid_grant');
  });

  it('a public client must use PKCE; an unregistered redirect URI or unknown client gets an error page, never a redirect', async () => {
    const { application, config } = await webApp({ tokenEndpointAuthMethod: 'none', secretHash: null });
    const noPkce = new URL(`${issuer}/oauth/authorize`);
    noPkce.search = new URLSearchParams({
      client_id: application.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid',
    }).toString();
    const refused = await new FormBrowser(issuer).request(noPkce.href);
    expect(refused.status).toBe(303);
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');

    const { url } = await authorizationUrl(config);
    url.searchParams.set('redirect_uri', 'https://evil.example/callback');
    const wrongRedirect = await new FormBrowser(issuer).request(url.href);
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.headers.get('location')).toBeNull();
    expect(await wrongRedirect.text()).toContain('redirect_uri');

    url.searchParams.set('client_id', 'app_unknown');
    url.searchParams.set('redirect_uri', REDIRECT);
    const unknown = await new FormBrowser(issuer).request(url.href);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
  });

  it('an open dashboard session skips the login page; a form without its token changes nothing', async () => {
    const { config } = await webApp();
    const browser = new FormBrowser(issuer);
    await dashboardSignIn(browser, alice.email);
    const { url } = await authorizationUrl(config);
    const consent = await browser.follow(url.href);
    expect(consent.html).not.toContain('Sign in to Argus');
    expect(consent.html).toContain('>Allow</button>');

    const forged = await browser.request(formAction(consent.html, '/confirm'), { form: { csrf: 'forged', decision: 'allow' } });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('wrong password shows the login page again with an error, and an unknown interaction is a 400 page', async () => {
    const { config } = await webApp();
    const { url } = await authorizationUrl(config);
    const browser = new FormBrowser(issuer);
    const login = await browser.follow(url.href);
    const again = await browser.follow(formAction(login.html, '/login'), {
      form: { csrf: hiddenField(login.html, 'csrf'), email: alice.email, password: 'wrong-password-123' },
    });
    expect(again.res.status).toBe(401);
    expect(again.html).toContain('Invalid email or password.');
    const unknown = await new FormBrowser(issuer).request('/oauth/interaction/nonexistent');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('expired or is unknown');
  });
});
