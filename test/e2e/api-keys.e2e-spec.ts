import { generateApiKey } from '../../src/api-keys/api-key-format';
import { Session, TestApp } from '../support/test-app';

describe('API keys (e2e)', () => {
  let t: TestApp;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    t = await TestApp.start();
    alice = await t.newUser('alice');
    bob = await t.newUser('bob');
  });
  afterAll(() => t.close());

  describe('POST /api/keys', () => {
    it('returns the key once, with the contract message and no-store', async () => {
      const res = await t.post('/api/keys', { name: 'CI bot' }, alice.auth);
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.message).toBe('API key created. Save it now - it cannot be retrieved again.');
      const data = res.body.data;
      expect(data).toMatchObject({
        name: 'CI bot',
        isActive: true,
        status: 'active',
        expiresAt: null,
        scopes: [
          'read:keys',
          'write:keys',
          'delete:keys',
          'execute:keys',
          'read:users',
          'read:webhooks',
          'write:webhooks',
          'delete:webhooks',
          'read:organizations',
          'write:organizations',
          'delete:organizations',
          'read:projects',
          'write:projects',
          'delete:projects',
          'read:sessions',
          'delete:sessions',
          'admin:keys',
        ],
        organizationId: null,
        projectId: null,
        parentKeyId: null,
      });
      expect(data.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      expect(data.keyPrefix).toBe(data.key.slice(0, 8));
      expect(data).not.toHaveProperty('keyHash');

      // Never again: not in the list, not in a get.
      const list = await t.get('/api/keys', alice.auth);
      const one = await t.get(`/api/keys/${data.id}`, alice.auth);
      for (const later of [list, one]) {
        expect(later.text).not.toContain(data.key);
        expect(later.text).not.toContain(data.key.slice(8));
      }
      expect(one.body.data).not.toHaveProperty('key');
    });

    it('stores rateLimit, allowedIps, scopes and expiresAt as given', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const res = await t.post(
        '/api/keys',
        {
          name: 'limited',
          scopes: ['read:keys'],
          expiresAt,
          rateLimit: { limit: 10, windowSeconds: 60 },
          allowedIps: ['10.0.0.0/8', '2001:db8::1'],
        },
        alice.auth,
      );
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        scopes: ['read:keys'],
        expiresAt,
        rateLimit: { limit: 10, windowSeconds: 60 },
        allowedIps: ['10.0.0.0/8', '2001:db8::1'],
      });
    });

    it.each([
      ['no name', {}, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a 101-character name', { name: 'x'.repeat(101) }, 'name'],
      ['an unknown field', { name: 'x', owner: 'someone' }, 'owner'],
      ['an unknown scope', { name: 'x', scopes: ['fly:rockets'] }, 'scopes'],
      ['a bad date', { name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
      ['a past date', { name: 'x', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      ['a zero limit', { name: 'x', rateLimit: { limit: 0, windowSeconds: 60 } }, 'rateLimit.limit'],
      ['an unknown rateLimit field', { name: 'x', rateLimit: { limit: 5, windowSeconds: 60, jitter: 3 } }, 'rateLimit.jitter'],
      ['a bad IP', { name: 'x', allowedIps: ['300.1.1.1'] }, 'allowedIps'],
      ['a bad CIDR', { name: 'x', allowedIps: ['10.0.0.0/33'] }, 'allowedIps'],
    ])('rejects %s with 400 and creates nothing', async (_label, body, field) => {
      const before = (await t.get('/api/keys?limit=100', bob.auth)).body.meta.total;
      const res = await t.post('/api/keys', body, bob.auth);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect((await t.get('/api/keys?limit=100', bob.auth)).body.meta.total).toBe(before);
    });

    it('refuses to grant a scope the caller does not hold (403 insufficient_scope)', async () => {
      const res = await t.post('/api/keys', { name: 'escalate', scopes: ['admin:all'] }, alice.auth);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('insufficient_scope');
      expect(res.body.error).toContain('admin:all');
    });

    it('lets a key with write:keys mint keys, never wider than itself', async () => {
      const minter = await t.createKey(alice, { scopes: ['write:keys', 'read:keys'] });
      const child = await t.post('/api/keys', { name: 'child' }, minter.auth);
      expect(child.status).toBe(201);
      expect(child.body.data.scopes).toEqual(['write:keys', 'read:keys']);
      const wider = await t.post('/api/keys', { name: 'wider', scopes: ['delete:keys'] }, minter.auth);
      expect(wider.status).toBe(403);
      expect(wider.body.code).toBe('insufficient_scope');
    });

    it('requires authentication', async () => {
      const res = await t.post('/api/keys', { name: 'anon' });
      expect(res.status).toBe(401);
    });
  });

  describe('using a key', () => {
    it('authenticates with X-API-Key and with Authorization: Bearer', async () => {
      const key = await t.createKey(alice);
      for (const headers of [{ 'x-api-key': key.key }, { authorization: `Bearer ${key.key}` }] as Record<string, string>[]) {
        const res = await t.get('/api/auth/verify', headers);
        expect(res.status).toBe(200);
        expect(res.body.data).toMatchObject({ authenticated: true, method: 'api_key', userId: alice.userId, keyId: key.id });
      }
    });

    it.each([
      ['malformed', 'argus_short'],
      ['not an argus key', 'sk_live_abcdef'],
      ['checksum-failing', 'argus_' + 'A'.repeat(43)],
      ['well-formed but unknown', generateApiKey()],
    ])('rejects a %s key with 401 invalid_api_key', async (_label, key) => {
      for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
        const res = await t.get('/api/auth/verify', headers);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBeDefined();
      }
      expect((await t.get('/api/auth/verify', { 'x-api-key': key })).body.code).toBe('invalid_api_key');
    });

    it('a bad X-API-Key is not rescued by a good JWT', async () => {
      const res = await t.get('/api/auth/verify', { 'x-api-key': 'argus_nope', ...alice.auth });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_api_key');
    });

    it('is refused on routes its scopes do not cover (403 insufficient_scope)', async () => {
      const readOnly = await t.createKey(alice, { scopes: ['read:keys'] });
      expect((await t.get('/api/keys', readOnly.auth)).status).toBe(200);
      const res = await t.post('/api/keys', { name: 'nope' }, readOnly.auth);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'insufficient_scope', error: 'Missing required scope: write:keys' });
      expect((await t.delete(`/api/keys/${readOnly.id}`, readOnly.auth)).status).toBe(403);
    });

    it('keeps lastUsedAt fresh without waiting for the flush', async () => {
      const key = await t.createKey(alice);
      expect((await t.get(`/api/keys/${key.id}`, alice.auth)).body.data.lastUsedAt).toBeNull();
      await t.get('/api/auth/verify', key.auth);
      const after = (await t.get(`/api/keys/${key.id}`, alice.auth)).body.data.lastUsedAt;
      expect(Math.abs(new Date(after).getTime() - Date.now())).toBeLessThan(10_000);
    });

    it('expires at expiresAt (401 api_key_expired)', async () => {
      const key = await t.createKey(alice, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      t.clock.advance(61_000);
      try {
        const res = await t.get('/api/auth/verify', key.auth);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('api_key_expired');
        expect((await t.get(`/api/keys/${key.id}`, alice.auth)).body.data.status).toBe('expired');
      } finally {
        t.clock.advance(-61_000);
      }
    });
  });

  describe('GET /api/keys', () => {
    it('lists only the caller’s keys, newest first, paginated, without secrets', async () => {
      const carol = await t.newUser('carol');
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await t.createKey(carol, { name: `k${i}` }));
      const page1 = await t.get('/api/keys?page=1&limit=2', carol.auth);
      expect(page1.status).toBe(200);
      expect(page1.body.meta).toEqual({ page: 1, limit: 2, total: 3 });
      expect(page1.body.data.map((k: { name: string }) => k.name)).toEqual(['k2', 'k1']);
      const page2 = await t.get('/api/keys?page=2&limit=2', carol.auth);
      expect(page2.body.data.map((k: { name: string }) => k.name)).toEqual(['k0']);
      for (const key of made) expect(page1.text + page2.text).not.toContain(key.key);
      expect(page1.text).not.toMatch(/keyHash|key_hash/);
      const bobs = await t.get('/api/keys?limit=100', bob.auth);
      expect(bobs.body.data.map((k: { id: string }) => k.id)).not.toEqual(expect.arrayContaining([made[0].id]));
    });

    it.each(['page=0', 'limit=101', 'limit=abc', 'page=-1', 'sort=name'])('rejects ?%s with 400', async (query) => {
      const res = await t.get(`/api/keys?${query}`, alice.auth);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });
  });

  describe('one key by id', () => {
    it('answers 404 for someone else’s key on get, patch and delete, exactly as for a missing one', async () => {
      const key = await t.createKey(alice);
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const id of [key.id, missing]) {
        const get = await t.get(`/api/keys/${id}`, bob.auth);
        const patch = await t.patch(`/api/keys/${id}`, { name: 'mine now' }, bob.auth);
        const del = await t.delete(`/api/keys/${id}`, bob.auth);
        for (const res of [get, patch, del]) {
          expect(res.status).toBe(404);
          expect(res.body).toMatchObject({ success: false, code: 'not_found', error: 'API key not found' });
        }
      }
      // Bob's attempts changed nothing.
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      expect((await t.get(`/api/keys/${key.id}`, alice.auth)).body.data.name).toBe('test key');
    });

    it('answers 400 for an id that is not a UUID', async () => {
      for (const res of [
        await t.get('/api/keys/123', alice.auth),
        await t.delete('/api/keys/abc', alice.auth),
        await t.patch('/api/keys/1', { name: 'x' }, alice.auth),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });
  });

  describe('PATCH /api/keys/:id', () => {
    it('renames and narrows scopes; the narrowed key loses access at once', async () => {
      const key = await t.createKey(alice);
      expect((await t.post('/api/keys', { name: 'before narrowing' }, key.auth)).status).toBe(201);
      const res = await t.patch(`/api/keys/${key.id}`, { name: 'renamed', scopes: ['read:keys'] }, alice.auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ name: 'renamed', scopes: ['read:keys'] });
      expect((await t.post('/api/keys', { name: 'after narrowing' }, key.auth)).status).toBe(403);
    });

    it('refuses to widen scopes (400) and leaves the key as it was', async () => {
      const key = await t.createKey(alice, { scopes: ['read:keys'] });
      const res = await t.patch(`/api/keys/${key.id}`, { scopes: ['read:keys', 'write:keys'] }, alice.auth);
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('scopes');
      expect((await t.get(`/api/keys/${key.id}`, alice.auth)).body.data.scopes).toEqual(['read:keys']);
    });

    it('deactivates (401 api_key_inactive) and reactivates', async () => {
      const key = await t.createKey(alice);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      expect((await t.patch(`/api/keys/${key.id}`, { isActive: false }, alice.auth)).body.data.status).toBe('inactive');
      const denied = await t.get('/api/auth/verify', key.auth);
      expect(denied.status).toBe(401);
      expect(denied.body.code).toBe('api_key_inactive');
      await t.patch(`/api/keys/${key.id}`, { isActive: true }, alice.auth);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
    });

    it.each([
      [{ isActive: 'no' }, 'isActive'],
      [{ name: '' }, 'name'],
      [{ key: 'argus_x' }, 'key'],
      [{ expiresAt: '2030-01-01T00:00:00Z' }, 'expiresAt'],
    ])('rejects %j with 400', async (body, field) => {
      const key = await t.createKey(alice);
      const res = await t.patch(`/api/keys/${key.id}`, body, alice.auth);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });
  });

  describe('DELETE /api/keys/:id', () => {
    it('revokes: the key answers 401 api_key_revoked at once, stays listed as revoked, and cannot be revived', async () => {
      const key = await t.createKey(alice);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      const res = await t.delete(`/api/keys/${key.id}`, alice.auth);
      expect(res.status).toBe(200);
      expect(res.body.message).toBe('API key revoked');
      expect(res.body.data).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });

      for (const headers of [key.auth, { authorization: `Bearer ${key.key}` }]) {
        const denied = await t.get('/api/auth/verify', headers);
        expect(denied.status).toBe(401);
        expect(denied.body.code).toBe('api_key_revoked');
      }
      const again = await t.delete(`/api/keys/${key.id}`, alice.auth);
      expect(again.status).toBe(200);
      expect(again.body.data.revokedAt).toBe(res.body.data.revokedAt);
      const revive = await t.patch(`/api/keys/${key.id}`, { isActive: true }, alice.auth);
      expect(revive.status).toBe(409);
      expect(revive.body.code).toBe('conflict');
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(401);
    });

    it('a key can revoke itself and is refused from the next request', async () => {
      const key = await t.createKey(alice);
      expect((await t.delete(`/api/keys/${key.id}`, key.auth)).status).toBe(200);
      expect((await t.get('/api/keys', key.auth)).status).toBe(401);
    });
  });
});
