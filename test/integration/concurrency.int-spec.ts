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

  it('of concurrent refreshes with one token exactly one wins, the losers (409) spare its pair, and a later reuse revokes it', async () => {
    const session = await t.newUser('racer');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.post('/api/auth/refresh', { refreshToken: session.refreshToken })),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(9);
    const winner = results.find((res) => res.status === 200)?.body.data;
    const next = await t.post('/api/auth/refresh', { refreshToken: winner.refreshToken });
    expect(next.status).toBe(200);

    // Past the reuse window (default 5 s), presenting the first token again is a replay.
    t.clock.advance(6_000);
    const replay = await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 401, code: 'invalid_token' });
    expect((await t.post('/api/auth/refresh', { refreshToken: next.body.data.refreshToken })).status).toBe(401);
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

  it('two owners demoting each other at once leave the organization with an owner', async () => {
    const first = await t.newUser('owner-a');
    const second = await t.newUser('owner-b');
    const organizationId = (await t.post('/api/v1/organizations', { name: 'Race' }, first.auth)).body.data.id;
    await t.post(`/api/v1/organizations/${organizationId}/members`, { userId: second.userId, role: 'owner' }, first.auth);
    const [a, b] = await Promise.all([
      t.patch(`/api/v1/organizations/${organizationId}/members/${second.userId}`, { role: 'member' }, first.auth),
      t.patch(`/api/v1/organizations/${organizationId}/members/${first.userId}`, { role: 'member' }, second.auth),
    ]);
    // One demotion wins; the other is refused, either in its transaction (409, the last owner) or,
    // when it starts after the first committed, by the guard (403: its caller is no longer an owner).
    const statuses = [a.status, b.status];
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 409 || s === 403)).toBe(true);
    const members = (await t.get(`/api/v1/organizations/${organizationId}/members`, first.auth)).body.data;
    expect(members.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
  });

  it('of concurrent additions of one member exactly one succeeds; of concurrent same-name projects one', async () => {
    const owner = await t.newUser('org-racer');
    const joiner = await t.newUser('joiner');
    const organizationId = (await t.post('/api/v1/organizations', { name: 'Race 2' }, owner.auth)).body.data.id;
    const adds = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.post(`/api/v1/organizations/${organizationId}/members`, { userId: joiner.userId, role: 'member' }, owner.auth),
      ),
    );
    expect(adds.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const projects = await Promise.all(
      Array.from({ length: 6 }, () => t.post('/api/v1/projects', { organizationId, name: 'same' }, owner.auth)),
    );
    expect(projects.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it('revoking a parent while its child mints a grandchild leaves no live descendant', async () => {
    const owner = await t.newUser('delegator');
    const parent = await t.createKey(owner, { scopes: ['write:keys', 'read:keys'] });
    const child = (await t.post('/api/keys', { name: 'child', scopes: ['write:keys', 'read:keys'] }, parent.auth)).body.data;
    const childAuth = { 'x-api-key': child.key };
    const [, ...mints] = await Promise.all([
      t.delete(`/api/keys/${parent.id}`, owner.auth),
      ...Array.from({ length: 5 }, (_, i) => t.post('/api/keys', { name: `grandchild ${i}`, scopes: ['read:keys'] }, childAuth)),
    ]);
    // A grandchild minted before the revocation committed is revoked with it; one after is refused.
    for (const mint of mints) {
      if (mint.status !== 201) {
        expect(mint.status).toBe(401);
        continue;
      }
      const res = await t.get('/api/auth/verify', { 'x-api-key': mint.body.data.key });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'api_key_revoked' });
    }
  });

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
