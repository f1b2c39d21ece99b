import { DataSource } from 'typeorm';
import { hashClientSecret } from '../../src/oauth/applications/client-credentials';
import { OAuthApplicationAccess } from '../../src/oauth/tokens/application-access';
import { oauthErrorOf, registerApplication, startListeningApp } from '../support/oauth';
import { Session, TestApp } from '../support/test-app';

/** The client credentials grant, driven by openid-client (a client library no one here wrote). */
describe('OAuth client credentials (e2e, openid-client)', () => {
  let t: TestApp;
  let issuer: string;
  let alice: Session;
  let client: typeof import('openid-client');
  let jose: typeof import('jose');

  async function configFor(clientId: string, auth: import('openid-client').ClientAuth) {
    return client.discovery(new URL(issuer), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
  }

  beforeAll(async () => {
    // One at a time: Jest's module linker fails on concurrent imports of ESM graphs sharing modules.
    ({ t, issuer } = await startListeningApp());
    jose = await import('jose');
    client = await import('openid-client');
    alice = await t.newUser('alice');
  });

  afterAll(() => t.close());

  it('discovery names ARGUS_PUBLIC_URL endpoints under /oauth/, under both well-known names, whatever the Host', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { host: 'evil.example' } });
    expect(res.status).toBe(200);
    const metadata = await res.json();
    expect(metadata).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/oauth/jwks`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      end_session_endpoint: `${issuer}/oauth/end-session`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth']),
    );
    expect(metadata.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    // Dynamic registration is off by default: not in discovery, and its route is the 404 envelope.
    expect(metadata.registration_endpoint).toBeUndefined();
    const register = await fetch(`${issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.accessToken}` },
      body: JSON.stringify({ grant_types: ['client_credentials'] }),
    });
    expect(register.status).toBe(404);
    expect(await register.json()).toMatchObject({ success: false, code: 'not_found' });
    const rfc8414 = await fetch(`${issuer}/.well-known/oauth-authorization-server`);
    expect(await rfc8414.json()).toEqual(metadata);
  });

  it('issues a JWT access token that Argus accepts as an oauth credential, verifiable offline with the JWKS', async () => {
    const { application, secret } = await registerApplication(t, alice.userId);
    const config = await configFor(application.clientId, client.ClientSecretBasic(secret));
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read:keys' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('read:keys');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.refresh_token).toBeUndefined();

    const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, { issuer, audience: issuer, typ: 'at+jwt' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({ sub: application.clientId, client_id: application.clientId, scope: 'read:keys' });

    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${tokens.access_token}` });
    expect(verify.status).toBe(200);
    expect(verify.body.data).toMatchObject({
      method: 'oauth',
      clientId: application.clientId,
      userId: alice.userId,
      scopes: ['read:keys'],
    });
    // The key list needs read:keys: allowed; creating one needs write:keys, which this token was not given.
    expect((await t.get('/api/keys', { authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
    expect((await t.post('/api/keys', { name: 'x' }, { authorization: `Bearer ${tokens.access_token}` })).status).toBe(403);
  });

  it('authenticates with client_secret_post and with private_key_jwt', async () => {
    const post = await registerApplication(t, alice.userId, { tokenEndpointAuthMethod: 'client_secret_post' });
    const viaPost = await client.clientCredentialsGrant(await configFor(post.application.clientId, client.ClientSecretPost(post.secret)), {
      scope: 'read:keys write:keys',
    });
    expect(viaPost.scope).toBe('read:keys write:keys');

    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'client-key-1', alg: 'ES256', use: 'sig' };
    const signed = await registerApplication(t, alice.userId, {
      tokenEndpointAuthMethod: 'private_key_jwt',
      secretHash: null,
      jwks: { keys: [jwk] },
    });
    const viaJwt = await client.clientCredentialsGrant(
      await configFor(signed.application.clientId, client.PrivateKeyJwt({ key: privateKey, kid: 'client-key-1' })),
      { scope: 'read:keys' },
    );
    expect(viaJwt.scope).toBe('read:keys');
    // Another key than the one registered is refused.
    const other = await jose.generateKeyPair('ES256', { extractable: true });
    expect(
      await oauthErrorOf(
        client.clientCredentialsGrant(
          await configFor(signed.application.clientId, client.PrivateKeyJwt({ key: other.privateKey, kid: 'client-key-1' })),
          {
            scope: 'read:keys',
          },
        ),
      ),
    ).toBe('invalid_client');
  });

  it('refuses a wrong secret, a scope beyond the application, and a revoked application', async () => {
    const { application, secret } = await registerApplication(t, alice.userId);
    expect(
      await oauthErrorOf(client.clientCredentialsGrant(await configFor(application.clientId, client.ClientSecretBasic(`${secret}x`)))),
    ).toBe('invalid_client');
    expect(
      await oauthErrorOf(
        client.clientCredentialsGrant(await configFor(application.clientId, client.ClientSecretBasic(secret)), { scope: 'delete:keys' }),
      ),
    ).toBe('invalid_scope');

    const config = await configFor(application.clientId, client.ClientSecretBasic(secret));
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read:keys' });
    await t.app.get(DataSource).query(`UPDATE oauth_applications SET revoked_at = now() WHERE id = $1`, [application.id]);
    t.app.get(OAuthApplicationAccess).invalidate(application.clientId);
    expect(await oauthErrorOf(client.clientCredentialsGrant(config, { scope: 'read:keys' }))).toBe('invalid_client');
    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${tokens.access_token}` });
    expect([verify.status, verify.body.code]).toEqual([401, 'invalid_token']);
  });

  it('accepts the previous secret during a rotation grace, and not after', async () => {
    const old = await registerApplication(t, alice.userId);
    const { secret: fresh } = await registerApplication(t, alice.userId);
    const source = t.app.get(DataSource);
    await source.query(
      `UPDATE oauth_applications SET secret_hash = $1, previous_secret_hash = $2, previous_secret_expires_at = $3 WHERE id = $4`,
      [hashClientSecret(fresh), hashClientSecret(old.secret), new Date(Date.now() + 60_000), old.application.id],
    );
    t.app.get(OAuthApplicationAccess).invalidate(old.application.clientId);
    for (const secret of [old.secret, fresh]) {
      const tokens = await client.clientCredentialsGrant(await configFor(old.application.clientId, client.ClientSecretBasic(secret)), {
        scope: 'read:keys',
      });
      expect(tokens.access_token).toEqual(expect.any(String));
    }
    await source.query(`UPDATE oauth_applications SET previous_secret_expires_at = $1 WHERE id = $2`, [
      new Date(Date.now() - 1000),
      old.application.id,
    ]);
    t.app.get(OAuthApplicationAccess).invalidate(old.application.clientId);
    expect(
      await oauthErrorOf(
        client.clientCredentialsGrant(await configFor(old.application.clientId, client.ClientSecretBasic(old.secret)), {
          scope: 'read:keys',
        }),
      ),
    ).toBe('invalid_client');
  });

  it('introspects and revokes its own JWT access tokens (RFC 7662, RFC 7009), and learns nothing of another client’s', async () => {
    const { application, secret } = await registerApplication(t, alice.userId);
    const config = await configFor(application.clientId, client.ClientSecretBasic(secret));
    const { access_token: token } = await client.clientCredentialsGrant(config, { scope: 'read:keys write:keys' });
    const active = await client.tokenIntrospection(config, token);
    expect(active).toMatchObject({
      active: true,
      client_id: application.clientId,
      sub: application.clientId,
      iss: issuer,
      token_type: 'Bearer',
    });
    expect(String(active.scope).split(' ').sort()).toEqual(['read:keys', 'write:keys']);

    const other = await registerApplication(t, alice.userId);
    const otherConfig = await configFor(other.application.clientId, client.ClientSecretBasic(other.secret));
    expect(await client.tokenIntrospection(otherConfig, token)).toEqual({ active: false });
    await client.tokenRevocation(otherConfig, token); // someone else's: a silent 200 that changes nothing
    expect((await client.tokenIntrospection(config, token)).active).toBe(true);

    await client.tokenRevocation(config, token);
    expect(await client.tokenIntrospection(config, token)).toEqual({ active: false });
    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${token}` });
    expect([verify.status, verify.body.code]).toEqual([401, 'invalid_token']);
    expect(await client.tokenIntrospection(config, 'not-a-token')).toEqual({ active: false });
  });

  it('takes the JSON body reference 003 sends at /oauth/token, and refuses a malformed one', async () => {
    const { application, secret } = await registerApplication(t, alice.userId, { tokenEndpointAuthMethod: 'client_secret_post' });
    const res = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: application.clientId,
        client_secret: secret,
        scope: 'read:keys',
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', scope: 'read:keys' });
    const bad = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type": 1',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('never logs a client secret or an access token', async () => {
    const { application, secret } = await registerApplication(t, alice.userId, { tokenEndpointAuthMethod: 'client_secret_post' });
    const res = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: application.clientId,
        client_secret: secret,
        scope: 'read:keys',
      }),
    });
    const { access_token: token } = await res.json();
    await t.get('/api/auth/verify', { authorization: `Bearer ${token}` });
    const logs = t.logs.join('');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(token);
  });
  it('a signing-key rotation: new tokens carry the new kid, a token signed before keeps working and verifying until it expires', async () => {
    const { application, secret } = await registerApplication(t, alice.userId);
    const config = await configFor(application.clientId, client.ClientSecretBasic(secret));
    const before = (await client.clientCredentialsGrant(config, { scope: 'read:keys' })).access_token;
    const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;

    const rotated = await t.post('/api/admin/signing-keys/rotate', {}, (await t.admin()).auth);
    expect(rotated.status).toBe(201);
    const after = (await client.clientCredentialsGrant(config, { scope: 'read:keys' })).access_token;
    expect(kidOf(after)).toBe(rotated.body.data.kid);
    expect(kidOf(before)).not.toBe(kidOf(after));

    const published = jose.createLocalJWKSet(await (await fetch(`${issuer}/oauth/jwks`)).json());
    for (const token of [before, after]) {
      await expect(jose.jwtVerify(token, published, { issuer, audience: issuer, typ: 'at+jwt' })).resolves.toBeDefined();
      expect((await t.get('/api/auth/verify', { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    // The provider answers discovery and introspection with the new key in force, the old token still active.
    const introspected = await client.tokenIntrospection(config, before);
    expect(introspected.active).toBe(true);
  });
});

describe('OAuth per-client limits and HS256 mode (e2e)', () => {
  it('limits token calls per client (429 with Retry-After), apart from other clients', async () => {
    const { t, issuer } = await startListeningApp({ RATE_LIMIT_OAUTH_BURST: '2/1s', RATE_LIMIT_OAUTH: '1000/1h' });
    try {
      const alice = await t.newUser('alice');
      const a = await registerApplication(t, alice.userId, { tokenEndpointAuthMethod: 'client_secret_post' });
      const b = await registerApplication(t, alice.userId, { tokenEndpointAuthMethod: 'client_secret_post' });
      const call = (app: typeof a) =>
        fetch(`${issuer}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.application.clientId, client_secret: app.secret }),
        });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(a)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await call(a);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
      expect((await call(b)).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('is no authorization server with JWT_ALGORITHM=HS256: /oauth/* and discovery answer 404', async () => {
    const { t, issuer } = await startListeningApp({ JWT_ALGORITHM: 'HS256' });
    try {
      expect((await fetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(404);
      expect((await fetch(`${issuer}/oauth/token`, { method: 'POST' })).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
