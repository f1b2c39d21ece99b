import { generateApiKey } from '../../src/api-keys/api-key-format';
import { CreatedKey, Session, TestApp } from '../support/test-app';

describe('verification for other services (e2e)', () => {
  let t: TestApp;
  let owner: Session;
  let service: CreatedKey;

  const verify = (body: Record<string, unknown>, auth = service.auth) => t.post('/api/v1/keys/verify', body, auth);

  beforeAll(async () => {
    t = await TestApp.start({ RATE_LIMIT_API_KEY: '100/1m' });
    t.clock.freeze();
    owner = await t.newUser('owner');
    service = await t.createKey(owner, { name: 'gateway', scopes: ['execute:keys'] });
  });
  afterAll(() => t.close());

  describe('POST /api/v1/keys/verify', () => {
    it('answers VALID with the key’s facts and its rate limit after the call', async () => {
      const key = await t.createKey(owner, { scopes: ['read:keys'], rateLimit: { limit: 10, windowSeconds: 60 } });
      const res = await verify({ key: key.key });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        valid: true,
        code: 'VALID',
        keyId: key.id,
        clientId: null,
        ownerId: owner.userId,
        organizationId: null,
        projectId: null,
        scopes: ['read:keys'],
        expiresAt: null,
        ratelimit: { limit: 10, remaining: 9, reset: expect.any(Number) },
      });
      expect(res.text).not.toContain(key.key);
    });

    it('counts against the key’s own limit, with cost, shared with direct use', async () => {
      const key = await t.createKey(owner, { rateLimit: { limit: 5, windowSeconds: 60 } });
      expect((await verify({ key: key.key, cost: 3 })).body.data.ratelimit.remaining).toBe(2);
      expect((await t.get('/api/auth/verify', key.auth)).headers['x-ratelimit-remaining']).toBe('1');
      const limited = await verify({ key: key.key, cost: 2 });
      expect(limited.status).toBe(200);
      expect(limited.body.data).toMatchObject({ valid: false, code: 'RATE_LIMITED', keyId: key.id, ratelimit: { remaining: 1 } });
    });

    it('answers INSUFFICIENT_SCOPE when the key lacks a requested scope, without counting it', async () => {
      const key = await t.createKey(owner, { scopes: ['read:keys'] });
      const res = await verify({ key: key.key, scopes: ['write:keys'] });
      expect(res.body.data).toMatchObject({ valid: false, code: 'INSUFFICIENT_SCOPE', scopes: ['read:keys'], ratelimit: null });
      expect((await verify({ key: key.key, scopes: ['read:keys'] })).body.data.code).toBe('VALID');
    });

    it('answers REVOKED, INACTIVE and EXPIRED', async () => {
      const revoked = await t.createKey(owner);
      await t.delete(`/api/keys/${revoked.id}`, owner.auth);
      expect((await verify({ key: revoked.key })).body.data).toMatchObject({ valid: false, code: 'REVOKED', keyId: revoked.id });

      const inactive = await t.createKey(owner);
      await t.patch(`/api/keys/${inactive.id}`, { isActive: false }, owner.auth);
      expect((await verify({ key: inactive.key })).body.data.code).toBe('INACTIVE');

      const expiring = await t.createKey(owner, { expiresAt: new Date(t.clock.now() + 60_000).toISOString() });
      t.clock.advance(61_000);
      expect((await verify({ key: expiring.key })).body.data).toMatchObject({ code: 'EXPIRED', expiresAt: expect.any(String) });
    });

    it('answers INACTIVE for a key whose owner is deactivated', async () => {
      const admin = await t.admin();
      const other = await t.newUser('to-lock');
      const otherService = await t.createKey(other, { scopes: ['execute:keys'] });
      const key = await t.createKey(other);
      await t.patch(`/api/admin/users/${other.userId}`, { isActive: false }, admin.auth);
      const adminKey = await t.createKey(admin);
      expect((await verify({ key: key.key }, adminKey.auth)).body.data.code).toBe('INACTIVE');
      expect((await verify({ key: key.key }, otherService.auth)).status).toBe(401);
    });

    it('answers NOT_FOUND for unknown, malformed and other users’ keys, revealing nothing', async () => {
      const stranger = await t.newUser('stranger');
      const theirs = await t.createKey(stranger);
      for (const key of [generateApiKey(), 'argus_nope', 'not a key', theirs.key]) {
        const res = await verify({ key });
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual({
          valid: false,
          code: 'NOT_FOUND',
          keyId: null,
          clientId: null,
          ownerId: null,
          organizationId: null,
          projectId: null,
          scopes: [],
          expiresAt: null,
          ratelimit: null,
        });
      }
      // Probing spent nothing of the stranger's key.
      expect((await t.get('/api/auth/verify', theirs.auth)).headers['x-ratelimit-remaining']).toBe('99');
    });

    it('lets an admin service verify any key', async () => {
      const admin = await t.admin();
      const adminService = await t.createKey(admin, { scopes: ['admin:all'] });
      const key = await t.createKey(owner);
      expect((await verify({ key: key.key }, adminService.auth)).body.data).toMatchObject({ code: 'VALID', ownerId: owner.userId });
    });

    it('needs a credential with execute:keys', async () => {
      const key = await t.createKey(owner);
      expect((await t.post('/api/v1/keys/verify', { key: key.key })).status).toBe(401);
      const readOnly = await t.createKey(owner, { scopes: ['read:keys'] });
      const denied = await verify({ key: key.key }, readOnly.auth);
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ code: 'insufficient_scope', error: 'Missing required scope: execute:keys' });
      expect((await verify({ key: key.key }, owner.auth)).body.data.code).toBe('VALID');
    });

    it.each([
      [{}, 'key'],
      [{ key: 12 }, 'key'],
      [{ key: 'x', scopes: ['fly:rockets'] }, 'scopes'],
      [{ key: 'x', cost: 0 }, 'cost'],
      [{ key: 'x', cost: 1.5 }, 'cost'],
      [{ key: 'x', extra: true }, 'extra'],
    ])('rejects %j with 400', async (body, field) => {
      const res = await verify(body);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });
  });

  describe('GET /api/v1/forward-auth', () => {
    it('answers 200 with the caller’s identity headers for a good key', async () => {
      const key = await t.createKey(owner, { scopes: ['read:keys', 'read:users'] });
      const res = await t.get('/api/v1/forward-auth', key.auth);
      expect(res.status).toBe(200);
      expect(res.headers['x-argus-key-id']).toBe(key.id);
      expect(res.headers['x-argus-user-id']).toBe(owner.userId);
      expect(res.headers['x-argus-scopes']).toBe('read:keys,read:users');
      expect(res.headers['x-ratelimit-remaining']).toBeDefined();
    });

    it('checks ?scopes= (403 insufficient_scope) and validates them (400)', async () => {
      const key = await t.createKey(owner, { scopes: ['read:keys'] });
      expect((await t.get('/api/v1/forward-auth?scopes=read:keys', key.auth)).status).toBe(200);
      const denied = await t.get('/api/v1/forward-auth?scopes=read:keys,write:keys', key.auth);
      expect(denied.status).toBe(403);
      expect(denied.body.error).toContain('write:keys');
      expect((await t.get('/api/v1/forward-auth?scopes=fly:rockets', key.auth)).status).toBe(400);
    });

    it('answers 401 with its code for a missing, revoked or unknown key, and 429 when limited', async () => {
      expect((await t.get('/api/v1/forward-auth')).status).toBe(401);
      const revoked = await t.createKey(owner);
      await t.delete(`/api/keys/${revoked.id}`, owner.auth);
      expect((await t.get('/api/v1/forward-auth', revoked.auth)).body.code).toBe('api_key_revoked');
      expect((await t.get('/api/v1/forward-auth', { 'x-api-key': generateApiKey() })).body.code).toBe('invalid_api_key');

      const tiny = await t.createKey(owner, { rateLimit: { limit: 1, windowSeconds: 60 } });
      expect((await t.get('/api/v1/forward-auth', tiny.auth)).status).toBe(200);
      const limited = await t.get('/api/v1/forward-auth', tiny.auth);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
    });

    it('works for a JWT caller without a key id', async () => {
      const res = await t.get('/api/v1/forward-auth', owner.auth);
      expect(res.status).toBe(200);
      expect(res.headers['x-argus-key-id']).toBeUndefined();
      expect(res.headers['x-argus-user-id']).toBe(owner.userId);
    });
  });
});
