import { DataSource } from 'typeorm';
import { matchesClientSecret } from '../../src/oauth/applications/client-credentials';
import { OAuthApplicationEntity } from '../../src/oauth/applications/oauth-application.entity';
import { startListeningApp } from '../support/oauth';
import { Session, TestApp } from '../support/test-app';

const WEB_APP = {
  name: 'Acme dashboard',
  grantTypes: ['authorization_code', 'refresh_token'],
  redirectUris: ['https://acme.example/callback'],
  scopes: ['openid', 'email', 'read:keys'],
};
const MACHINE = { name: 'Acme worker', grantTypes: ['client_credentials'], scopes: ['read:keys', 'write:keys'] };

/** Registering OAuth applications: the secret shown once, every rule, owners, rotation, revocation, and a registered app used for real. */
describe('OAuth applications API (e2e)', () => {
  let t: TestApp;
  let issuer: string;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    ({ t, issuer } = await startListeningApp());
    [alice, bob] = await Promise.all([t.newUser('alice'), t.newUser('bob')]);
  });

  afterAll(() => t.close());

  const stored = (id: string) => t.app.get(DataSource).getRepository(OAuthApplicationEntity).findOneByOrFail({ id });

  it('registers an application: 201 with the client secret once, stored only as a hash, never listed again', async () => {
    const res = await t.post('/api/oauth/applications', WEB_APP, alice.auth);
    expect(res.status).toBe(201);
    const created = res.body.data;
    expect(created).toMatchObject({
      clientId: expect.stringMatching(/^app_/),
      clientSecret: expect.stringMatching(/^argus_cs_/),
      tokenEndpointAuthMethod: 'client_secret_basic',
      ownerId: alice.userId,
      organizationId: null,
      hasSecret: true,
      revokedAt: null,
    });
    const row = await stored(created.id);
    expect(row.secretHash).not.toContain(created.clientSecret);
    expect(matchesClientSecret(row, created.clientSecret, new Date())).toBe(true);

    const list = await t.get('/api/oauth/applications', alice.auth);
    expect(list.status).toBe(200);
    expect(list.body.data.map((app: { id: string }) => app.id)).toContain(created.id);
    expect(list.text).not.toContain(created.clientSecret);
    expect(list.text).not.toContain(row.secretHash);
    const one = await t.get(`/api/oauth/applications/${created.id}`, alice.auth);
    expect(one.body.data.clientSecret).toBeUndefined();
    expect(t.logs.join('')).not.toContain(created.clientSecret);
  });

  it.each([
    ['no redirect URI for authorization_code', { ...WEB_APP, redirectUris: [] }, 'redirectUris'],
    ['a fragment', { ...WEB_APP, redirectUris: ['https://acme.example/cb#x'] }, 'redirectUris.0'],
    ['plain http off loopback', { ...WEB_APP, redirectUris: ['http://acme.example/cb'] }, 'redirectUris.0'],
    ['a relative URI', { ...WEB_APP, redirectUris: ['/cb'] }, 'redirectUris.0'],
    ['refresh_token alone', { ...WEB_APP, grantTypes: ['refresh_token'] }, 'grantTypes'],
    ['client credentials with authorization code', { ...MACHINE, grantTypes: ['client_credentials', 'authorization_code'] }, 'grantTypes'],
    ['a public machine', { ...MACHINE, tokenEndpointAuthMethod: 'none' }, 'tokenEndpointAuthMethod'],
    ['private_key_jwt without keys', { ...MACHINE, tokenEndpointAuthMethod: 'private_key_jwt' }, 'jwks'],
    [
      'a private key in jwks',
      { ...MACHINE, tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', d: 'secret' }] } },
      'jwks',
    ],
    ['tls_client_auth without a subject', { ...MACHINE, tokenEndpointAuthMethod: 'tls_client_auth' }, 'tlsClientAuthSubjectDn'],
    ['an unknown scope', { ...MACHINE, scopes: ['fly:keys'] }, 'scopes'],
    ['OpenID scopes for a machine', { ...MACHINE, scopes: ['openid'] }, 'scopes'],
    ['a scope beyond the caller', { ...MACHINE, scopes: ['admin:all'] }, 'scopes'],
  ])('refuses %s with 400 naming the field, and registers nothing', async (_name, body, field) => {
    const before = (await t.get('/api/oauth/applications', alice.auth)).body.data.length;
    const res = await t.post('/api/oauth/applications', body, alice.auth);
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect((await t.get('/api/oauth/applications', alice.auth)).body.data.length).toBe(before);
  });

  it('accepts loopback http, a native app scheme and a public PKCE client without a secret', async () => {
    const res = await t.post(
      '/api/oauth/applications',
      { ...WEB_APP, tokenEndpointAuthMethod: 'none', redirectUris: ['http://127.0.0.1:8765/cb', 'com.acme.app:/callback'] },
      alice.auth,
    );
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ clientSecret: null, hasSecret: false });
  });

  it("another user's application is 404 to read, change, rotate or revoke; a key needs the applications scopes", async () => {
    const { body } = await t.post('/api/oauth/applications', MACHINE, alice.auth);
    const id = body.data.id;
    expect((await t.get(`/api/oauth/applications/${id}`, bob.auth)).status).toBe(404);
    expect((await t.patch(`/api/oauth/applications/${id}`, { name: 'x' }, bob.auth)).status).toBe(404);
    expect((await t.post(`/api/oauth/applications/${id}/rotate-secret`, {}, bob.auth)).status).toBe(404);
    expect((await t.delete(`/api/oauth/applications/${id}`, bob.auth)).status).toBe(404);
    expect((await t.get('/api/oauth/applications/not-a-uuid', alice.auth)).status).toBe(400);
    // null for a field that has no "none" is a 400 naming it, and changes nothing.
    for (const field of ['name', 'scopes', 'redirectUris', 'postLogoutRedirectUris']) {
      const res = await t.patch(`/api/oauth/applications/${id}`, { [field]: null }, alice.auth);
      expect([field, res.status, res.body.code, res.body.details?.[0]?.field]).toEqual([field, 400, 'validation_failed', field]);
    }
    expect((await t.get(`/api/oauth/applications/${id}`, alice.auth)).body.data).toMatchObject({
      name: MACHINE.name,
      scopes: MACHINE.scopes,
    });

    const readOnly = await t.createKey(alice, { name: 'reader', scopes: ['read:keys'] });
    const withKey = { 'x-api-key': readOnly.key };
    expect((await t.get('/api/oauth/applications', withKey)).status).toBe(403);
    const writer = await t.createKey(alice, { name: 'writer', scopes: ['read:keys', 'write:applications', 'read:applications'] });
    // A key that may register applications still cannot give one more than it holds.
    const wider = await t.post('/api/oauth/applications', MACHINE, { 'x-api-key': writer.key });
    expect([wider.status, wider.body.code]).toEqual([400, 'validation_failed']);
    const narrow = await t.post('/api/oauth/applications', { ...MACHINE, scopes: ['read:keys'] }, { 'x-api-key': writer.key });
    expect(narrow.status).toBe(201);

    // Nor take over a wider one: its secret, its redirect URIs, its revocation are not the narrow key's to touch.
    const wide = (await t.post('/api/oauth/applications', MACHINE, alice.auth)).body.data;
    const asNarrow = { 'x-api-key': writer.key };
    const patched = await t.patch(`/api/oauth/applications/${wide.id}`, { name: 'mine now' }, asNarrow);
    expect([patched.status, patched.body.code]).toEqual([403, 'insufficient_scope']);
    expect((await t.post(`/api/oauth/applications/${wide.id}/rotate-secret`, {}, asNarrow)).status).toBe(403);
    expect((await t.get(`/api/oauth/applications/${wide.id}`, alice.auth)).body.data.name).toBe(MACHINE.name);
    expect((await t.patch(`/api/oauth/applications/${narrow.body.data.id}`, { name: 'renamed' }, asNarrow)).status).toBe(200);
  });

  it('rotates the secret with a grace period, audits it, and a revoked application stops working at once', async () => {
    const { body } = await t.post('/api/oauth/applications', MACHINE, alice.auth);
    const { id, clientId, clientSecret: first } = body.data;
    const rotated = await t.post(`/api/oauth/applications/${id}/rotate-secret`, { gracePeriodSeconds: 600 }, alice.auth);
    expect(rotated.status).toBe(200);
    const second = rotated.body.data.clientSecret;
    expect(second).not.toBe(first);
    const row = await stored(id);
    expect([matchesClientSecret(row, first, new Date()), matchesClientSecret(row, second, new Date())]).toEqual([true, true]);
    expect(matchesClientSecret(row, first, new Date(Date.now() + 601_000))).toBe(false);
    expect((await t.post(`/api/oauth/applications/${id}/rotate-secret`, { gracePeriodSeconds: -1 }, alice.auth)).status).toBe(400);

    const token = async (secret: string) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'read:keys' }),
      });
    const issued = await token(second);
    expect(issued.status).toBe(200);
    const { access_token: accessToken } = await issued.json();
    expect((await t.get('/api/auth/verify', { authorization: `Bearer ${accessToken}` })).status).toBe(200);

    // Narrowing the application narrows its existing token at once.
    expect((await t.patch(`/api/oauth/applications/${id}`, { scopes: ['write:keys'] }, alice.auth)).status).toBe(200);
    const narrowed = await t.get('/api/auth/verify', { authorization: `Bearer ${accessToken}` });
    expect(narrowed.body.data.scopes).toEqual([]);

    expect((await t.delete(`/api/oauth/applications/${id}`, alice.auth)).status).toBe(204);
    const refused = await t.get('/api/auth/verify', { authorization: `Bearer ${accessToken}` });
    expect([refused.status, refused.body.code]).toEqual([401, 'invalid_token']);
    expect((await token(second)).status).toBe(401);
    expect((await t.get(`/api/oauth/applications/${id}`, alice.auth)).body.data.revokedAt).toEqual(expect.any(String));
    expect((await t.patch(`/api/oauth/applications/${id}`, { name: 'again' }, alice.auth)).status).toBe(409);

    const audit = await t.get(`/api/admin/audit-events?targetId=${id}`, (await t.admin()).auth);
    expect(audit.body.data.map((event: { action: string }) => event.action).sort()).toEqual([
      'application.created',
      'application.revoked',
      'application.secret_rotated',
      'application.updated',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(second);
  });
});
