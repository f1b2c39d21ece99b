import { DataSource } from 'typeorm';
import { OAuthApplicationEntity } from '../../src/oauth/applications/oauth-application.entity';
import { startListeningApp } from '../support/oauth';
import { Session, TestApp } from '../support/test-app';

/**
 * Dynamic client registration (RFC 7591) with OAUTH_DYNAMIC_REGISTRATION=true, driven by
 * openid-client's `dynamicClientRegistration`: the initial access token is an Argus credential
 * allowed write:applications, and the client is an application of its user under every rule of the
 * applications API.
 */
describe('OAuth dynamic client registration (e2e, openid-client)', () => {
  let t: TestApp;
  let issuer: string;
  let alice: Session;
  let client: typeof import('openid-client');

  beforeAll(async () => {
    ({ t, issuer } = await startListeningApp({ OAUTH_DYNAMIC_REGISTRATION: 'true' }));
    client = await import('openid-client');
    alice = await t.newUser('alice');
  });

  afterAll(() => t.close());

  const register = (metadata: unknown, headers: Record<string, string> = { authorization: `Bearer ${alice.accessToken}` }) =>
    fetch(`${issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(metadata),
    });
  const applications = () => t.app.get(DataSource).getRepository(OAuthApplicationEntity).count();

  it('is in discovery; a machine registered with an API key gets tokens at once, and belongs to the key’s user', async () => {
    const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.registration_endpoint).toBe(`${issuer}/oauth/register`);

    const key = await t.createKey(alice, { scopes: ['write:applications', 'read:applications', 'read:keys'] });
    const config = await client.dynamicClientRegistration(
      new URL(issuer),
      {
        client_name: 'Billing worker',
        grant_types: ['client_credentials'],
        scope: 'read:keys',
        token_endpoint_auth_method: 'client_secret_post',
      },
      undefined,
      { initialAccessToken: key.key, execute: [client.allowInsecureRequests] },
    );
    const registered = config.clientMetadata();
    expect(registered).toMatchObject({
      client_name: 'Billing worker',
      grant_types: ['client_credentials'],
      response_types: [],
      scope: 'read:keys',
      token_endpoint_auth_method: 'client_secret_post',
      client_secret_expires_at: 0,
      client_id: expect.stringMatching(/^app_/),
      client_secret: expect.any(String),
    });

    const tokens = await client.clientCredentialsGrant(config, { scope: 'read:keys' });
    const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${tokens.access_token}` });
    expect(verify.body.data).toMatchObject({ method: 'oauth', clientId: registered.client_id, scopes: ['read:keys'] });

    const listed = await t.get('/api/oauth/applications', key.auth);
    const application = listed.body.data.find((app: { clientId: string }) => app.clientId === registered.client_id);
    expect(application).toMatchObject({ name: 'Billing worker', ownerId: alice.userId, hasSecret: true });
    expect(JSON.stringify(listed.body)).not.toContain(String(registered.client_secret));
    const audit = await t.get(`/api/admin/audit-events?targetId=${application.id}`, (await t.admin()).auth);
    expect(audit.body.data.map((event: { action: string }) => event.action)).toEqual(['application.created']);
    const stored = await t.app.get(DataSource).getRepository(OAuthApplicationEntity).findOneByOrFail({ id: application.id });
    expect(stored.dynamicallyRegistered).toBe(true);
  });

  it('registers a public web client with RFC defaults (code flow, openid), and answers no-store', async () => {
    const res = await register({
      redirect_uris: ['http://127.0.0.1:8400/cb'],
      token_endpoint_auth_method: 'none',
      logo_uri: 'https://x.example/logo.png',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    expect(body).toMatchObject({
      client_name: 'Unnamed client',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:8400/cb'],
      scope: 'openid',
      token_endpoint_auth_method: 'none',
      client_id_issued_at: expect.any(Number),
    });
    expect(body.client_secret).toBeUndefined();
    expect(body.logo_uri).toBeUndefined(); // metadata Argus does not use is ignored, not stored
  });

  it('refuses, in RFC 7591 errors, and registers nothing: no credential, a narrower key, bad metadata, a scope beyond the caller', async () => {
    const before = await applications();
    const anonymous = await register({ grant_types: ['client_credentials'] }, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toMatchObject({ error: 'invalid_token', error_description: expect.any(String) });

    const readOnly = await t.createKey(alice, { scopes: ['read:keys'] });
    const narrow = await register({ grant_types: ['client_credentials'] }, { 'x-api-key': readOnly.key });
    expect(narrow.status).toBe(403);
    expect((await narrow.json()).error).toBe('insufficient_scope');

    const cases: Array<[unknown, string, RegExp]> = [
      [
        { redirect_uris: ['http://app.example.com/cb'] },
        'invalid_redirect_uri',
        /^redirect_uris\.0: http is allowed for loopback hosts only/,
      ],
      [{ redirect_uris: 'https://app.example.com/cb' }, 'invalid_redirect_uri', /^redirect_uris: /],
      [
        { grant_types: ['client_credentials'], scope: 'admin:all' },
        'invalid_client_metadata',
        /scope: beyond what you may grant: admin:all/,
      ],
      [{ grant_types: ['implicit'] }, 'invalid_client_metadata', /^grant_types/],
      [
        { redirect_uris: ['https://a.example/cb'], jwks_uri: 'https://a.example/jwks' },
        'invalid_client_metadata',
        /^jwks_uri: is not supported/,
      ],
      [{ redirect_uris: ['https://a.example/cb'], response_types: ['token'] }, 'invalid_client_metadata', /^response_types/],
      [{ grant_types: ['client_credentials'], scope: 42 }, 'invalid_client_metadata', /^scope: must be a string/],
      [
        { grant_types: ['client_credentials'], client_name: 'x'.repeat(101) },
        'invalid_client_metadata',
        /^client_name: client_name must be/,
      ],
      [['not', 'an', 'object'], 'invalid_client_metadata', /^body: must be a JSON object/],
    ];
    for (const [metadata, error, description] of cases) {
      const res = await register(metadata);
      expect({ metadata, status: res.status }).toEqual({ metadata, status: 400 });
      const body = await res.json();
      expect({ metadata, error: body.error }).toEqual({ metadata, error });
      expect(body.error_description).toMatch(description);
    }
    expect(await applications()).toBe(before);
  });
});
