import { randomUUID } from 'node:crypto';
import { CreatedKey, Session, TestApp, TestResponse } from '../support/test-app';

/**
 * Organisations, members and projects: every route × (no credential, wrong scope, right scope,
 * wrong organisation), the roles inside an organisation, and the boundaries of bound keys.
 */
describe('organizations and projects (e2e)', () => {
  let t: TestApp;
  let alice: Session; // owner of every fixture organisation
  let bob: Session; // member of every fixture organisation
  let carol: Session; // owner of an organisation of her own, stranger to alice's
  let dave: Session; // belongs to nothing; gets added
  let aliceReadKeys: CreatedKey; // alice's key holding only read:keys

  interface Fixture {
    organizationId: string;
    projectId: string;
    otherProjectId: string;
    /** A key bob (a member) bound to the organisation. */
    memberKey: CreatedKey;
  }

  const expectError = (res: TestResponse, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(res.body.success).toBe(false);
  };

  async function createOrganization(session: { auth: Record<string, string> }, name = 'Acme'): Promise<string> {
    const res = await t.post('/api/v1/organizations', { name }, session.auth);
    if (res.status !== 201) throw new Error(`create organization: ${res.status} ${res.text}`);
    return res.body.data.id;
  }

  async function createProject(session: { auth: Record<string, string> }, organizationId: string, name: string): Promise<string> {
    const res = await t.post('/api/v1/projects', { organizationId, name }, session.auth);
    if (res.status !== 201) throw new Error(`create project: ${res.status} ${res.text}`);
    return res.body.data.id;
  }

  async function addMember(organizationId: string, userId: string, role: string, by: Session = alice): Promise<void> {
    const res = await t.post(`/api/v1/organizations/${organizationId}/members`, { userId, role }, by.auth);
    if (res.status !== 201) throw new Error(`add member: ${res.status} ${res.text}`);
  }

  /** A fresh organisation of alice's, with bob as member and two projects. */
  async function fixture(): Promise<Fixture> {
    const organizationId = await createOrganization(alice);
    await addMember(organizationId, bob.userId, 'member');
    return {
      memberKey: await t.createKey(bob, { name: 'bob in org', organizationId, scopes: ['read:projects'] }),
      organizationId,
      projectId: await createProject(alice, organizationId, `project-${randomUUID().slice(0, 8)}`),
      otherProjectId: await createProject(alice, organizationId, `other-${randomUUID().slice(0, 8)}`),
    };
  }

  beforeAll(async () => {
    t = await TestApp.start();
    [alice, bob, carol, dave] = await Promise.all([t.newUser('alice'), t.newUser('bob'), t.newUser('carol'), t.newUser('dave')]);
    aliceReadKeys = await t.createKey(alice, { name: 'read keys only', scopes: ['read:keys'] });
    await createOrganization(carol, 'Carol Co');
  });
  afterAll(() => t.close());

  interface RouteCase {
    route: string;
    scope: string;
    status: number;
    /** Who makes the "right scope" call (default alice). */
    as?: () => Session;
    request(f: Fixture): { method: string; url: string; body?: unknown };
  }

  const ROUTES: RouteCase[] = [
    {
      route: 'GET /api/v1/organizations/:id',
      scope: 'read:organizations',
      status: 200,
      request: (f) => ({ method: 'GET', url: `/api/v1/organizations/${f.organizationId}` }),
    },
    {
      route: 'PATCH /api/v1/organizations/:id',
      scope: 'write:organizations',
      status: 200,
      request: (f) => ({ method: 'PATCH', url: `/api/v1/organizations/${f.organizationId}`, body: { name: 'Renamed' } }),
    },
    {
      route: 'DELETE /api/v1/organizations/:id',
      scope: 'delete:organizations',
      status: 200,
      request: (f) => ({ method: 'DELETE', url: `/api/v1/organizations/${f.organizationId}` }),
    },
    {
      route: 'GET /api/v1/organizations/:id/members',
      scope: 'read:organizations',
      status: 200,
      request: (f) => ({ method: 'GET', url: `/api/v1/organizations/${f.organizationId}/members` }),
    },
    {
      route: 'POST /api/v1/organizations/:id/members',
      scope: 'write:organizations',
      status: 201,
      request: (f) => ({
        method: 'POST',
        url: `/api/v1/organizations/${f.organizationId}/members`,
        body: { userId: dave.userId, role: 'member' },
      }),
    },
    {
      route: 'PATCH /api/v1/organizations/:id/members/:userId',
      scope: 'write:organizations',
      status: 200,
      request: (f) => ({
        method: 'PATCH',
        url: `/api/v1/organizations/${f.organizationId}/members/${bob.userId}`,
        body: { role: 'admin' },
      }),
    },
    {
      route: 'DELETE /api/v1/organizations/:id/members/:userId',
      scope: 'write:organizations',
      status: 200,
      request: (f) => ({ method: 'DELETE', url: `/api/v1/organizations/${f.organizationId}/members/${bob.userId}` }),
    },
    {
      route: 'POST /api/v1/organizations/:id/leave',
      scope: 'read:organizations',
      status: 200,
      as: () => bob,
      request: (f) => ({ method: 'POST', url: `/api/v1/organizations/${f.organizationId}/leave` }),
    },
    {
      route: 'GET /api/v1/organizations/:id/keys',
      scope: 'admin:keys',
      status: 200,
      request: (f) => ({ method: 'GET', url: `/api/v1/organizations/${f.organizationId}/keys` }),
    },
    {
      route: 'DELETE /api/v1/organizations/:id/keys/:keyId',
      scope: 'admin:keys',
      status: 200,
      request: (f) => ({ method: 'DELETE', url: `/api/v1/organizations/${f.organizationId}/keys/${f.memberKey.id}` }),
    },
    {
      route: 'POST /api/v1/projects',
      scope: 'write:projects',
      status: 201,
      request: (f) => ({ method: 'POST', url: '/api/v1/projects', body: { organizationId: f.organizationId, name: 'fresh' } }),
    },
    {
      route: 'GET /api/v1/projects?organizationId',
      scope: 'read:projects',
      status: 200,
      request: (f) => ({ method: 'GET', url: `/api/v1/projects?organizationId=${f.organizationId}` }),
    },
    {
      route: 'GET /api/v1/projects/:id',
      scope: 'read:projects',
      status: 200,
      request: (f) => ({ method: 'GET', url: `/api/v1/projects/${f.projectId}` }),
    },
    {
      route: 'PATCH /api/v1/projects/:id',
      scope: 'write:projects',
      status: 200,
      request: (f) => ({ method: 'PATCH', url: `/api/v1/projects/${f.projectId}`, body: { description: 'the billing API' } }),
    },
    {
      route: 'DELETE /api/v1/projects/:id',
      scope: 'delete:projects',
      status: 200,
      request: (f) => ({ method: 'DELETE', url: `/api/v1/projects/${f.projectId}` }),
    },
    {
      route: 'POST /api/keys (bound to a project)',
      scope: 'write:keys',
      status: 201,
      request: (f) => ({ method: 'POST', url: '/api/keys', body: { name: 'bound', projectId: f.projectId } }),
    },
  ];

  const call = (request: { method: string; url: string; body?: unknown }, headers?: Record<string, string>) =>
    t.request(request.method, request.url, { headers, ...(request.body !== undefined ? { body: request.body } : {}) });

  describe.each(ROUTES.map((route) => [route.route, route] as const))('%s', (_name, route) => {
    it('answers 401 without a credential', async () => {
      const res = await call(route.request(await fixture()));
      expectError(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBeDefined();
    });

    it(`answers 403 insufficient_scope naming ${route.scope} to a key without it`, async () => {
      const res = await call(route.request(await fixture()), aliceReadKeys.auth);
      expectError(res, 403, 'insufficient_scope');
      expect(res.body.error).toContain(route.scope);
    });

    it('answers 404 to a user outside the organization, and changes nothing', async () => {
      const f = await fixture();
      const res = await call(route.request(f), carol.auth);
      expectError(res, 404, 'not_found');
      expect((await t.get(`/api/v1/organizations/${f.organizationId}/members`, alice.auth)).body.meta.total).toBe(2);
      expect((await t.get(`/api/v1/projects?organizationId=${f.organizationId}`, alice.auth)).body.meta.total).toBe(2);
    });

    it(`answers ${route.status} with the right scope`, async () => {
      const caller = route.as?.() ?? alice;
      const res = await call(route.request(await fixture()), caller.auth);
      expect({ status: res.status, body: res.body.success }).toEqual({ status: route.status, body: true });
    });
  });

  // Routes outside any one organisation: the boundary case is what a caller sees (or may create).
  describe.each([
    ['POST /api/v1/organizations', 'POST', '/api/v1/organizations', { name: 'Mine' }, 'write:organizations', 201],
    ['GET /api/v1/organizations', 'GET', '/api/v1/organizations', undefined, 'read:organizations', 200],
    ['GET /api/v1/projects', 'GET', '/api/v1/projects', undefined, 'read:projects', 200],
  ] as const)('%s', (_name, method, url, body, scope, status) => {
    const request = { method, url, ...(body ? { body } : {}) };

    it('answers 401 without a credential', async () => {
      expectError(await call(request), 401, 'unauthorized');
    });

    it(`answers 403 insufficient_scope naming ${scope} to a key without it`, async () => {
      const res = await call(request, aliceReadKeys.auth);
      expectError(res, 403, 'insufficient_scope');
      expect(res.body.error).toContain(scope);
    });

    it(`answers ${status} with the right scope, showing nothing of other organizations`, async () => {
      const f = await fixture();
      const res = await call(request, carol.auth);
      expect(res.status).toBe(status);
      expect(res.text).not.toContain(f.organizationId);
      expect(res.text).not.toContain(f.projectId);
    });
  });

  describe('organizations', () => {
    it('makes the creator its owner and lists only the organizations one belongs to', async () => {
      const f = await fixture();
      const created = await t.get(`/api/v1/organizations/${f.organizationId}`, alice.auth);
      expect(created.body.data).toEqual({
        id: f.organizationId,
        name: 'Acme',
        role: 'owner',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const bobs = await t.get('/api/v1/organizations?limit=100', bob.auth);
      expect(bobs.body.data.find((o: { id: string }) => o.id === f.organizationId)).toMatchObject({ role: 'member' });
      const erin = await t.newUser('erin');
      await createOrganization(erin, 'Erin Co');
      const erins = await t.get('/api/v1/organizations?limit=100', erin.auth);
      expect(erins.body.data.map((o: { name: string }) => o.name)).toEqual(['Erin Co']);
      expect(erins.body.meta).toEqual({ page: 1, limit: 100, total: 1 });
    });

    it('sorts by an allowlisted field and paginates; anything else is a 400', async () => {
      const zed = await t.newUser('sorter');
      for (const name of ['beta', 'alpha', 'gamma']) await createOrganization(zed, name);
      const ascending = await t.get('/api/v1/organizations?sort=name', zed.auth);
      expect(ascending.body.data.map((o: { name: string }) => o.name)).toEqual(['alpha', 'beta', 'gamma']);
      const descending = await t.get('/api/v1/organizations?sort=-name&limit=2&page=1', zed.auth);
      expect(descending.body.data.map((o: { name: string }) => o.name)).toEqual(['gamma', 'beta']);
      expect(descending.body.meta).toEqual({ page: 1, limit: 2, total: 3 });
      const page2 = await t.get('/api/v1/organizations?sort=-name&limit=2&page=2', zed.auth);
      expect(page2.body.data.map((o: { name: string }) => o.name)).toEqual(['alpha']);
      for (const bad of ['sort=id;drop', 'sort=passwordHash', 'sort=', 'limit=101', 'page=0']) {
        expectError(await t.get(`/api/v1/organizations?${bad}`, zed.auth), 400, 'validation_failed');
      }
    });

    it('validates input: name length, unknown fields, malformed and unknown ids', async () => {
      expectError(await t.post('/api/v1/organizations', { name: '' }, alice.auth), 400, 'validation_failed');
      expectError(await t.post('/api/v1/organizations', { name: 'x'.repeat(101) }, alice.auth), 400, 'validation_failed');
      expectError(await t.post('/api/v1/organizations', { name: 'ok', owner: carol.userId }, alice.auth), 400, 'validation_failed');
      expectError(await t.get('/api/v1/organizations/not-a-uuid', alice.auth), 400, 'validation_failed');
      expectError(await t.get(`/api/v1/organizations/${randomUUID()}`, alice.auth), 404, 'not_found');
      const f = await fixture();
      expectError(
        await t.patch(`/api/v1/organizations/${f.organizationId}`, { name: 'x'.repeat(101) }, alice.auth),
        400,
        'validation_failed',
      );
      expect((await t.get(`/api/v1/organizations/${f.organizationId}`, alice.auth)).body.data.name).toBe('Acme');
    });

    it('lets a platform admin act as an owner of every organization', async () => {
      const admin = await t.admin();
      const f = await fixture();
      const res = await t.get(`/api/v1/organizations/${f.organizationId}`, admin.auth);
      expect(res.body.data).toMatchObject({ id: f.organizationId, role: 'owner' });
      const all = await t.get('/api/v1/organizations?limit=100', admin.auth);
      expect(all.body.data.map((o: { id: string }) => o.id)).toContain(f.organizationId);
      expect((await t.get(`/api/v1/projects/${f.projectId}`, admin.auth)).status).toBe(200);
    });

    it('records organization and membership events in the audit trail', async () => {
      const admin = await t.admin();
      const f = await fixture();
      const res = await t.get(`/api/admin/audit-events?targetId=${f.organizationId}&limit=100`, admin.auth);
      const actions = res.body.data.map((e: { action: string }) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['organization.created', 'organization.member_added']));
      expect(res.text).not.toMatch(/argus_[0-9A-Za-z]{43}/);
    });

    it('deleting an organization deletes its projects and makes its keys unknown', async () => {
      const f = await fixture();
      const key = await t.createKey(alice, { organizationId: f.organizationId, scopes: ['read:projects'] });
      expect((await t.get(`/api/v1/projects/${f.projectId}`, key.auth)).status).toBe(200);
      expect((await t.delete(`/api/v1/organizations/${f.organizationId}`, alice.auth)).status).toBe(200);
      expectError(await t.get('/api/auth/verify', key.auth), 401, 'invalid_api_key');
      expectError(await t.get(`/api/v1/projects/${f.projectId}`, alice.auth), 404, 'not_found');
    });
  });

  describe('roles inside an organization', () => {
    it('a member reads but cannot write projects or manage the organization (403 naming the scope)', async () => {
      const f = await fixture();
      expect((await t.get(`/api/v1/projects/${f.projectId}`, bob.auth)).status).toBe(200);
      const write = await t.patch(`/api/v1/projects/${f.projectId}`, { name: 'mine' }, bob.auth);
      expectError(write, 403, 'insufficient_scope');
      expect(write.body.error).toContain('write:projects');
      expectError(await t.post('/api/v1/projects', { organizationId: f.organizationId, name: 'x' }, bob.auth), 403, 'insufficient_scope');
      expectError(await t.delete(`/api/v1/projects/${f.projectId}`, bob.auth), 403, 'insufficient_scope');
      expectError(await t.patch(`/api/v1/organizations/${f.organizationId}`, { name: 'x' }, bob.auth), 403, 'insufficient_scope');
      expectError(
        await t.post(`/api/v1/organizations/${f.organizationId}/members`, { userId: dave.userId, role: 'member' }, bob.auth),
        403,
        'insufficient_scope',
      );
      expect((await t.get(`/api/v1/projects/${f.projectId}`, alice.auth)).body.data.name).not.toBe('mine');
    });

    it('an admin manages projects and members but cannot delete the organization or touch owners', async () => {
      const f = await fixture();
      await t.patch(`/api/v1/organizations/${f.organizationId}/members/${bob.userId}`, { role: 'admin' }, alice.auth);
      expect((await t.patch(`/api/v1/projects/${f.projectId}`, { name: 'by-admin' }, bob.auth)).status).toBe(200);
      expect(
        (await t.post(`/api/v1/organizations/${f.organizationId}/members`, { userId: dave.userId, role: 'admin' }, bob.auth)).status,
      ).toBe(201);
      expectError(await t.delete(`/api/v1/organizations/${f.organizationId}`, bob.auth), 403, 'insufficient_scope');
      expectError(
        await t.patch(`/api/v1/organizations/${f.organizationId}/members/${dave.userId}`, { role: 'owner' }, bob.auth),
        403,
        'forbidden',
      );
      expectError(
        await t.patch(`/api/v1/organizations/${f.organizationId}/members/${alice.userId}`, { role: 'member' }, bob.auth),
        403,
        'forbidden',
      );
      expectError(await t.delete(`/api/v1/organizations/${f.organizationId}/members/${alice.userId}`, bob.auth), 403, 'forbidden');
      const members = await t.get(`/api/v1/organizations/${f.organizationId}/members`, alice.auth);
      expect(members.body.data.find((m: { userId: string }) => m.userId === alice.userId).role).toBe('owner');
    });

    it('an organization always keeps an owner', async () => {
      const f = await fixture();
      const base = `/api/v1/organizations/${f.organizationId}`;
      expectError(await t.patch(`${base}/members/${alice.userId}`, { role: 'admin' }, alice.auth), 409, 'conflict');
      expectError(await t.post(`${base}/leave`, {}, alice.auth), 409, 'conflict');
      expectError(await t.delete(`${base}/members/${alice.userId}`, alice.auth), 409, 'conflict');
      await t.patch(`${base}/members/${bob.userId}`, { role: 'owner' }, alice.auth);
      expect((await t.post(`${base}/leave`, {}, alice.auth)).status).toBe(200);
      expectError(await t.get(base, alice.auth), 404, 'not_found');
      expect((await t.get(base, bob.auth)).body.data.role).toBe('owner');
    });

    it('refuses to add a member twice, an unknown user, or an unknown role', async () => {
      const f = await fixture();
      const base = `/api/v1/organizations/${f.organizationId}/members`;
      expectError(await t.post(base, { userId: bob.userId, role: 'member' }, alice.auth), 409, 'conflict');
      expectError(await t.post(base, { userId: randomUUID(), role: 'member' }, alice.auth), 404, 'not_found');
      expectError(await t.post(base, { userId: dave.userId, role: 'root' }, alice.auth), 400, 'validation_failed');
      expectError(await t.post(base, { email: dave.email, role: 'member' }, alice.auth), 400, 'validation_failed');
      expectError(await t.patch(`${base}/${randomUUID()}`, { role: 'admin' }, alice.auth), 404, 'not_found');
      expectError(await t.patch(`${base}/nope`, { role: 'admin' }, alice.auth), 400, 'validation_failed');
      expect((await t.get(base, alice.auth)).body.meta.total).toBe(2);
    });
  });

  describe('organization-wide key management', () => {
    it('owners and admins list every key bound to the organization, with its owner; members may not', async () => {
      const f = await fixture();
      const projectKey = await t.createKey(alice, { projectId: f.projectId, scopes: ['read:projects'] });
      const bobUnbound = await t.createKey(bob, { name: 'bob unbound' });
      const list = await t.get(`/api/v1/organizations/${f.organizationId}/keys`, alice.auth);
      expect(list.body.meta.total).toBe(2);
      const byId = Object.fromEntries(list.body.data.map((k: { id: string }) => [k.id, k]));
      expect(byId[f.memberKey.id]).toMatchObject({ userId: bob.userId, owner: { id: bob.userId, email: bob.email } });
      expect(byId[projectKey.id]).toMatchObject({ projectId: f.projectId, userId: alice.userId });
      expect(byId[bobUnbound.id]).toBeUndefined();
      expect(list.text).not.toMatch(/argus_[0-9A-Za-z]{43}|keyHash/);
      const onlyProject = await t.get(`/api/v1/organizations/${f.organizationId}/keys?projectId=${f.projectId}`, alice.auth);
      expect(onlyProject.body.data.map((k: { id: string }) => k.id)).toEqual([projectKey.id]);

      const denied = await t.get(`/api/v1/organizations/${f.organizationId}/keys`, bob.auth);
      expectError(denied, 403, 'insufficient_scope');
      expect(denied.body.error).toContain('admin:keys');
    });

    it('an admin revokes a member’s key bound there, with its children, audited with the admin as actor', async () => {
      const f = await fixture();
      await addMember(f.organizationId, dave.userId, 'admin');
      const parent = await t.createKey(bob, { organizationId: f.organizationId, scopes: ['write:keys', 'read:projects'] });
      const child = await t.post('/api/keys', { name: 'child', scopes: ['read:projects'] }, parent.auth);
      const res = await t.delete(`/api/v1/organizations/${f.organizationId}/keys/${parent.id}`, dave.auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: parent.id, status: 'revoked', userId: bob.userId });
      expectError(await t.get('/api/auth/verify', parent.auth), 401, 'api_key_revoked');
      expectError(await t.get('/api/auth/verify', { 'x-api-key': child.body.data.key }), 401, 'api_key_revoked');
      const events = await t.get(`/api/keys/${parent.id}/events`, bob.auth);
      expect(events.body.data[0]).toMatchObject({ action: 'key.revoked', actorId: dave.userId });
    });

    it('a key bound elsewhere, or unbound, is a 404 there, and stays live', async () => {
      const f = await fixture();
      const other = await fixture();
      const bobUnbound = await t.createKey(bob, { name: 'bob unbound' });
      for (const keyId of [other.memberKey.id, bobUnbound.id, randomUUID()]) {
        expectError(await t.delete(`/api/v1/organizations/${f.organizationId}/keys/${keyId}`, alice.auth), 404, 'not_found');
      }
      expectError(await t.delete(`/api/v1/organizations/${f.organizationId}/keys/nope`, alice.auth), 400, 'validation_failed');
      expect((await t.get('/api/auth/verify', other.memberKey.auth)).status).toBe(200);
      expect((await t.get('/api/auth/verify', bobUnbound.auth)).status).toBe(200);
    });
  });

  describe('projects', () => {
    it('creates, lists, sorts, updates and refuses duplicate names', async () => {
      const f = await fixture();
      const res = await t.post('/api/v1/projects', { organizationId: f.organizationId, name: 'api', description: 'the API' }, alice.auth);
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual({
        id: expect.any(String),
        organizationId: f.organizationId,
        name: 'api',
        description: 'the API',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expectError(await t.post('/api/v1/projects', { organizationId: f.organizationId, name: 'api' }, alice.auth), 409, 'conflict');
      const list = await t.get(`/api/v1/projects?organizationId=${f.organizationId}&sort=-createdAt`, alice.auth);
      expect(list.body.data[0].name).toBe('api');
      expect(list.body.meta.total).toBe(3);
      expectError(await t.get(`/api/v1/projects?sort=organizationId`, alice.auth), 400, 'validation_failed');
      const cleared = await t.patch(`/api/v1/projects/${res.body.data.id}`, { description: null }, alice.auth);
      expect(cleared.body.data.description).toBeNull();
    });

    it('validates the organization of a new project before anything else', async () => {
      expectError(await t.post('/api/v1/projects', { name: 'orphan' }, alice.auth), 400, 'validation_failed');
      expectError(await t.post('/api/v1/projects', { organizationId: 'nope', name: 'x' }, alice.auth), 400, 'validation_failed');
      expectError(await t.post('/api/v1/projects', { organizationId: randomUUID(), name: 'x' }, alice.auth), 404, 'not_found');
    });

    it('lists across every organization the caller belongs to, and nothing else', async () => {
      const f = await fixture();
      const carolOrg = await createOrganization(carol, 'Carol Labs');
      const carolProject = await createProject(carol, carolOrg, 'secret');
      const bobs = await t.get('/api/v1/projects?limit=100&sort=-createdAt', bob.auth);
      const ids = bobs.body.data.map((p: { id: string }) => p.id);
      expect(ids).toEqual(expect.arrayContaining([f.projectId, f.otherProjectId]));
      expect(ids).not.toContain(carolProject);
      expectError(await t.get(`/api/v1/projects?organizationId=${carolOrg}`, bob.auth), 404, 'not_found');
    });
  });

  describe('bound keys', () => {
    it('a project key reaches its project only: another project, the organization, other organizations are 404', async () => {
      const f = await fixture();
      const key = await t.createKey(alice, { projectId: f.projectId, scopes: ['read:projects', 'read:organizations'] });
      const created = await t.get('/api/keys?limit=100', alice.auth);
      expect(created.body.data.find((k: { id: string }) => k.id === key.id)).toMatchObject({
        organizationId: f.organizationId,
        projectId: f.projectId,
      });
      expect((await t.get(`/api/v1/projects/${f.projectId}`, key.auth)).status).toBe(200);
      expect((await t.get('/api/auth/verify', key.auth)).body.data).toMatchObject({
        keyId: key.id,
        organizationId: f.organizationId,
        projectId: f.projectId,
      });
      expectError(await t.get(`/api/v1/projects/${f.otherProjectId}`, key.auth), 404, 'not_found');
      expectError(await t.get(`/api/v1/organizations/${f.organizationId}`, key.auth), 404, 'not_found');
      const list = await t.get('/api/v1/projects', key.auth);
      expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([f.projectId]);
      expect((await t.get('/api/v1/organizations', key.auth)).body.data).toEqual([]);
    });

    it('an organization key reaches its organization and projects, nothing outside', async () => {
      const f = await fixture();
      const other = await fixture();
      const key = await t.createKey(alice, { organizationId: f.organizationId, scopes: ['read:projects', 'read:organizations'] });
      expect((await t.get(`/api/v1/organizations/${f.organizationId}`, key.auth)).status).toBe(200);
      expect((await t.get(`/api/v1/projects/${f.otherProjectId}`, key.auth)).status).toBe(200);
      expectError(await t.get(`/api/v1/organizations/${other.organizationId}`, key.auth), 404, 'not_found');
      expectError(await t.get(`/api/v1/projects/${other.projectId}`, key.auth), 404, 'not_found');
      const orgs = await t.get('/api/v1/organizations', key.auth);
      expect(orgs.body.data.map((o: { id: string }) => o.id)).toEqual([f.organizationId]);
    });

    it('a bound key cannot create organizations or see keys outside its boundary', async () => {
      const f = await fixture();
      const unbound = await t.createKey(alice, { name: 'unbound' });
      const key = await t.createKey(alice, { organizationId: f.organizationId, scopes: ['write:organizations', 'read:keys'] });
      expectError(await t.post('/api/v1/organizations', { name: 'escape' }, key.auth), 403, 'forbidden');
      const keys = await t.get('/api/keys?limit=100', key.auth);
      const ids = keys.body.data.map((k: { id: string }) => k.id);
      expect(ids).toContain(key.id);
      expect(ids).not.toContain(unbound.id);
      expectError(await t.get(`/api/keys/${unbound.id}`, key.auth), 404, 'not_found');
    });

    it('GET /api/keys filters by organization or project, never past the caller’s boundary', async () => {
      const f = await fixture();
      const orgKey = await t.createKey(alice, { organizationId: f.organizationId, scopes: ['read:keys'] });
      const projectKey = await t.createKey(alice, { projectId: f.projectId, scopes: ['read:keys'] });
      const otherKey = await t.createKey(alice, { projectId: f.otherProjectId, scopes: ['read:keys'] });
      const ids = async (query: string, auth = alice.auth) =>
        (await t.get(`/api/keys?limit=100&${query}`, auth)).body.data.map((k: { id: string }) => k.id).sort();
      expect(await ids(`organizationId=${f.organizationId}`)).toEqual([orgKey.id, projectKey.id, otherKey.id].sort());
      expect(await ids(`projectId=${f.projectId}`)).toEqual([projectKey.id]);
      expect(await ids(`projectId=${f.otherProjectId}`, projectKey.auth)).toEqual([]);
      expect(await ids(`organizationId=${f.organizationId}`, projectKey.auth)).toEqual([projectKey.id]);
      expect((await t.get('/api/keys?projectId=nope', alice.auth)).status).toBe(400);
    });

    it('binding needs membership: a stranger’s organization or project is 404, and nothing is created', async () => {
      const f = await fixture();
      const before = (await t.get('/api/keys', carol.auth)).body.meta.total;
      expectError(await t.post('/api/keys', { name: 'x', organizationId: f.organizationId }, carol.auth), 404, 'not_found');
      expectError(await t.post('/api/keys', { name: 'x', projectId: f.projectId }, carol.auth), 404, 'not_found');
      expectError(await t.post('/api/keys', { name: 'x', projectId: randomUUID() }, carol.auth), 404, 'not_found');
      expectError(await t.post('/api/keys', { name: 'x', projectId: 'nope' }, carol.auth), 400, 'validation_failed');
      expect((await t.get('/api/keys', carol.auth)).body.meta.total).toBe(before);
    });

    it('a project of another organization than the one named is a 400', async () => {
      const f = await fixture();
      const other = await fixture();
      const res = await t.post('/api/keys', { name: 'x', organizationId: other.organizationId, projectId: f.projectId }, alice.auth);
      expectError(res, 400, 'validation_failed');
    });

    it('a member cannot grant a scope their role lacks; omitted scopes default to the role’s', async () => {
      const f = await fixture();
      const denied = await t.post('/api/keys', { name: 'x', organizationId: f.organizationId, scopes: ['write:projects'] }, bob.auth);
      expectError(denied, 403, 'insufficient_scope');
      expect(denied.body.error).toContain('write:projects');
      const key = await t.post('/api/keys', { name: 'defaults', organizationId: f.organizationId }, bob.auth);
      expect(key.status).toBe(201);
      expect(key.body.data.scopes.sort()).toEqual([
        'delete:keys',
        'execute:keys',
        'read:keys',
        'read:organizations',
        'read:projects',
        'write:keys',
      ]);
    });

    it('demoting a member narrows their bound keys on the next request; removing them empties the keys', async () => {
      const f = await fixture();
      await t.patch(`/api/v1/organizations/${f.organizationId}/members/${bob.userId}`, { role: 'admin' }, alice.auth);
      const key = await t.createKey(bob, { organizationId: f.organizationId, scopes: ['read:projects', 'write:projects'] });
      expect((await t.patch(`/api/v1/projects/${f.projectId}`, { name: 'while-admin' }, key.auth)).status).toBe(200);

      await t.patch(`/api/v1/organizations/${f.organizationId}/members/${bob.userId}`, { role: 'member' }, alice.auth);
      const denied = await t.patch(`/api/v1/projects/${f.projectId}`, { name: 'after-demotion' }, key.auth);
      expectError(denied, 403, 'insufficient_scope');
      expect((await t.get('/api/auth/verify', key.auth)).body.data.scopes).toEqual(['read:projects']);
      expect((await t.get(`/api/v1/projects/${f.projectId}`, key.auth)).body.data.name).toBe('while-admin');

      await t.delete(`/api/v1/organizations/${f.organizationId}/members/${bob.userId}`, alice.auth);
      expect((await t.get('/api/auth/verify', key.auth)).body.data.scopes).toEqual([]);
      expectError(await t.get(`/api/v1/projects/${f.projectId}`, key.auth), 403, 'insufficient_scope');
    });

    it('deleting a project makes its keys unknown', async () => {
      const f = await fixture();
      const key = await t.createKey(alice, { projectId: f.projectId, scopes: ['read:projects'] });
      const sibling = await t.createKey(alice, { projectId: f.otherProjectId, scopes: ['read:projects'] });
      expect((await t.delete(`/api/v1/projects/${f.projectId}`, alice.auth)).status).toBe(200);
      expectError(await t.get('/api/auth/verify', key.auth), 401, 'invalid_api_key');
      expect((await t.get('/api/auth/verify', sibling.auth)).status).toBe(200);
    });
  });

  describe('delegation', () => {
    async function organizationKey(f: Fixture, body: Record<string, unknown> = {}): Promise<CreatedKey> {
      return t.createKey(alice, {
        name: 'org parent',
        organizationId: f.organizationId,
        scopes: ['write:keys', 'read:keys', 'read:projects'],
        ...body,
      });
    }

    it('an organization key mints narrower keys for the organization or one of its projects', async () => {
      const f = await fixture();
      const parent = await organizationKey(f);
      const child = await t.post('/api/keys', { name: 'child', scopes: ['read:projects'] }, parent.auth);
      expect(child.status).toBe(201);
      expect(child.body.data).toMatchObject({
        organizationId: f.organizationId,
        projectId: null,
        parentKeyId: parent.id,
        scopes: ['read:projects'],
      });
      const projectChild = await t.post(
        '/api/keys',
        { name: 'project child', projectId: f.projectId, scopes: ['read:projects'] },
        parent.auth,
      );
      expect(projectChild.body.data).toMatchObject({ organizationId: f.organizationId, projectId: f.projectId, parentKeyId: parent.id });
      const defaults = await t.post('/api/keys', { name: 'defaults' }, parent.auth);
      expect(defaults.body.data.scopes.sort()).toEqual(['read:keys', 'read:projects', 'write:keys']);
    });

    it('delegation cannot escalate: wider scopes, other organizations, or a later expiry are refused', async () => {
      const f = await fixture();
      const other = await fixture();
      const expiresAt = new Date(t.clock.now() + 3_600_000).toISOString();
      const parent = await organizationKey(f, { expiresAt });
      for (const scopes of [['write:projects'], ['read:*'], ['admin:all'], ['delete:keys']]) {
        const res = await t.post('/api/keys', { name: 'wider', scopes }, parent.auth);
        expectError(res, 403, 'insufficient_scope');
      }
      expectError(await t.post('/api/keys', { name: 'out', organizationId: other.organizationId }, parent.auth), 404, 'not_found');
      expectError(await t.post('/api/keys', { name: 'out', projectId: other.projectId }, parent.auth), 404, 'not_found');
      const later = new Date(t.clock.now() + 7_200_000).toISOString();
      expectError(await t.post('/api/keys', { name: 'later', expiresAt: later }, parent.auth), 400, 'validation_failed');
      const inherited = await t.post('/api/keys', { name: 'inherits expiry', scopes: ['read:keys'] }, parent.auth);
      expect(inherited.body.data.expiresAt).toBe(expiresAt);

      const projectKey = await t.createKey(alice, { projectId: f.projectId, scopes: ['write:keys', 'read:projects'] });
      expectError(await t.post('/api/keys', { name: 'sideways', projectId: f.otherProjectId }, projectKey.auth), 404, 'not_found');
      expectError(await t.post('/api/keys', { name: 'upwards', organizationId: f.organizationId }, projectKey.auth), 404, 'not_found');
      const down = await t.post('/api/keys', { name: 'same project', scopes: ['read:projects'] }, projectKey.auth);
      expect(down.body.data).toMatchObject({ projectId: f.projectId, parentKeyId: projectKey.id });
    });

    it('revoking a parent revokes its children and grandchildren at once, each audited', async () => {
      const f = await fixture();
      const parent = await organizationKey(f);
      const child = await t.post('/api/keys', { name: 'child', scopes: ['write:keys', 'read:projects'] }, parent.auth);
      const childAuth = { 'x-api-key': child.body.data.key };
      const grandchild = await t.post('/api/keys', { name: 'grandchild', scopes: ['read:projects'] }, childAuth);
      const grandchildAuth = { 'x-api-key': grandchild.body.data.key };
      const unrelated = await organizationKey(f);
      expect((await t.get(`/api/v1/projects/${f.projectId}`, grandchildAuth)).status).toBe(200);

      expect((await t.delete(`/api/keys/${parent.id}`, alice.auth)).status).toBe(200);
      expectError(await t.get('/api/auth/verify', parent.auth), 401, 'api_key_revoked');
      expectError(await t.get('/api/auth/verify', childAuth), 401, 'api_key_revoked');
      expectError(await t.get('/api/auth/verify', grandchildAuth), 401, 'api_key_revoked');
      expect((await t.get('/api/auth/verify', unrelated.auth)).status).toBe(200);

      const events = await t.get(`/api/keys/${grandchild.body.data.id}/events`, alice.auth);
      expect(events.body.data[0]).toMatchObject({ action: 'key.revoked', changes: { revokedWithParent: { from: null, to: parent.id } } });
    });

    it('a rotated parent hands its children to the successor, so revoking the successor still reaches them', async () => {
      const f = await fixture();
      const parent = await organizationKey(f);
      const child = await t.post('/api/keys', { name: 'child', scopes: ['read:projects'] }, parent.auth);
      const rotated = await t.post(`/api/keys/${parent.id}/rotate`, { gracePeriodSeconds: 0 }, alice.auth);
      expect(rotated.status).toBe(201);
      expect(rotated.body.data).toMatchObject({ organizationId: f.organizationId, scopes: ['write:keys', 'read:keys', 'read:projects'] });
      expect((await t.get(`/api/keys/${child.body.data.id}`, alice.auth)).body.data.parentKeyId).toBe(rotated.body.data.id);
      await t.delete(`/api/keys/${rotated.body.data.id}`, alice.auth);
      expectError(await t.get('/api/auth/verify', { 'x-api-key': child.body.data.key }), 401, 'api_key_revoked');
    });

    it('an admin deleting a parent key revokes its children', async () => {
      const admin = await t.admin();
      const f = await fixture();
      const parent = await organizationKey(f);
      const child = await t.post('/api/keys', { name: 'child', scopes: ['read:projects'] }, parent.auth);
      expect((await t.delete(`/api/admin/api-keys/${parent.id}`, admin.auth)).status).toBe(200);
      expectError(await t.get('/api/auth/verify', { 'x-api-key': child.body.data.key }), 401, 'api_key_revoked');
    });
  });

  describe('verification for other services', () => {
    it('reports a bound key’s organization and project, and a bound service sees only its own boundary', async () => {
      const f = await fixture();
      const service = await t.createKey(alice, { projectId: f.projectId, scopes: ['execute:keys'] });
      const inside = await t.createKey(alice, { projectId: f.projectId, scopes: ['read:projects'] });
      const outside = await t.createKey(alice, { projectId: f.otherProjectId, scopes: ['read:projects'] });
      const valid = await t.post('/api/v1/keys/verify', { key: inside.key, scopes: ['read:projects'] }, service.auth);
      expect(valid.body.data).toMatchObject({
        valid: true,
        code: 'VALID',
        keyId: inside.id,
        organizationId: f.organizationId,
        projectId: f.projectId,
        scopes: ['read:projects'],
      });
      const hidden = await t.post('/api/v1/keys/verify', { key: outside.key }, service.auth);
      expect(hidden.body.data).toMatchObject({ valid: false, code: 'NOT_FOUND', keyId: null });
      const scoped = await t.post('/api/v1/keys/verify', { key: inside.key, scopes: ['write:projects'] }, service.auth);
      expect(scoped.body.data.code).toBe('INSUFFICIENT_SCOPE');
    });

    it('forward-auth passes the binding upstream', async () => {
      const f = await fixture();
      const key = await t.createKey(alice, { projectId: f.projectId, scopes: ['read:projects'] });
      const res = await t.get('/api/v1/forward-auth?scopes=read:projects', key.auth);
      expect(res.status).toBe(200);
      expect(res.headers['x-argus-organization-id']).toBe(f.organizationId);
      expect(res.headers['x-argus-project-id']).toBe(f.projectId);
      const unbound = await t.get('/api/v1/forward-auth', alice.auth);
      expect(unbound.headers['x-argus-organization-id']).toBeUndefined();
    });
  });

  describe('/docs', () => {
    it('shows the scopes and the organization or project each route acts in', async () => {
      const doc = (await t.get('/docs-json')).body;
      const get = doc.paths['/api/v1/projects/{id}'].get;
      expect(get['x-required-scopes']).toEqual(['read:projects']);
      expect(get['x-project']).toBe('path :id');
      expect(get.responses).toHaveProperty('404');
      expect(get.responses).toHaveProperty('403');
      expect(doc.paths['/api/v1/projects'].post['x-organization']).toBe('body.organizationId');
      expect(doc.paths['/api/v1/organizations'].post['x-credential']).toBeDefined();
    });
  });
});
