import { ROLE_SCOPES } from '../../src/access/scopes';
import { AuthService } from '../../src/auth/auth.service';
import { PASSWORD, Session, TestApp } from '../support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('admin (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let user: Session;

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.admin();
    user = await t.newUser();
  });
  afterAll(() => t.close());

  // Every row has three cells: Jest hands a shorter row's missing cell over as a done callback.
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/api/admin/api-keys', undefined],
    ['PUT', `/api/admin/api-keys/${MISSING}`, { isActive: false }],
    ['DELETE', `/api/admin/api-keys/${MISSING}`, undefined],
    ['GET', '/api/admin/users', undefined],
    ['PATCH', `/api/admin/users/${MISSING}`, { role: 'admin' }],
  ];

  it.each(routes)('%s %s: 401 without credentials', async (method, url, body) => {
    const res = await t.request(method, url, { body });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it.each(routes)('%s %s: 403 for a user JWT and for a user’s key', async (method, url, body) => {
    const key = await t.createKey(user);
    for (const headers of [user.auth, key.auth]) {
      const res = await t.request(method, url, { body, headers });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
  });

  it('an admin key without admin:all is refused with insufficient_scope', async () => {
    const narrow = await t.createKey(admin, { scopes: ['read:keys'] });
    const res = await t.get('/api/admin/users', narrow.auth);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    const full = await t.createKey(admin);
    expect((await t.get('/api/admin/users', full.auth)).status).toBe(200);
  });

  describe('keys', () => {
    it('lists every key with its owner, filtered and paginated, without secrets', async () => {
      const owner = await t.newUser('owner');
      const a = await t.createKey(owner, { name: 'a' });
      const b = await t.createKey(owner, { name: 'b' });
      await t.patch(`/api/keys/${b.id}`, { isActive: false }, owner.auth);

      const all = await t.get(`/api/admin/api-keys?userId=${owner.userId}`, admin.auth);
      expect(all.status).toBe(200);
      expect(all.body.meta).toEqual({ page: 1, limit: 20, total: 2, nextCursor: null });
      expect(all.body.data[0]).toMatchObject({ userId: owner.userId, owner: { id: owner.userId, email: owner.email } });
      expect(all.text).not.toContain(a.key);
      expect(all.text).not.toContain(b.key);

      const active = await t.get(`/api/admin/api-keys?userId=${owner.userId}&isActive=true`, admin.auth);
      expect(active.body.data.map((k: { id: string }) => k.id)).toEqual([a.id]);
      const inactive = await t.get(`/api/admin/api-keys?userId=${owner.userId}&isActive=false`, admin.auth);
      expect(inactive.body.data.map((k: { id: string }) => k.id)).toEqual([b.id]);
      const paged = await t.get(`/api/admin/api-keys?userId=${owner.userId}&limit=1&page=2`, admin.auth);
      expect(paged.body.data).toHaveLength(1);
      expect(paged.body.meta).toEqual({ page: 2, limit: 1, total: 2, nextCursor: null });
    });

    it('finds keys by the owner’s email (any case) and by part of the name or prefix', async () => {
      const owner = await t.newUser('finder');
      const deploy = await t.createKey(owner, { name: 'Deploy 100%_bot' });
      const other = await t.createKey(owner, { name: 'nightly' });
      const ids = async (query: string) =>
        (await t.get(`/api/admin/api-keys?${query}`, admin.auth)).body.data.map((key: { id: string }) => key.id);

      expect(await ids(`ownerEmail=${encodeURIComponent(owner.email.toUpperCase())}`)).toEqual([other.id, deploy.id]);
      expect(await ids(`ownerEmail=${encodeURIComponent(owner.email)}&search=DEPLOY`)).toEqual([deploy.id]);
      // % and _ are the name's own characters, not wildcards.
      expect(await ids(`ownerEmail=${encodeURIComponent(owner.email)}&search=${encodeURIComponent('100%_')}`)).toEqual([deploy.id]);
      expect(await ids(`ownerEmail=${encodeURIComponent(owner.email)}&search=${encodeURIComponent('0_b')}`)).toEqual([]);
      expect(await ids(`search=${deploy.key.slice(0, 8)}&userId=${owner.userId}`)).toEqual([deploy.id]);
      const nobody = await t.get('/api/admin/api-keys?ownerEmail=nobody%40example.com', admin.auth);
      expect([nobody.status, nobody.body.data, nobody.body.meta.total]).toEqual([200, [], 0]);
      expect(await ids(`ownerEmail=${encodeURIComponent(owner.email)}&userId=${admin.userId}`)).toEqual([]);
      for (const query of ['ownerEmail=not-an-email', `search=${'x'.repeat(101)}`]) {
        expect((await t.get(`/api/admin/api-keys?${query}`, admin.auth)).status).toBe(400);
      }
      expect((await t.get(`/api/admin/api-keys?ownerEmail=${encodeURIComponent(owner.email)}`, user.auth)).status).toBe(403);
    });

    it.each(['userId=abc', 'isActive=maybe', 'limit=0', 'email=x'])('rejects ?%s with 400', async (query) => {
      const res = await t.get(`/api/admin/api-keys?${query}`, admin.auth);
      expect(res.status).toBe(400);
    });

    it('deactivates any key at once (401 api_key_inactive) and reactivates it', async () => {
      const key = await t.createKey(user);
      const off = await t.put(`/api/admin/api-keys/${key.id}`, { isActive: false }, admin.auth);
      expect(off.status).toBe(200);
      expect(off.body.data).toMatchObject({ id: key.id, isActive: false, status: 'inactive' });
      const denied = await t.get('/api/auth/verify', key.auth);
      expect(denied.status).toBe(401);
      expect(denied.body.code).toBe('api_key_inactive');
      await t.put(`/api/admin/api-keys/${key.id}`, { isActive: true }, admin.auth);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
    });

    it('PUT validates its body and ids', async () => {
      const key = await t.createKey(user);
      expect((await t.put(`/api/admin/api-keys/${key.id}`, {}, admin.auth)).status).toBe(400);
      expect((await t.put(`/api/admin/api-keys/${key.id}`, { isActive: 'false' }, admin.auth)).status).toBe(400);
      expect((await t.put(`/api/admin/api-keys/${key.id}`, { isActive: false, name: 'x' }, admin.auth)).status).toBe(400);
      expect((await t.put('/api/admin/api-keys/not-a-uuid', { isActive: false }, admin.auth)).status).toBe(400);
      expect((await t.put(`/api/admin/api-keys/${MISSING}`, { isActive: false }, admin.auth)).status).toBe(404);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
    });

    it('deletes any key: it answers 401 invalid_api_key and is gone from the owner’s list', async () => {
      const key = await t.createKey(user);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      const res = await t.delete(`/api/admin/api-keys/${key.id}`, admin.auth);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, data: null, message: 'API key deleted' });
      const denied = await t.get('/api/auth/verify', key.auth);
      expect(denied.status).toBe(401);
      expect(denied.body.code).toBe('invalid_api_key');
      expect((await t.get(`/api/keys/${key.id}`, user.auth)).status).toBe(404);
      expect((await t.delete(`/api/admin/api-keys/${key.id}`, admin.auth)).status).toBe(404);
    });
  });

  describe('users', () => {
    it('lists users without password hashes, filterable by role', async () => {
      const res = await t.get('/api/admin/users?role=admin', admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.data.every((u: { role: string }) => u.role === 'admin')).toBe(true);
      expect(res.body.data.map((u: { email: string }) => u.email)).toContain(admin.email);
      const all = await t.get('/api/admin/users?limit=100', admin.auth);
      expect(all.body.meta.total).toBeGreaterThanOrEqual(2);
      expect(all.text).not.toMatch(/argon2|passwordHash|password_hash/);
      expect((await t.get('/api/admin/users?role=root', admin.auth)).status).toBe(400);
    });

    it('searches users by part of the email or the name, any case, with the other filters', async () => {
      const email = `Search-Me-${Date.now()}@example.com`;
      const registered = await t.post('/api/auth/register', { email, password: PASSWORD, name: 'Grace_Hopper' });
      expect(registered.status).toBe(201);
      const emails = async (query: string) =>
        (await t.get(`/api/admin/users?${query}`, admin.auth)).body.data.map((u: { email: string }) => u.email);
      expect(await emails(`search=${encodeURIComponent(email.slice(0, 14).toUpperCase())}`)).toEqual([email.toLowerCase()]);
      expect(await emails('search=grace_hop')).toEqual([email.toLowerCase()]);
      expect(await emails('search=grace_hop&role=admin')).toEqual([]);
      // % is literal, not a wildcard: no name contains "grace%".
      expect(await emails('search=grace%25')).toEqual([]);
      expect((await t.get(`/api/admin/users?search=${'x'.repeat(101)}`, admin.auth)).status).toBe(400);
      expect((await t.get('/api/admin/users?search=grace', user.auth)).status).toBe(403);
      expect((await t.get('/api/admin/users?search=grace')).status).toBe(401);
    });

    it('a role change applies on the next request, with the same token', async () => {
      const someone = await t.newUser('promoted');
      const key = await t.createKey(someone, { scopes: ['read:keys'] });
      expect((await t.get('/api/admin/users', someone.auth)).status).toBe(403);
      const promoted = await t.patch(`/api/admin/users/${someone.userId}`, { role: 'admin' }, admin.auth);
      expect(promoted.status).toBe(200);
      expect(promoted.body.data.role).toBe('admin');
      expect((await t.get('/api/admin/users', someone.auth)).status).toBe(200);

      await t.patch(`/api/admin/users/${someone.userId}`, { role: 'user' }, admin.auth);
      expect((await t.get('/api/admin/users', someone.auth)).status).toBe(403);
      expect((await t.get('/api/auth/verify', key.auth)).body.data.role).toBe('user');
    });

    it('demoting an admin narrows that admin’s keys at once', async () => {
      const other = await t.newUser('second-admin');
      await t.patch(`/api/admin/users/${other.userId}`, { role: 'admin' }, admin.auth);
      const key = await t.createKey(other);
      expect((await t.get('/api/auth/verify', key.auth)).body.data.scopes).toEqual(['admin:all']);
      expect((await t.get('/api/admin/users', key.auth)).status).toBe(200);
      await t.patch(`/api/admin/users/${other.userId}`, { role: 'user' }, admin.auth);
      // admin:all meant "all my owner may do": now that is what a user may do, and no more.
      const after = await t.get('/api/auth/verify', key.auth);
      expect(after.body.data.scopes.sort()).toEqual([...ROLE_SCOPES.user].sort());
      expect(after.body.data.scopes).not.toContain('admin:all');
      expect((await t.get('/api/admin/users', key.auth)).status).toBe(403);
      expect((await t.get('/api/admin/api-keys', key.auth)).status).toBe(403);
      expect((await t.get('/api/keys', key.auth)).status).toBe(200);
    });

    it('deactivation locks the user out at once: JWT, refresh token and keys', async () => {
      const victim = await t.newUser('victim');
      const key = await t.createKey(victim);
      expect((await t.get('/api/auth/verify', victim.auth)).status).toBe(200);

      const res = await t.patch(`/api/admin/users/${victim.userId}`, { isActive: false }, admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.data.isActive).toBe(false);

      const jwt = await t.get('/api/auth/verify', victim.auth);
      expect(jwt.status).toBe(401);
      const apiKey = await t.get('/api/auth/verify', key.auth);
      expect(apiKey.status).toBe(401);
      expect(apiKey.body.code).toBe('api_key_inactive');
      expect((await t.post('/api/auth/refresh', { refreshToken: victim.refreshToken })).status).toBe(401);
      expect((await t.post('/api/auth/login', { email: victim.email, password: PASSWORD })).status).toBe(401);

      await t.patch(`/api/admin/users/${victim.userId}`, { isActive: true }, admin.auth);
      expect((await t.get('/api/auth/verify', victim.auth)).status).toBe(200);
      expect((await t.get('/api/auth/verify', key.auth)).status).toBe(200);
      expect((await t.post('/api/auth/login', { email: victim.email, password: PASSWORD })).status).toBe(200);
    });

    it('never removes the last active admin (409) and changes nothing', async () => {
      const admins = (await t.get('/api/admin/users?role=admin&isActive=true&limit=100', admin.auth)).body.data;
      for (const other of admins.filter((u: { id: string }) => u.id !== admin.userId)) {
        await t.patch(`/api/admin/users/${other.id}`, { role: 'user' }, admin.auth);
      }
      for (const body of [{ role: 'user' }, { isActive: false }]) {
        const res = await t.patch(`/api/admin/users/${admin.userId}`, body, admin.auth);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('conflict');
      }
      expect((await t.get('/api/admin/users', admin.auth)).status).toBe(200);
    });

    it.each([
      [{}, 400],
      [{ role: 'superuser' }, 400],
      [{ isActive: 'yes' }, 400],
      [{ email: 'new@example.com' }, 400],
    ])('rejects %j with %i', async (body, status) => {
      const res = await t.patch(`/api/admin/users/${user.userId}`, body, admin.auth);
      expect(res.status).toBe(status);
      expect((await t.get('/api/auth/verify', user.auth)).body.data.role).toBe('user');
    });

    it('404 for an unknown user, 400 for a malformed id', async () => {
      expect((await t.patch(`/api/admin/users/${MISSING}`, { role: 'admin' }, admin.auth)).status).toBe(404);
      expect((await t.patch('/api/admin/users/42', { role: 'admin' }, admin.auth)).status).toBe(400);
    });
  });
});

describe('bootstrap admin (e2e)', () => {
  it('is idempotent across restarts and promotes an existing account without duplicating it', async () => {
    const t = await TestApp.start({ ARGUS_ADMIN_EMAIL: 'Boss@Example.com', ARGUS_ADMIN_PASSWORD: PASSWORD });
    try {
      const admin = await t.login('boss@example.com', PASSWORD);
      const users = await t.get('/api/admin/users?role=admin&limit=100', admin.auth);
      expect(users.body.data.filter((u: { email: string }) => u.email === 'boss@example.com')).toHaveLength(1);
      // A second start-up against the same database must change nothing.
      const auth = t.app.get(AuthService);
      await auth.ensureBootstrapAdmin('boss@example.com', 'a-different-password');
      expect((await t.get('/api/admin/users?role=admin&limit=100', admin.auth)).body.meta.total).toBe(users.body.meta.total);
      expect((await t.post('/api/auth/login', { email: 'boss@example.com', password: PASSWORD })).status).toBe(200);

      const regular = await t.newUser('to-promote');
      await auth.ensureBootstrapAdmin(regular.email, 'ignored-password-123');
      expect((await t.get('/api/auth/verify', regular.auth)).body.data.role).toBe('admin');
    } finally {
      await t.close();
    }
  });
});
