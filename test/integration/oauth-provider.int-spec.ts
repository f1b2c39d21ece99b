import { OAuthTokenRevocations } from '../../src/oauth/tokens/token-revocations';
import { FormBrowser, formAction, hiddenField } from '../support/browser-jar';
import { freePort } from '../support/net';
import { authorizationRequest, registerApplication } from '../support/oauth';
import { RedisServer } from '../support/redis-server';
import { PASSWORD, TestApp } from '../support/test-app';

const REDIRECT = 'https://client.example/callback';

/**
 * The authorization server on two instances sharing PostgreSQL and Redis, driven by openid-client:
 * a flow begun on one instance continues on the other (codes, interactions, grants and sessions
 * live in oauth_records), and a token revoked through one is refused by the other.
 */
describe('OAuth provider across two instances (integration)', () => {
  let redis: RedisServer;
  let a: TestApp;
  let b: TestApp;
  let issuer: string;
  let bUrl: string;
  let client: typeof import('openid-client');

  beforeAll(async () => {
    redis = await RedisServer.start();
    const [portA, portB] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${portA}`;
    bUrl = `http://127.0.0.1:${portB}`;
    const env = { REDIS_URL: redis.url, ARGUS_PUBLIC_URL: issuer, RATE_LIMIT_OAUTH_BURST: '1000/1s', RATE_LIMIT_OAUTH: '100000/1h' };
    a = await TestApp.start(env);
    b = await TestApp.start(env, a.databaseUrl);
    await a.app.listen({ port: portA, host: '127.0.0.1' });
    await b.app.listen({ port: portB, host: '127.0.0.1' });
    client = await import('openid-client');
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('an authorization code flow begun on A is signed in and consented on B, and redeemed through the public URL', async () => {
    const alice = await a.newUser('alice');
    const { application, secret } = await registerApplication(a, alice.userId, {
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT],
    });
    const config = await client.discovery(new URL(issuer), application.clientId, undefined, client.ClientSecretBasic(secret), {
      execute: [client.allowInsecureRequests],
    });
    const { url, verifier, state } = await authorizationRequest(client, config, REDIRECT, 'openid offline_access read:keys');
    const onA = new FormBrowser(issuer);
    const started = await onA.request(url.href);
    expect(started.status).toBe(303);
    const interaction = new URL(started.headers.get('location')!, issuer).pathname;

    // The same browser (its cookies) on instance B: the interaction is found in the shared store.
    const onB = new FormBrowser(bUrl);
    for (const name of ['argus_oidc_interaction', 'argus_oidc_interaction.sig', 'argus_oidc_resume', 'argus_oidc_resume.sig']) {
      const value = onA.cookie(name);
      if (value) onB.setCookie(name, value);
    }
    const login = await onB.follow(interaction);
    expect(login.html).toContain('Sign in to Argus');
    const afterLogin = await onB.request(formAction(login.html, '/login'), {
      form: { csrf: hiddenField(login.html, 'csrf'), email: alice.email, password: PASSWORD },
    });
    expect(afterLogin.status).toBe(303);
    // The resume endpoint (under ARGUS_PUBLIC_URL) answered by B, then the consent page on B.
    const resume = new URL(afterLogin.headers.get('location')!);
    const consent = await onB.follow(resume.pathname + resume.search);
    expect(consent.html).toContain('>Allow</button>');
    const done = await onB.request(formAction(consent.html, '/confirm'), {
      form: { csrf: hiddenField(consent.html, 'csrf'), decision: 'allow' },
    });
    const back = new URL(done.headers.get('location')!);
    const final = await onB.request(back.pathname + back.search);
    const callback = new URL(final.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);

    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    // The refresh token issued through the public URL rotates.
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('a token revoked through B is inactive on A within a second', async () => {
    const bob = await a.newUser('bob');
    const { application, secret } = await registerApplication(a, bob.userId);
    const form = (extra: Record<string, string>) => ({
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${application.clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams(extra),
    });
    const issued = await fetch(`${issuer}/oauth/token`, form({ grant_type: 'client_credentials', scope: 'read:keys' }));
    const { access_token: token } = await issued.json();
    const introspect = async (base: string) => (await (await fetch(`${base}/oauth/introspect`, form({ token }))).json()).active;
    expect([await introspect(issuer), await introspect(bUrl)]).toEqual([true, true]);

    expect((await fetch(`${bUrl}/oauth/revoke`, form({ token }))).status).toBe(200);
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
    const revocations = a.app.get(OAuthTokenRevocations);
    const started = Date.now();
    while (!revocations.isRevoked(jti) && Date.now() - started < 1000) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await introspect(issuer)).toBe(false);
  });
});
