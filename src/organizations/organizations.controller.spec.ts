import type { OrganizationRole } from '../access/organization-roles';
import { ROLE_SCOPES, Scope } from '../access/scopes';
import {
  ControllerContext,
  ORG_ID,
  OTHER_ID,
  PROJECT_ID,
  USER_ID,
  apiKey,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { memberView, organizationView } from '../../test/support/controller-fixtures';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import {
  AddMemberDto,
  CreateOrganizationDto,
  OrganizationListQueryDto,
  UpdateMemberDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';

const MEMBER_ID = OTHER_ID;
const org = `/api/v1/organizations/${ORG_ID}`;
const member = `${org}/members/${MEMBER_ID}`;

describe(OrganizationsController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(OrganizationsService);
  const user = userJwt();
  const auth = () => ctx.as(user);
  const asOwner = { organizationId: ORG_ID, projectId: null, role: 'owner' };

  beforeAll(async () => {
    ctx = await controllerSetup(OrganizationsController, [{ provide: OrganizationsService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    service.resetAllMocks();
    ctx.organizations.clear();
    ctx.organizations.addMember(ORG_ID, USER_ID, 'owner');
  });

  // Every row has five cells (Jest hands a shorter row's missing cell over as a done callback): the
  // route, the scope it needs, a body, and the strongest organisation role that still lacks it.
  const routes: Array<[string, string, Scope, unknown, OrganizationRole | null]> = [
    ['POST', '/api/v1/organizations', 'write:organizations', { name: 'Acme' }, null],
    ['GET', '/api/v1/organizations', 'read:organizations', undefined, null],
    ['GET', org, 'read:organizations', undefined, null],
    ['PATCH', org, 'write:organizations', { name: 'Acme 2' }, 'member'],
    ['DELETE', org, 'delete:organizations', undefined, 'admin'],
    ['GET', `${org}/members`, 'read:organizations', undefined, null],
    ['POST', `${org}/members`, 'write:organizations', { userId: MEMBER_ID, role: 'member' }, 'member'],
    ['PATCH', member, 'write:organizations', { role: 'admin' }, 'member'],
    ['DELETE', member, 'write:organizations', undefined, 'member'],
    ['POST', `${org}/leave`, 'read:organizations', {}, null],
  ];
  const inOrganization = routes.filter(([, url]) => url.startsWith(org));

  it.each(routes)('%s %s: 401 unauthorized without credentials', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url, { body });
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 insufficient_scope for a key without %s', async (method, url, scope, body) => {
    const res = await ctx.request(method, url, { body, headers: ctx.as(apiKey(ROLE_SCOPES.user.filter((held) => held !== scope))) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: `Missing required scope: ${scope}` })]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes.filter(([, , , , role]) => role !== null))(
    '%s %s: 403 insufficient_scope when the caller’s role there does not grant %s',
    async (method, url, scope, body, role) => {
      ctx.organizations.addMember(ORG_ID, USER_ID, role as OrganizationRole);
      const res = await ctx.request(method, url, { body, headers: auth() });
      expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: `Missing required scope: ${scope}` })]);
      expect(callsTo(service)).toEqual([]);
    },
  );

  it.each(inOrganization)('%s %s: 404 for a non-member, as if the organisation did not exist', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url, { body, headers: ctx.as(userJwt({ userId: OTHER_ID })) });
    expect([res.status, res.body]).toEqual([404, errorBody('not_found', { error: 'Organization not found' })]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(inOrganization)('%s %s: 400 for a malformed organisation id, before any look-up', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url.replace(ORG_ID, 'acme'), { body, headers: auth() });
    expect([res.status, res.body]).toEqual([
      400,
      errorBody('validation_failed', { details: [{ field: 'id', messages: ['id must be a UUID'] }] }),
    ]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each([
    ['POST', '/api/v1/organizations', { name: 'Acme' }],
    ['POST', `${org}/leave`, {}],
  ])('%s %s: 403 forbidden for a key bound to an organisation (it acts outside any one)', async (method, url, body) => {
    const bound = apiKey([...ROLE_SCOPES.user], { organizationId: ORG_ID });
    const res = await ctx.request(method, url, { body, headers: ctx.as(bound) });
    expect([res.status, res.body]).toEqual([
      403,
      errorBody('forbidden', { error: 'A key bound to an organization or project cannot act outside it' }),
    ]);
    expect(callsTo(service)).toEqual([]);
  });

  it('lets a project-bound key into its own organisation’s routes only as far as its binding reaches (404)', async () => {
    ctx.organizations.addProject(PROJECT_ID, ORG_ID);
    const res = await ctx.request('GET', org, {
      headers: ctx.as(apiKey([...ROLE_SCOPES.user], { organizationId: ORG_ID, projectId: PROJECT_ID })),
    });
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
  });

  describe('POST /api/v1/organizations', () => {
    it('creates with the parsed body, 201 with the organisation', async () => {
      const created = organizationView();
      service.create.mockResolvedValue(created);
      const res = await ctx.request('POST', '/api/v1/organizations', { body: { name: 'Acme' }, headers: auth() });
      expect([res.status, res.body]).toEqual([201, { success: true, data: created }]);
      const [caller, dto, audit] = service.create.mock.calls[0];
      expect([caller, audit]).toEqual([user, auditOf(user)]);
      expect(dto).toBeInstanceOf(CreateOrganizationDto);
      expect(dto).toEqual({ name: 'Acme' });
    });

    it.each<[unknown, string]>([
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: ['Acme'] }, 'name'],
      [{ name: 'Acme', ownerId: USER_ID }, 'ownerId'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await ctx.request('POST', '/api/v1/organizations', { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('GET /api/v1/organizations', () => {
    it('lists with the parsed query, paginated', async () => {
      const items = [organizationView()];
      service.list.mockResolvedValue({ items, total: 1 });
      const res = await ctx.request('GET', '/api/v1/organizations?sort=-createdAt&limit=50', { headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 1, limit: 50, total: 1 } }]);
      const [caller, query] = service.list.mock.calls[0];
      expect(caller).toEqual(user);
      expect(query).toBeInstanceOf(OrganizationListQueryDto);
      expect(query).toEqual({ page: 1, limit: 50, sort: '-createdAt' });
    });

    it.each(['sort=password', 'sort=name;drop', 'limit=-1', 'name=Acme'])('refuses ?%s with 400', async (query) => {
      const res = await ctx.request('GET', `/api/v1/organizations?${query}`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('GET /api/v1/organizations/:id reads it with the resolved access', async () => {
    const found = organizationView();
    service.get.mockResolvedValue(found);
    const res = await ctx.request('GET', org, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: found }]);
    expect(service.get.mock.calls).toEqual([[asOwner]]);
  });

  describe('PATCH /api/v1/organizations/:id', () => {
    it('renames with the parsed body', async () => {
      const renamed = organizationView({ name: 'Acme 2' });
      service.update.mockResolvedValue(renamed);
      ctx.organizations.addMember(ORG_ID, USER_ID, 'admin');
      const res = await ctx.request('PATCH', org, { body: { name: 'Acme 2' }, headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: renamed }]);
      const [access, dto, audit] = service.update.mock.calls[0];
      expect([access, audit]).toEqual([{ ...asOwner, role: 'admin' }, auditOf(user)]);
      expect(dto).toBeInstanceOf(UpdateOrganizationDto);
      expect(dto).toEqual({ name: 'Acme 2' });
    });

    it.each<[unknown]>([[{ name: '' }], [{ name: 7 }], [{ id: OTHER_ID }]])('refuses %j with 400', async (body) => {
      const res = await ctx.request('PATCH', org, { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('DELETE /api/v1/organizations/:id deletes it, 200 with no data', async () => {
    service.delete.mockResolvedValue(undefined);
    const res = await ctx.request('DELETE', org, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'Organization deleted' }]);
    expect(service.delete.mock.calls).toEqual([[asOwner, auditOf(user)]]);
  });

  it('GET /api/v1/organizations/:id/members lists a page', async () => {
    const items = [memberView()];
    service.listMembers.mockResolvedValue({ items, total: 1 });
    ctx.organizations.addMember(ORG_ID, USER_ID, 'member');
    const res = await ctx.request('GET', `${org}/members?page=1&limit=1`, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 1, limit: 1, total: 1 } }]);
    const [access, page] = service.listMembers.mock.calls[0];
    expect(access).toEqual({ ...asOwner, role: 'member' });
    expect(page).toBeInstanceOf(PaginationQueryDto);
  });

  describe('POST /api/v1/organizations/:id/members', () => {
    it('adds the member, 201', async () => {
      const added = memberView({ userId: MEMBER_ID });
      service.addMember.mockResolvedValue(added);
      const res = await ctx.request('POST', `${org}/members`, { body: { userId: MEMBER_ID, role: 'member' }, headers: auth() });
      expect([res.status, res.body]).toEqual([201, { success: true, data: added }]);
      const [access, dto, audit] = service.addMember.mock.calls[0];
      expect([access, audit]).toEqual([asOwner, auditOf(user)]);
      expect(dto).toBeInstanceOf(AddMemberDto);
      expect(dto).toEqual({ userId: MEMBER_ID, role: 'member' });
    });

    it.each<[unknown, string]>([
      [{ userId: 'ada@example.com', role: 'member' }, 'userId'],
      [{ userId: MEMBER_ID, role: 'root' }, 'role'],
      [{ userId: MEMBER_ID }, 'role'],
      [{ userId: MEMBER_ID, role: 'member', email: 'ada@example.com' }, 'email'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await ctx.request('POST', `${org}/members`, { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('PATCH /api/v1/organizations/:id/members/:userId', () => {
    it('changes the role', async () => {
      const changed = memberView({ userId: MEMBER_ID, role: 'admin' });
      service.updateMember.mockResolvedValue(changed);
      const res = await ctx.request('PATCH', member, { body: { role: 'admin' }, headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: changed }]);
      const [access, userId, dto, audit] = service.updateMember.mock.calls[0];
      expect([access, userId, audit]).toEqual([asOwner, MEMBER_ID, auditOf(user)]);
      expect(dto).toBeInstanceOf(UpdateMemberDto);
      expect(dto).toEqual({ role: 'admin' });
    });

    it('refuses a malformed user id with 400 naming userId', async () => {
      const res = await ctx.request('PATCH', `${org}/members/ada`, { body: { role: 'admin' }, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [{ field: 'userId', messages: ['userId must be a UUID'] }]]);
      expect(callsTo(service)).toEqual([]);
    });

    it('refuses an unknown role with 400', async () => {
      const res = await ctx.request('PATCH', member, { body: { role: 'superuser' }, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [expect.objectContaining({ field: 'role' })]]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('DELETE /api/v1/organizations/:id/members/:userId', () => {
    it('removes the member, 200 with no data', async () => {
      service.removeMember.mockResolvedValue(undefined);
      const res = await ctx.request('DELETE', member, { headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'Member removed' }]);
      expect(service.removeMember.mock.calls).toEqual([[asOwner, MEMBER_ID, auditOf(user)]]);
    });

    it('refuses a malformed user id with 400 naming userId', async () => {
      const res = await ctx.request('DELETE', `${org}/members/7`, { headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [{ field: 'userId', messages: ['userId must be a UUID'] }]]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('POST /api/v1/organizations/:id/leave removes the caller themself, 200', async () => {
    service.removeMember.mockResolvedValue(undefined);
    ctx.organizations.addMember(ORG_ID, USER_ID, 'member');
    const res = await ctx.request('POST', `${org}/leave`, { body: {}, headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'You left the organization' }]);
    expect(service.removeMember.mock.calls).toEqual([[{ ...asOwner, role: 'member' }, USER_ID, auditOf(user), true]]);
  });
});
