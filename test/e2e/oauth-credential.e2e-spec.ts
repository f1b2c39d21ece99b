import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SigningKeyStore } from '../../src/auth/signing/signing-key.store';
import { generateClientId } from '../../src/oauth/applications/client-credentials';
import { OAuthApplicationEntity } from '../../src/oauth/applications/oauth-application.entity';
import { OAuthApplicationAccess } from '../../src/oauth/tokens/application-access';
import { OAuthTokenRevocations } from '../../src/oauth/tokens/token-revocations';
import { registerApplication } from '../support/oauth';
import { Session, TestApp, TestResponse } from '../support/test-app';

const ISSUER = 'https://argus.test';

/**
 * OAuth access tokens (RFC 9068, minted here with Argus's signing key exactly as OAUTH.md says the
 * provider does) as credentials: who they make, what they may do, and every way they are refused.
 */
describe('OAuth access tokens as credentials (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let alice: Session;
  let signingKey: { kid: string; alg: string; privateKey: KeyObject };
  let jose: typeof import('jose');

  const expect401 = (res: TestResponse, code = 'invalid_token') => expect([res.status, res.body?.code]).toEqual([401, code]);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function createApplication(
    ownerId: string,
    scopes: string[],
    organizationId: string | null = null,
  ): Promise<OAuthApplicationEntity> {
    const { application } = await registerApplication(t, ownerId, {
      scopes,
      organizationId,
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      redirectUris: ['https://client.test/callback'],
    });
    return application;
  }

  interface MintOptions {
    sub?: string;
    scope?: string;
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    key?: KeyObject | CryptoKey;
  }

  async function mint(application: OAuthApplicationEntity, options: MintOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: ISSUER,
      aud: ISSUER,
      sub: options.sub ?? application.clientId,
      client_id: application.clientId,
      scope: options.scope ?? 'read:keys',
      jti: randomUUID(),
      iat: now,
      exp: now + 3600,
      ...options.claims,
    };
    return new jose.SignJWT(claims)
      .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'at+jwt', ...options.header })
      .sign(options.key ?? signingKey.privateKey);
  }

  beforeAll(async () => {
    jose = await import('jose');
    t = await TestApp.start({ ARGUS_PUBLIC_URL: ISSUER, RATE_LIMIT_OAUTH_BURST: '1000/1s', RATE_LIMIT_OAUTH: '100000/1h' });
    [admin, alice] = await Promise.all([t.admin(), t.newUser('alice')]);
    const key = t.app.get(SigningKeyStore).active('ES256');
    if (!key?.privateKey) throw new Error('no ES256 signing key');
    signingKey = { kid: key.kid, alg: key.alg, privateKey: key.privateKey };
  });

  afterAll(() => t.close());

  it('GET /api/auth/verify answers method oauth with the client, the user and the effective scopes', async () => {
    const application = await createApplication(alice.userId, ['read:keys', 'write:keys']);
    const token = await mint(application, { sub: alice.userId, scope: 'openid read:keys write:keys delete:keys' });
    const res = await t.get('/api/auth/verify', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      method: 'oauth',
      clientId: application.clientId,
      userId: alice.userId,
      role: 'user',
    });
    expect(res.body.data.organizationId).toBeUndefined();
    expect([...res.body.data.scopes].sort()).toEqual(['read:keys', 'write:keys']);
    // The typ is matched case-insensitively, and the rate-limit headers are those of the client.
    const upper = await t.get('/api/auth/verify', bearer(await mint(application, { sub: alice.userId, header: { typ: 'AT+JWT' } })));
    expect(upper.status).toBe(200);
    expect(upper.headers['x-ratelimit-limit']).toBe('1000');
    // The request log names the client and never carries the token.
    const logs = t.logs.join('\n');
    expect(logs).toContain(`"clientId":"${application.clientId}"`);
    expect(logs).not.toContain(token.split('.')[2]);
  });

  it('a client_credentials token acts as the application owner', async () => {
    const application = await createApplication(alice.userId, ['read:keys']);
    const res = await t.get('/api/auth/verify', bearer(await mint(application)));
    expect(res.body.data).toMatchObject({ method: 'oauth', clientId: application.clientId, userId: alice.userId, scopes: ['read:keys'] });
  });

  it('scopes are the intersection: write:keys on a token cannot write when the application lacks it', async () => {
    const application = await createApplication(alice.userId, ['read:keys']);
    const token = await mint(application, { sub: alice.userId, scope: 'read:keys write:keys' });
    expect((await t.get('/api/keys', bearer(token))).status).toBe(200);
    const write = await t.post('/api/keys', { name: 'nope' }, bearer(token));
    expect([write.status, write.body.code]).toEqual([403, 'insufficient_scope']);
  });

  it('demotion narrows at once (the role is read per request)', async () => {
    const boss = await t.newUser('boss');
    expect((await t.patch(`/api/admin/users/${boss.userId}`, { role: 'admin' }, admin.auth)).status).toBe(200);
    const application = await createApplication(boss.userId, ['admin:all']);
    const token = await mint(application, { sub: boss.userId, scope: 'admin:all' });
    expect((await t.get('/api/admin/users', bearer(token))).status).toBe(200);
    expect((await t.patch(`/api/admin/users/${boss.userId}`, { role: 'user' }, admin.auth)).status).toBe(200);
    expect((await t.get('/api/admin/users', bearer(token))).status).toBe(403);
  });

  it('a deactivated user or application owner is refused immediately', async () => {
    const owner = await t.newUser('owner');
    const user = await t.newUser('grantee');
    const application = await createApplication(owner.userId, ['read:keys']);
    const userToken = await mint(application, { sub: user.userId });
    const machineToken = await mint(application);
    expect((await t.get('/api/auth/verify', bearer(userToken))).status).toBe(200);
    expect((await t.patch(`/api/admin/users/${user.userId}`, { isActive: false }, admin.auth)).status).toBe(200);
    expect401(await t.get('/api/auth/verify', bearer(userToken)));
    expect((await t.get('/api/auth/verify', bearer(machineToken))).status).toBe(200);
    expect((await t.patch(`/api/admin/users/${owner.userId}`, { isActive: false }, admin.auth)).status).toBe(200);
    expect401(await t.get('/api/auth/verify', bearer(machineToken)));
  });

  it('a revoked application is refused once the apps module says so', async () => {
    const application = await createApplication(alice.userId, ['read:keys']);
    const token = await mint(application);
    expect((await t.get('/api/auth/verify', bearer(token))).status).toBe(200);
    await t.app.get(DataSource).getRepository(OAuthApplicationEntity).update({ id: application.id }, { revokedAt: new Date() });
    t.app.get(OAuthApplicationAccess).invalidate(application.clientId);
    expect401(await t.get('/api/auth/verify', bearer(token)));
  });

  it('a revoked jti, or a revoked grant, is refused', async () => {
    const application = await createApplication(alice.userId, ['read:keys']);
    const jti = randomUUID();
    const token = await mint(application, { claims: { jti } });
    const grantToken = await mint(application, { sub: alice.userId, claims: { gid: 'grant-1' } });
    expect((await t.get('/api/auth/verify', bearer(token))).status).toBe(200);
    const revocations = t.app.get(OAuthTokenRevocations);
    await revocations.revoke(jti, new Date(Date.now() + 3600_000));
    expect401(await t.get('/api/auth/verify', bearer(token)));
    expect((await t.get('/api/auth/verify', bearer(grantToken))).status).toBe(200);
    await revocations.revoke('grant:grant-1', new Date(Date.now() + 3600_000));
    expect401(await t.get('/api/auth/verify', bearer(grantToken)));
  });

  it('refuses a wrong typ, iss or aud, alg none, an expired token, an unknown kid, a foreign key or bad claims', async () => {
    const application = await createApplication(alice.userId, ['read:keys']);
    const now = Math.floor(Date.now() / 1000);
    const { privateKey: foreignKey } = await jose.generateKeyPair('ES256');
    const unsigned = (await mint(application)).split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: signingKey.kid })).toString('base64url');
    const cases: Array<[string, Promise<string> | string, string?]> = [
      ['wrong iss', mint(application, { claims: { iss: 'https://evil.test' } })],
      ['wrong aud', mint(application, { claims: { aud: 'https://other.test' } })],
      ['alg none', `${noneHeader}.${unsigned[1]}.`],
      ['expired', mint(application, { claims: { iat: now - 7200, exp: now - 60 } }), 'token_expired'],
      ['unknown kid', mint(application, { header: { kid: 'no-such-kid' } })],
      ['foreign key', mint(application, { key: foreignKey as unknown as KeyObject })],
      ['no client_id', mint(application, { claims: { client_id: undefined } })],
      ['unknown client', mint({ ...application, clientId: 'app_unknown' })],
      ['sub not a user', mint(application, { sub: 'someone' })],
    ];
    for (const [name, token, code] of cases) {
      const res = await t.get('/api/auth/verify', bearer(await token));
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 401, code: code ?? 'invalid_token' });
    }
    // typ JWT goes to the login strategy, whose issuer and audience these are not.
    expect401(await t.get('/api/auth/verify', bearer(await mint(application, { header: { typ: 'JWT' } }))));
  });

  it('a certificate-bound token needs the certificate (none over plain HTTP)', async () => {
    const application = await createApplication(alice.userId, ['read:keys']);
    const token = await mint(application, { claims: { cnf: { 'x5t#S256': 'A'.repeat(43) } } });
    expect401(await t.get('/api/auth/verify', bearer(token)));
  });

  describe('an application bound to an organisation', () => {
    let organizationId: string;
    let otherOrganizationId: string;
    let bob: Session;

    beforeAll(async () => {
      bob = await t.newUser('bob');
      organizationId = (await t.post('/api/v1/organizations', { name: 'Acme' }, alice.auth)).body.data.id;
      otherOrganizationId = (await t.post('/api/v1/organizations', { name: 'Other' }, alice.auth)).body.data.id;
      expect(
        (await t.post(`/api/v1/organizations/${organizationId}/members`, { userId: bob.userId, role: 'admin' }, alice.auth)).status,
      ).toBe(201);
    });

    it('acts only inside its organisation, and stops when its owner no longer administers it', async () => {
      const application = await createApplication(bob.userId, ['read:organizations'], organizationId);
      const token = await mint(application, { scope: 'read:organizations' });
      const verify = await t.get('/api/auth/verify', bearer(token));
      expect(verify.body.data).toMatchObject({ method: 'oauth', organizationId, userId: bob.userId });
      expect((await t.get(`/api/v1/organizations/${organizationId}`, bearer(token))).status).toBe(200);
      expect([403, 404]).toContain((await t.get(`/api/v1/organizations/${otherOrganizationId}`, bearer(token))).status);
      const demote = await t.patch(`/api/v1/organizations/${organizationId}/members/${bob.userId}`, { role: 'member' }, alice.auth);
      expect(demote.status).toBe(200);
      expect401(await t.get('/api/auth/verify', bearer(token)));
    });
  });

  describe('the verify API and forward-auth', () => {
    it('POST /api/v1/keys/verify takes { token } and answers with the token’s principal and the client’s limit', async () => {
      const service = await t.createKey(alice, { name: 'gateway', scopes: ['execute:keys'] });
      const application = await createApplication(alice.userId, ['read:keys']);
      const token = await mint(application, { sub: alice.userId, scope: 'read:keys write:keys' });
      const res = await t.post('/api/v1/keys/verify', { token, scopes: ['read:keys'] }, service.auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        valid: true,
        code: 'VALID',
        keyId: null,
        clientId: application.clientId,
        ownerId: alice.userId,
        scopes: ['read:keys'],
      });
      expect(res.body.data.ratelimit).toMatchObject({ limit: 1000 });
      const write = await t.post('/api/v1/keys/verify', { token, scopes: ['write:keys'] }, service.auth);
      expect(write.body.data.code).toBe('INSUFFICIENT_SCOPE');
      const expired = await mint(application, { claims: { exp: Math.floor(Date.now() / 1000) - 10 } });
      expect((await t.post('/api/v1/keys/verify', { token: expired }, service.auth)).body.data.code).toBe('EXPIRED');
      expect((await t.post('/api/v1/keys/verify', { token: 'garbage' }, service.auth)).body.data.code).toBe('NOT_FOUND');
      // Another user's service learns nothing of alice's token.
      const stranger = await t.newUser('stranger');
      const otherService = await t.createKey(stranger, { scopes: ['execute:keys'] });
      expect((await t.post('/api/v1/keys/verify', { token }, otherService.auth)).body.data).toMatchObject({
        code: 'NOT_FOUND',
        ownerId: null,
      });
      const jti = randomUUID();
      const revoked = await mint(application, { claims: { jti } });
      await t.app.get(OAuthTokenRevocations).revoke(jti, new Date(Date.now() + 60_000));
      expect((await t.post('/api/v1/keys/verify', { token: revoked }, service.auth)).body.data.code).toBe('REVOKED');
      const both = await t.post('/api/v1/keys/verify', { token, key: service.key }, service.auth);
      expect([both.status, both.body.code]).toEqual([400, 'validation_failed']);
    });

    it('GET /api/v1/forward-auth accepts a token, checks its scopes and names the client', async () => {
      const application = await createApplication(alice.userId, ['read:keys']);
      const token = await mint(application, { sub: alice.userId });
      const res = await t.get('/api/v1/forward-auth?scopes=read:keys', bearer(token));
      expect(res.status).toBe(200);
      expect(res.headers['x-argus-client-id']).toBe(application.clientId);
      expect(res.headers['x-argus-user-id']).toBe(alice.userId);
      expect(res.headers['x-argus-key-id']).toBeUndefined();
      const denied = await t.get('/api/v1/forward-auth?scopes=write:keys', bearer(token));
      expect([denied.status, denied.body.code]).toEqual([403, 'insufficient_scope']);
    });
  });
});

describe('OAuth rate limit kind (e2e)', () => {
  let t: TestApp;

  afterAll(() => t.close());

  it('answers 429 after the burst, per client, with the X-RateLimit headers', async () => {
    const jose = await import('jose');
    t = await TestApp.start({
      ARGUS_PUBLIC_URL: ISSUER,
      RATE_LIMIT_OAUTH_BURST: '3/1s',
      RATE_LIMIT_OAUTH: '100/1h',
      RATE_LIMIT_STRATEGY: 'fixed',
    });
    t.clock.freeze();
    const alice = await t.newUser('alice');
    const key = t.app.get(SigningKeyStore).active('ES256');
    const repository = t.app.get(DataSource).getRepository(OAuthApplicationEntity);
    const applications = await Promise.all(
      [1, 2].map(() =>
        repository.save(
          repository.create({
            clientId: generateClientId(),
            name: 'limited',
            ownerId: alice.userId,
            organizationId: null,
            grantTypes: ['client_credentials'],
            redirectUris: [],
            postLogoutRedirectUris: [],
            scopes: ['read:keys'],
            tokenEndpointAuthMethod: 'client_secret_basic',
            jwks: null,
            tlsClientAuthSubjectDn: null,
            secretHash: 'x'.repeat(64),
            previousSecretHash: null,
            previousSecretExpiresAt: null,
            dynamicallyRegistered: false,
            revokedAt: null,
            createdAt: new Date(),
            updatedAt: new Date(),
          }),
        ),
      ),
    );
    const now = Math.floor(Date.now() / 1000);
    const tokens = await Promise.all(
      applications.map((application) =>
        new jose.SignJWT({
          iss: ISSUER,
          aud: ISSUER,
          sub: application.clientId,
          client_id: application.clientId,
          scope: 'read:keys',
          jti: randomUUID(),
          iat: now,
          exp: now + 600,
        })
          .setProtectedHeader({ alg: key!.alg, kid: key!.kid, typ: 'at+jwt' })
          .sign(key!.privateKey!),
      ),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.get('/api/auth/verify', { authorization: `Bearer ${tokens[0]}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await t.get('/api/auth/verify', { authorization: `Bearer ${tokens[0]}` });
    expect(refused.headers['x-ratelimit-limit']).toBe('3');
    expect(refused.headers['retry-after']).toBeDefined();
    // Another client of the same owner has its own bucket.
    expect((await t.get('/api/auth/verify', { authorization: `Bearer ${tokens[1]}` })).status).toBe(200);
  });
});
