import { ROLE_SCOPES, defaultKeyScopes } from '../../src/access/scopes';
import { DataSource } from 'typeorm';
import { PASSWORD, Session, TestApp } from '../support/test-app';

type Event = {
  action: string;
  actorType: string;
  actorId: string | null;
  actorKeyId: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
};

describe('audit trail (e2e)', () => {
  let t: TestApp;
  let admin: Session;

  const events = async (query = ''): Promise<Event[]> => (await t.get(`/api/admin/audit-events?limit=100${query}`, admin.auth)).body.data;

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.admin();
  });
  afterAll(() => t.close());

  it('records the key lifecycle with actor, target, IP, user agent, request id and a diff', async () => {
    const owner = await t.newUser('audited');
    const headers = { ...owner.auth, 'user-agent': 'audit-test/1.0', 'x-request-id': 'audit-req-1' };
    const created = await t.post('/api/keys', { name: 'tracked' }, headers);
    const keyId = created.body.data.id;
    await t.patch(`/api/keys/${keyId}`, { name: 'renamed', scopes: ['read:keys', 'delete:keys'] }, owner.auth);
    await t.patch(`/api/keys/${keyId}`, { name: 'renamed' }, owner.auth); // no change: no event
    const keyAuth = { 'x-api-key': created.body.data.key };
    await t.post(`/api/keys/${keyId}/rotate`, { gracePeriodSeconds: 60 }, owner.auth);
    await t.delete(`/api/keys/${keyId}`, keyAuth);
    await t.delete(`/api/keys/${keyId}`, owner.auth); // idempotent: no second event

    const trail = await events(`&targetId=${keyId}`);
    expect(trail.map((e) => e.action)).toEqual(['key.revoked', 'key.rotated', 'key.updated', 'key.created']);
    const [revoked, rotated, updated, createdEvent] = trail;
    expect(createdEvent).toMatchObject({
      actorType: 'user',
      actorId: owner.userId,
      actorKeyId: null,
      targetId: keyId,
      ip: '127.0.0.1',
      userAgent: 'audit-test/1.0',
      requestId: 'audit-req-1',
      changes: { name: { from: null, to: 'tracked' } },
    });
    expect(updated.changes).toEqual({
      name: { from: 'tracked', to: 'renamed' },
      scopes: {
        from: defaultKeyScopes(ROLE_SCOPES.user),
        to: ['read:keys', 'delete:keys'],
      },
    });
    expect(rotated.changes?.replacedById.to).toEqual(expect.any(String));
    // The key revoked itself: the actor is the key, on behalf of its owner.
    expect(revoked).toMatchObject({ actorType: 'api_key', actorId: owner.userId, actorKeyId: keyId });

    // No secret anywhere in the trail.
    const all = (await t.get('/api/admin/audit-events?limit=100', admin.auth)).text;
    expect(all).not.toContain(created.body.data.key);
    expect(all).not.toMatch(/keyHash|key_hash|passwordHash|argon2|refreshToken/);
    expect(all).not.toContain(PASSWORD);
  });

  it('records sign-ups, logins that succeed and fail, and admin changes to keys and users', async () => {
    const user = await t.newUser('admin-target');
    await t.post('/api/auth/login', { email: user.email, password: 'not-the-password' });
    await t.post('/api/auth/login', { email: 'nobody@example.com', password: 'not-the-password' });
    const key = await t.createKey(user);
    await t.put(`/api/admin/api-keys/${key.id}`, { isActive: false }, admin.auth);
    await t.put(`/api/admin/api-keys/${key.id}`, { isActive: false }, admin.auth); // unchanged: no event
    await t.delete(`/api/admin/api-keys/${key.id}`, admin.auth);
    await t.patch(`/api/admin/users/${user.userId}`, { role: 'admin', isActive: false }, admin.auth);

    const about = await events(`&targetId=${user.userId}`);
    expect(about.map((e) => e.action).sort()).toEqual([
      'user.deactivated',
      'user.login_failed',
      'user.login_succeeded',
      'user.registered',
      'user.role_changed',
    ]);
    expect(about.find((e) => e.action === 'user.role_changed')).toMatchObject({
      actorId: admin.userId,
      changes: { role: { from: 'user', to: 'admin' } },
    });
    const unknown = (await events('&action=user.login_failed')).find((e) => e.targetId === null);
    expect(unknown?.changes).toEqual({ reason: { from: null, to: 'unknown_account' } });

    const keyEvents = await events(`&targetId=${key.id}`);
    expect(keyEvents.map((e) => e.action)).toEqual(['key.deleted', 'key.deactivated', 'key.created']);
    expect(keyEvents[0]).toMatchObject({ actorId: admin.userId, changes: { ownerId: { from: user.userId, to: null } } });
  });

  it('filters by actor, action and time range, paginates, and exports CSV', async () => {
    const actor = await t.newUser('filtered');
    for (let i = 0; i < 3; i++) await t.createKey(actor, { name: `k${i}` });
    const byActor = await t.get(`/api/admin/audit-events?actorId=${actor.userId}&action=key.created&limit=2`, admin.auth);
    expect(byActor.body.meta).toEqual({ page: 1, limit: 2, total: 3 });
    expect(byActor.body.data.every((e: Event) => e.action === 'key.created' && e.actorId === actor.userId)).toBe(true);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await t.get(`/api/admin/audit-events?from=${future}`, admin.auth)).body.meta.total).toBe(0);
    expect(
      (await t.get(`/api/admin/audit-events?actorId=${actor.userId}&to=${future}`, admin.auth)).body.meta.total,
    ).toBeGreaterThanOrEqual(4);

    const csv = await t.get(`/api/admin/audit-events?actorId=${actor.userId}&format=csv`, admin.auth);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('attachment');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,occurredAt,action,actorType,actorId,actorKeyId,targetType,targetId,ip,userAgent,requestId,changes');
    // registered, login_succeeded and three key.created
    expect(lines).toHaveLength(1 + 5);
    expect(csv.text).toContain('key.created');
  });

  it.each(['actorId=nope', 'action=key.exploded', 'from=yesterday', 'format=xml', 'limit=1000'])('rejects ?%s with 400', async (query) => {
    expect((await t.get(`/api/admin/audit-events?${query}`, admin.auth)).status).toBe(400);
  });

  it('is for admins only; owners see their own key’s events, and a foreign key is 404', async () => {
    const owner = await t.newUser('owner-view');
    const key = await t.createKey(owner);
    expect((await t.get('/api/admin/audit-events', owner.auth)).status).toBe(403);
    expect((await t.get('/api/admin/audit-events')).status).toBe(401);
    const own = await t.get(`/api/keys/${key.id}/events`, owner.auth);
    expect(own.status).toBe(200);
    expect(own.body.data.map((e: Event) => e.action)).toEqual(['key.created']);
    const stranger = await t.newUser('stranger');
    expect((await t.get(`/api/keys/${key.id}/events`, stranger.auth)).status).toBe(404);
  });

  it('is append-only in the database itself', async () => {
    const dataSource = t.app.get(DataSource);
    await expect(dataSource.query(`UPDATE audit_events SET action = 'key.created'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect((await t.get('/api/admin/audit-events', admin.auth)).body.meta.total).toBeGreaterThan(0);
  });
});

describe('audit atomicity (e2e)', () => {
  it('a change whose audit event cannot be written is rolled back with it', async () => {
    const t = await TestApp.start();
    try {
      const owner = await t.newUser('atomic');
      const key = await t.createKey(owner, { name: 'before' });
      // Break the audit table the way a failure after the change would: the insert now fails.
      const dataSource = t.app.get(DataSource);
      await dataSource.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_breaker CHECK (false) NOT VALID`);
      const res = await t.patch(`/api/keys/${key.id}`, { name: 'after' }, owner.auth);
      expect(res.status).toBe(500);
      expect(res.body.code).toBe('internal_error');
      expect(res.text).not.toMatch(/audit_breaker|audit_events|constraint/);
      expect((await t.get(`/api/keys/${key.id}`, owner.auth)).body.data.name).toBe('before');

      const revoked = await t.delete(`/api/keys/${key.id}`, owner.auth);
      expect(revoked.status).toBe(500);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);

      const created = await t.post('/api/keys', { name: 'never' }, owner.auth);
      expect(created.status).toBe(500);
      expect((await t.get('/api/keys?limit=100', owner.auth)).body.meta.total).toBe(1);
    } finally {
      await t.close();
    }
  });
});
