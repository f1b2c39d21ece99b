import { PASSWORD, Session, TestApp } from '../support/test-app';

/** Races that only a real PostgreSQL server exposes (the embedded database runs one query at a time). */
describe('concurrency on PostgreSQL (integration)', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await TestApp.start({ DATABASE_POOL_SIZE: '10' });
    admin = await t.admin();
  });
  afterAll(() => t.close());

  it('of concurrent refreshes with one token exactly one wins', async () => {
    const session = await t.newUser('racer');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.post('/api/auth/refresh', { refreshToken: session.refreshToken })),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(9);
  });

  it('of concurrent registrations of one email exactly one succeeds', async () => {
    const email = `same-${Date.now()}@example.com`;
    const results = await Promise.all(Array.from({ length: 8 }, () => t.post('/api/auth/register', { email, password: PASSWORD })));
    expect(results.filter((res) => res.status === 201)).toHaveLength(1);
    expect(results.filter((res) => res.status === 409)).toHaveLength(7);
    for (const res of results.filter((r) => r.status === 409)) expect(res.body.code).toBe('conflict');
  });

  it('two admins demoting each other at once cannot leave the server without an admin', async () => {
    const other = await t.newUser('co-admin');
    await t.patch(`/api/admin/users/${other.userId}`, { role: 'admin' }, admin.auth);
    const admins = (await t.get('/api/admin/users?role=admin&isActive=true&limit=100', admin.auth)).body.data;
    for (const extra of admins.filter((u: { id: string }) => u.id !== admin.userId && u.id !== other.userId)) {
      await t.patch(`/api/admin/users/${extra.id}`, { role: 'user' }, admin.auth);
    }
    const [a, b] = await Promise.all([
      t.patch(`/api/admin/users/${other.userId}`, { role: 'user' }, admin.auth),
      t.patch(`/api/admin/users/${admin.userId}`, { role: 'user' }, other.auth),
    ]);
    const statuses = [a.status, b.status];
    // Either one demotion wins and the other is refused, or the second runs after the first made
    // its caller a non-admin (403): never both 200.
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const remaining = await t.get('/api/admin/users?role=admin&isActive=true&limit=100', a.status === 200 ? admin.auth : other.auth);
    expect(remaining.body.meta.total).toBe(1);
  });

  it('concurrent revocations of one key all agree on one revocation time', async () => {
    const session = await t.newUser('revoker');
    const key = await t.createKey(session);
    const results = await Promise.all(Array.from({ length: 6 }, () => t.delete(`/api/keys/${key.id}`, session.auth)));
    expect(results.every((res) => res.status === 200)).toBe(true);
    expect(new Set(results.map((res) => res.body.data.revokedAt)).size).toBe(1);
    expect((await t.get('/api/auth/verify', key.auth)).body.code).toBe('api_key_revoked');
  });

  it('a burst of requests with a cold key costs one look-up and all succeed', async () => {
    const session = await t.newUser('burst');
    const key = await t.createKey(session);
    const results = await Promise.all(Array.from({ length: 50 }, () => t.get('/api/auth/verify', key.auth)));
    expect(results.every((res) => res.status === 200)).toBe(true);
  });
});

describe('rotation races on PostgreSQL (integration)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ DATABASE_POOL_SIZE: '10' });
  });
  afterAll(() => t.close());

  it('two concurrent rotations of one key leave exactly one successor', async () => {
    const session = await t.newUser('rotation-race');
    const key = await t.createKey(session);
    const results = await Promise.all(Array.from({ length: 5 }, () => t.post(`/api/keys/${key.id}/rotate`, {}, session.auth)));
    expect(results.filter((res) => res.status === 201)).toHaveLength(1);
    expect(results.filter((res) => res.status === 409)).toHaveLength(4);
    const keys = (await t.get('/api/keys?limit=100', session.auth)).body.data;
    expect(keys).toHaveLength(2);
    const old = keys.find((k: { id: string }) => k.id === key.id);
    expect(old.replacedById).toBe(results.find((res) => res.status === 201)?.body.data.id);
  });
});
