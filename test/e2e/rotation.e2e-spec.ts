import { Session, TestApp } from '../support/test-app';

describe('key rotation (e2e)', () => {
  let t: TestApp;
  let owner: Session;

  beforeAll(async () => {
    t = await TestApp.start({ KEY_ROTATION_GRACE: '1h', KEY_ROTATION_MAX_GRACE: '1d' });
    t.clock.freeze();
    owner = await t.newUser('rotator');
  });
  afterAll(() => t.close());

  it('returns a successor once, with the same settings; the old key works through the grace period, then gets api_key_rotated', async () => {
    const old = await t.createKey(owner, {
      name: 'deploy',
      scopes: ['read:keys'],
      rateLimit: { limit: 50, windowSeconds: 60 },
      quota: { limit: 1000, period: 'month' },
      allowedIps: ['127.0.0.1', '10.0.0.0/8'],
    });
    const res = await t.post(`/api/keys/${old.id}/rotate`, { gracePeriodSeconds: 600 }, owner.auth);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.message).toBe('API key rotated. Save the new key now - it cannot be retrieved again.');
    const successor = res.body.data;
    expect(successor.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
    expect(successor.key).not.toBe(old.key);
    expect(successor).toMatchObject({
      name: 'deploy',
      scopes: ['read:keys'],
      rateLimit: { limit: 50, windowSeconds: 60 },
      quota: { limit: 1000, period: 'month' },
      allowedIps: ['127.0.0.1', '10.0.0.0/8'],
      status: 'active',
      previousKey: { id: old.id, expiresAt: new Date(t.clock.now() + 600_000).toISOString() },
    });

    const newAuth = { 'x-api-key': successor.key };
    expect((await t.get('/api/auth/verify', newAuth)).body.data.keyId).toBe(successor.id);
    expect((await t.get('/api/auth/verify', old.auth)).status).toBe(200);
    const oldView = (await t.get(`/api/keys/${old.id}`, owner.auth)).body.data;
    expect(oldView).toMatchObject({ replacedById: successor.id, rotatedAt: expect.any(String), status: 'active' });

    t.clock.advance(599_000);
    expect((await t.get('/api/auth/verify', old.auth)).status).toBe(200);
    t.clock.advance(1_000);
    const denied = await t.get('/api/auth/verify', old.auth);
    expect(denied.status).toBe(401);
    expect(denied.body.code).toBe('api_key_rotated');
    expect((await t.get(`/api/keys/${old.id}`, owner.auth)).body.data.status).toBe('rotated');
    expect((await t.get('/api/auth/verify', newAuth)).status).toBe(200);

    // The new key is never shown again.
    const list = await t.get('/api/keys?limit=100', owner.auth);
    expect(list.text).not.toContain(successor.key);
  });

  it('uses the default grace, and 0 ends the old key at once', async () => {
    const a = await t.createKey(owner);
    const res = await t.post(`/api/keys/${a.id}/rotate`, {}, owner.auth);
    expect(res.body.data.previousKey.expiresAt).toBe(new Date(t.clock.now() + 3_600_000).toISOString());

    const b = await t.createKey(owner);
    await t.post(`/api/keys/${b.id}/rotate`, { gracePeriodSeconds: 0 }, owner.auth);
    expect((await t.get('/api/auth/verify', b.auth)).body.code).toBe('api_key_rotated');
  });

  it('never extends an old key past its own expiry', async () => {
    const expiresAt = new Date(t.clock.now() + 60_000).toISOString();
    const key = await t.createKey(owner, { expiresAt });
    const res = await t.post(`/api/keys/${key.id}/rotate`, { gracePeriodSeconds: 3600 }, owner.auth);
    expect(res.body.data.previousKey.expiresAt).toBe(expiresAt);
    expect(res.body.data.expiresAt).toBe(expiresAt);
  });

  it('rotates a key once: a second rotation is 409, and a revoked key cannot be rotated', async () => {
    const key = await t.createKey(owner);
    expect((await t.post(`/api/keys/${key.id}/rotate`, {}, owner.auth)).status).toBe(201);
    const again = await t.post(`/api/keys/${key.id}/rotate`, {}, owner.auth);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');

    const revoked = await t.createKey(owner);
    await t.delete(`/api/keys/${revoked.id}`, owner.auth);
    expect((await t.post(`/api/keys/${revoked.id}/rotate`, {}, owner.auth)).status).toBe(409);
  });

  it('answers 404 for someone else’s key and 400 for bad input, changing nothing', async () => {
    const key = await t.createKey(owner);
    const stranger = await t.newUser('stranger');
    expect((await t.post(`/api/keys/${key.id}/rotate`, {}, stranger.auth)).status).toBe(404);
    for (const body of [{ gracePeriodSeconds: -1 }, { gracePeriodSeconds: 'soon' }, { gracePeriodSeconds: 2 * 86_400 }, { name: 'x' }]) {
      const res = await t.post(`/api/keys/${key.id}/rotate`, body, owner.auth);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    expect((await t.post('/api/keys/not-a-uuid/rotate', {}, owner.auth)).status).toBe(400);
    expect((await t.get(`/api/keys/${key.id}`, owner.auth)).body.data.rotatedAt).toBeNull();
  });

  it('needs write:keys', async () => {
    const key = await t.createKey(owner);
    const readOnly = await t.createKey(owner, { scopes: ['read:keys'] });
    const res = await t.post(`/api/keys/${key.id}/rotate`, {}, readOnly.auth);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    expect((await t.post(`/api/keys/${key.id}/rotate`, {})).status).toBe(401);
  });

  it('a key can rotate itself and keeps working through the grace period', async () => {
    const key = await t.createKey(owner);
    const res = await t.post(`/api/keys/${key.id}/rotate`, { gracePeriodSeconds: 60 }, key.auth);
    expect(res.status).toBe(201);
    expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
  });
});
