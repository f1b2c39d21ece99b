import { ROLE_SCOPES } from '../access/scopes';
import {
  ADMIN_ID,
  ControllerContext,
  KEY_ID,
  USER_ID,
  adminJwt,
  apiKey,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockServices,
  type PublicOf,
  userJwt,
} from '../../test/support/controller-setup';
import { adminKeyView, userView } from '../../test/support/controller-fixtures';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { KeyAdministration } from '../api-keys/key-administration.service';
import { AdminKeysQueryDto, AdminUsersQueryDto, UpdateUserDto } from './dto/admin.dto';

describe(AdminController.name, () => {
  let ctx: ControllerContext;
  const service = mockServices<PublicOf<AdminService> & PublicOf<KeyAdministration>>(AdminService, KeyAdministration);
  const admin = adminJwt();
  const auth = () => ctx.as(admin);

  beforeAll(async () => {
    ctx = await controllerSetup(AdminController, [
      { provide: AdminService, useValue: service },
      { provide: KeyAdministration, useValue: service },
    ]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  // Every row has three cells: Jest hands a shorter row's missing cell over as a done callback.
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/api/admin/api-keys', undefined],
    ['PUT', `/api/admin/api-keys/${KEY_ID}`, { isActive: false }],
    ['DELETE', `/api/admin/api-keys/${KEY_ID}`, undefined],
    ['GET', '/api/admin/users', undefined],
    ['PATCH', `/api/admin/users/${USER_ID}`, { role: 'admin' }],
  ];

  it.each(routes)('%s %s: 401 unauthorized without credentials', async (method, url, body) => {
    const res = await ctx.request(method, url, { body });
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 forbidden for a user, by JWT or by a key with every scope of theirs', async (method, url, body) => {
    for (const caller of [userJwt(), apiKey([...ROLE_SCOPES.user])]) {
      const res = await ctx.request(method, url, { body, headers: ctx.as(caller) });
      expect([res.status, res.body]).toEqual([403, errorBody('forbidden')]);
    }
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 insufficient_scope for an admin’s key without admin:all', async (method, url, body) => {
    const narrow = apiKey(['read:*', 'write:*', 'delete:*'], { userId: ADMIN_ID, role: 'admin' });
    const res = await ctx.request(method, url, { body, headers: ctx.as(narrow) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: 'Missing required scope: admin:all' })]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each([
    ['PUT', '/api/admin/api-keys/42', { isActive: false }],
    ['DELETE', '/api/admin/api-keys/42', undefined],
    ['PATCH', '/api/admin/users/42', { role: 'admin' }],
  ])('%s %s: 400 for a malformed id, before the service', async (method, url, body) => {
    const res = await ctx.request(method, url, { body, headers: auth() });
    expect([res.status, res.body]).toEqual([
      400,
      errorBody('validation_failed', { details: [{ field: 'id', messages: ['id must be a UUID'] }] }),
    ]);
    expect(callsTo(service)).toEqual([]);
  });

  describe('GET /api/admin/api-keys', () => {
    it('lists with the parsed filters, the cursor in meta', async () => {
      const items = [adminKeyView()];
      service.listKeys.mockResolvedValue({ items, total: 3, nextCursor: 'next' });
      const res = await ctx.request('GET', `/api/admin/api-keys?userId=${USER_ID}&isActive=true&limit=1&cursor=abc`, { headers: auth() });

      expect([res.status, res.body]).toEqual([
        200,
        { success: true, data: items, meta: { page: 1, limit: 1, total: 3, nextCursor: 'next' } },
      ]);
      const [query] = service.listKeys.mock.calls[0];
      expect(query).toBeInstanceOf(AdminKeysQueryDto);
      expect(query).toEqual({ page: 1, limit: 1, userId: USER_ID, isActive: true, cursor: 'abc' });
    });

    it('passes the owner’s email and a trimmed search on; a blank search is no filter', async () => {
      service.listKeys.mockResolvedValue({ items: [], total: 0, nextCursor: null });
      await ctx.request('GET', '/api/admin/api-keys?ownerEmail=ada%40example.com&search=%20deploy%20', { headers: auth() });
      await ctx.request('GET', '/api/admin/api-keys?search=%20%20', { headers: auth() });
      expect(service.listKeys.mock.calls.map(([query]) => query)).toEqual([
        { page: 1, limit: 20, ownerEmail: 'ada@example.com', search: 'deploy' },
        { page: 1, limit: 20 },
      ]);
    });

    it.each([
      'userId=ada',
      'isActive=yes',
      'status=gone',
      `cursor=${'c'.repeat(201)}`,
      'sort=name',
      'ownerEmail=ada',
      `search=${'s'.repeat(101)}`,
    ])('refuses ?%s with 400', async (query) => {
      const res = await ctx.request('GET', `/api/admin/api-keys?${query}`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('PUT /api/admin/api-keys/:id', () => {
    it('sets the key’s state, 200 with the key', async () => {
      const key = adminKeyView({ isActive: false, status: 'inactive' });
      service.setKeyActive.mockResolvedValue(key);
      const res = await ctx.request('PUT', `/api/admin/api-keys/${KEY_ID}`, { body: { isActive: false }, headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: key }]);
      expect(service.setKeyActive.mock.calls).toEqual([[KEY_ID, false, auditOf(admin)]]);
    });

    it.each<[unknown, string]>([
      [{}, 'isActive is required'],
      [{ isActive: 'false' }, 'isActive must be a boolean value'],
    ])('refuses %j with 400', async (body, message) => {
      const res = await ctx.request('PUT', `/api/admin/api-keys/${KEY_ID}`, { body, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [{ field: 'isActive', messages: [message] }]]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('DELETE /api/admin/api-keys/:id deletes, 200 with no data', async () => {
    service.deleteKey.mockResolvedValue(undefined);
    const res = await ctx.request('DELETE', `/api/admin/api-keys/${KEY_ID}`, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'API key deleted' }]);
    expect(service.deleteKey.mock.calls).toEqual([[KEY_ID, auditOf(admin)]]);
  });

  describe('GET /api/admin/users', () => {
    it('lists with the parsed filters, paginated', async () => {
      const items = [userView()];
      service.listUsers.mockResolvedValue({ items, total: 1 });
      const caller = apiKey(['admin:all'], { userId: ADMIN_ID, role: 'admin' });
      const res = await ctx.request('GET', '/api/admin/users?role=user&isActive=false&page=3', { headers: ctx.as(caller) });

      expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 3, limit: 20, total: 1 } }]);
      const [query] = service.listUsers.mock.calls[0];
      expect(query).toBeInstanceOf(AdminUsersQueryDto);
      expect(query).toEqual({ page: 3, limit: 20, role: 'user', isActive: false });
    });

    it('passes a trimmed search on', async () => {
      service.listUsers.mockResolvedValue({ items: [], total: 0 });
      await ctx.request('GET', '/api/admin/users?search=%20Ada%20', { headers: auth() });
      expect(service.listUsers.mock.calls[0][0]).toEqual({ page: 1, limit: 20, search: 'Ada' });
    });

    it.each(['role=root', 'isActive=0', 'email=ada@example.com', `search=${'s'.repeat(101)}`])('refuses ?%s with 400', async (query) => {
      const res = await ctx.request('GET', `/api/admin/users?${query}`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('PATCH /api/admin/users/:id', () => {
    it('updates with the parsed body, 200 with the user', async () => {
      const user = userView({ role: 'admin' });
      service.updateUser.mockResolvedValue(user);
      const res = await ctx.request('PATCH', `/api/admin/users/${USER_ID}`, { body: { role: 'admin', isActive: true }, headers: auth() });

      expect([res.status, res.body]).toEqual([200, { success: true, data: user }]);
      const [id, dto, audit] = service.updateUser.mock.calls[0];
      expect([id, audit]).toEqual([USER_ID, auditOf(admin)]);
      expect(dto).toBeInstanceOf(UpdateUserDto);
      expect(dto).toEqual({ role: 'admin', isActive: true });
    });

    it.each<[unknown, string]>([
      [{ role: 'root' }, 'role'],
      [{ isActive: 1 }, 'isActive'],
      [{ email: 'ada@example.com' }, 'email'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await ctx.request('PATCH', `/api/admin/users/${USER_ID}`, { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
      expect(callsTo(service)).toEqual([]);
    });
  });
});
