import { ROLE_SCOPES } from '../access/scopes';
import {
  ADMIN_ID,
  ControllerContext,
  KEY_ID,
  ORG_ID,
  OTHER_ID,
  PROJECT_ID,
  USER_ID,
  adminJwt,
  apiKey,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { adminKeyView } from '../../test/support/controller-fixtures';
import { OrganizationKeysService } from './organization-keys.service';
import { ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { OrganizationKeysController } from './organization-keys.controller';

describe(OrganizationKeysController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(OrganizationKeysService);
  const user = userJwt();

  beforeAll(async () => {
    ctx = await controllerSetup(OrganizationKeysController, [{ provide: OrganizationKeysService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    service.resetAllMocks();
    ctx.organizations.clear();
    ctx.organizations.addMember(ORG_ID, USER_ID, 'admin');
  });

  const list = `/api/v1/organizations/${ORG_ID}/keys`;
  const revoke = `/api/v1/organizations/${ORG_ID}/keys/${KEY_ID}`;
  const routes: Array<[string, string]> = [
    ['GET', list],
    ['DELETE', revoke],
  ];

  it.each(routes)('%s %s: 401 unauthorized without credentials', async (method, url) => {
    const res = await ctx.request(method, url);
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 insufficient_scope for a key without admin:keys', async (method, url) => {
    const res = await ctx.request(method, url, { headers: ctx.as(apiKey(ROLE_SCOPES.user.filter((scope) => scope !== 'admin:keys'))) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: 'Missing required scope: admin:keys' })]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 insufficient_scope for a plain member (the role does not grant admin:keys)', async (method, url) => {
    ctx.organizations.addMember(ORG_ID, USER_ID, 'member');
    const res = await ctx.request(method, url, { headers: ctx.as(user) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: 'Missing required scope: admin:keys' })]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 404 for a non-member and for a key bound to another organisation', async (method, url) => {
    const stranger = await ctx.request(method, url, { headers: ctx.as(userJwt({ userId: OTHER_ID })) });
    expect([stranger.status, stranger.body]).toEqual([404, errorBody('not_found', { error: 'Organization not found' })]);
    const elsewhere = apiKey([...ROLE_SCOPES.user], { organizationId: OTHER_ID });
    expect((await ctx.request(method, url, { headers: ctx.as(elsewhere) })).status).toBe(404);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 400 for a malformed organisation id, before any look-up', async (method, url) => {
    const res = await ctx.request(method, url.replace(ORG_ID, 'acme'), { headers: ctx.as(user) });
    expect([res.status, res.body]).toEqual([
      400,
      errorBody('validation_failed', { details: [{ field: 'id', messages: ['id must be a UUID'] }] }),
    ]);
    expect(callsTo(service)).toEqual([]);
  });

  describe('GET /api/v1/organizations/:id/keys', () => {
    it('lists the organisation’s keys with the resolved access and parsed query', async () => {
      const items = [adminKeyView({ organizationId: ORG_ID, projectId: PROJECT_ID })];
      service.listOrganizationKeys.mockResolvedValue({ items, total: 1 });
      const res = await ctx.request('GET', `${list}?projectId=${PROJECT_ID}&limit=10`, { headers: ctx.as(user) });

      expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 1, limit: 10, total: 1 } }]);
      const [access, query] = service.listOrganizationKeys.mock.calls[0];
      expect(access).toEqual({ organizationId: ORG_ID, projectId: null, role: 'admin' });
      expect(query).toBeInstanceOf(ListApiKeysQueryDto);
      expect(query).toEqual({ page: 1, limit: 10, projectId: PROJECT_ID });
    });

    it('lets a platform admin in as owner of any organisation that exists', async () => {
      service.listOrganizationKeys.mockResolvedValue({ items: [], total: 0 });
      const res = await ctx.request('GET', list, { headers: ctx.as(adminJwt()) });
      expect(res.status).toBe(200);
      expect(service.listOrganizationKeys.mock.calls[0][0]).toEqual({ organizationId: ORG_ID, projectId: null, role: 'owner' });
    });

    it.each(['projectId=x', 'limit=0', 'userId=' + ADMIN_ID])('refuses ?%s with 400', async (query) => {
      const res = await ctx.request('GET', `${list}?${query}`, { headers: ctx.as(user) });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('DELETE /api/v1/organizations/:id/keys/:keyId', () => {
    it('revokes the key with the caller, the access and the key id', async () => {
      const revoked = adminKeyView({ organizationId: ORG_ID, status: 'revoked' });
      service.revokeOrganizationKey.mockResolvedValue(revoked);
      const res = await ctx.request('DELETE', revoke, { headers: ctx.as(user) });

      expect([res.status, res.body]).toEqual([200, { success: true, data: revoked, message: 'API key revoked' }]);
      expect(service.revokeOrganizationKey.mock.calls).toEqual([
        [user, { organizationId: ORG_ID, projectId: null, role: 'admin' }, KEY_ID, auditOf(user)],
      ]);
    });

    it('refuses a malformed key id with 400 naming keyId', async () => {
      const res = await ctx.request('DELETE', `${list}/not-a-key`, { headers: ctx.as(user) });
      expect([res.status, res.body]).toEqual([
        400,
        errorBody('validation_failed', { details: [{ field: 'keyId', messages: ['keyId must be a UUID'] }] }),
      ]);
      expect(callsTo(service)).toEqual([]);
    });
  });
});
