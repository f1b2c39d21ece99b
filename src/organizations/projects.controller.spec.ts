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
import { projectView } from '../../test/support/controller-fixtures';
import { CreateProjectDto, ProjectListQueryDto, UpdateProjectDto } from './dto/project.dto';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

const project = `/api/v1/projects/${PROJECT_ID}`;

describe(ProjectsController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(ProjectsService);
  const user = userJwt();
  const auth = () => ctx.as(user);
  const inProject = { organizationId: ORG_ID, projectId: PROJECT_ID, role: 'admin' };

  beforeAll(async () => {
    ctx = await controllerSetup(ProjectsController, [{ provide: ProjectsService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    service.resetAllMocks();
    ctx.organizations.clear();
    ctx.organizations.addProject(PROJECT_ID, ORG_ID).addMember(ORG_ID, USER_ID, 'admin');
  });

  // Every row has five cells (Jest hands a shorter row's missing cell over as a done callback): the
  // route, the scope it needs, a body, and the strongest organisation role that still lacks it.
  const routes: Array<[string, string, Scope, unknown, OrganizationRole | null]> = [
    ['POST', '/api/v1/projects', 'write:projects', { organizationId: ORG_ID, name: 'billing-api' }, 'member'],
    ['GET', '/api/v1/projects', 'read:projects', undefined, null],
    ['GET', project, 'read:projects', undefined, null],
    ['PATCH', project, 'write:projects', { name: 'billing' }, 'member'],
    ['DELETE', project, 'delete:projects', undefined, 'member'],
  ];
  const byId = routes.filter(([, url]) => url === project);

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
    '%s %s: 403 insufficient_scope when the caller’s role does not grant %s',
    async (method, url, scope, body, role) => {
      ctx.organizations.addMember(ORG_ID, USER_ID, role as OrganizationRole);
      const res = await ctx.request(method, url, { body, headers: auth() });
      expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: `Missing required scope: ${scope}` })]);
      expect(callsTo(service)).toEqual([]);
    },
  );

  it.each(byId)(
    '%s %s: 404 for an unknown project, a non-member, and a key bound to another project',
    async (method, url, _scope, body) => {
      const unknown = await ctx.request(method, url.replace(PROJECT_ID, OTHER_ID), { body, headers: auth() });
      expect([unknown.status, unknown.body]).toEqual([404, errorBody('not_found', { error: 'Project not found' })]);
      const stranger = await ctx.request(method, url, { body, headers: ctx.as(userJwt({ userId: OTHER_ID })) });
      expect([stranger.status, stranger.body.code]).toEqual([404, 'not_found']);
      const elsewhere = apiKey([...ROLE_SCOPES.user], { organizationId: ORG_ID, projectId: OTHER_ID });
      expect((await ctx.request(method, url, { body, headers: ctx.as(elsewhere) })).status).toBe(404);
      expect(callsTo(service)).toEqual([]);
    },
  );

  it.each(byId)('%s %s: 400 for a malformed project id, before any look-up', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url.replace(PROJECT_ID, 'billing'), { body, headers: auth() });
    expect([res.status, res.body]).toEqual([
      400,
      errorBody('validation_failed', { details: [{ field: 'id', messages: ['id must be a UUID'] }] }),
    ]);
    expect(callsTo(service)).toEqual([]);
  });

  describe('POST /api/v1/projects', () => {
    it('creates in the organisation the body names, 201', async () => {
      const created = projectView();
      service.create.mockResolvedValue(created);
      const body = { organizationId: ORG_ID, name: 'billing-api', description: 'Invoices' };
      const res = await ctx.request('POST', '/api/v1/projects', { body, headers: auth() });
      expect([res.status, res.body]).toEqual([201, { success: true, data: created }]);
      const [access, dto, audit] = service.create.mock.calls[0];
      expect([access, audit]).toEqual([{ organizationId: ORG_ID, projectId: null, role: 'admin' }, auditOf(user)]);
      expect(dto).toBeInstanceOf(CreateProjectDto);
      expect(dto).toEqual(body);
    });

    it.each<[unknown, string, string]>([
      [{ name: 'billing-api' }, 'organizationId', 'organizationId is required'],
      [{ organizationId: 'acme', name: 'billing-api' }, 'organizationId', 'organizationId must be a UUID'],
    ])('refuses %j with 400 naming %s, before any look-up', async (body, field, message) => {
      const res = await ctx.request('POST', '/api/v1/projects', { body, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [{ field, messages: [message] }]]);
      expect(callsTo(service)).toEqual([]);
    });

    it.each<[unknown, string]>([
      [{ organizationId: ORG_ID }, 'name'],
      [{ organizationId: ORG_ID, name: 'x'.repeat(101) }, 'name'],
      [{ organizationId: ORG_ID, name: 'billing-api', description: 'x'.repeat(501) }, 'description'],
      [{ organizationId: ORG_ID, name: 'billing-api', id: PROJECT_ID }, 'id'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await ctx.request('POST', '/api/v1/projects', { body, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [expect.objectContaining({ field })]]);
      expect(callsTo(service)).toEqual([]);
    });

    it('answers 404 for an organisation the caller is not in', async () => {
      const res = await ctx.request('POST', '/api/v1/projects', { body: { organizationId: OTHER_ID, name: 'x' }, headers: auth() });
      expect([res.status, res.body]).toEqual([404, errorBody('not_found', { error: 'Organization not found' })]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('GET /api/v1/projects', () => {
    it('lists across the caller’s organisations without ?organizationId (no access resolved)', async () => {
      const items = [projectView()];
      service.list.mockResolvedValue({ items, total: 1 });
      const res = await ctx.request('GET', '/api/v1/projects?sort=-name', { headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 1, limit: 20, total: 1 } }]);
      const [caller, query, access] = service.list.mock.calls[0];
      expect([caller, access]).toEqual([user, undefined]);
      expect(query).toBeInstanceOf(ProjectListQueryDto);
      expect(query).toEqual({ page: 1, limit: 20, sort: '-name' });
    });

    it('lists one organisation’s with ?organizationId, with the caller’s role there', async () => {
      service.list.mockResolvedValue({ items: [], total: 0 });
      const res = await ctx.request('GET', `/api/v1/projects?organizationId=${ORG_ID}`, { headers: auth() });
      expect(res.status).toBe(200);
      const [, query, access] = service.list.mock.calls[0];
      expect(query).toEqual({ page: 1, limit: 20, sort: 'name', organizationId: ORG_ID });
      expect(access).toEqual({ organizationId: ORG_ID, projectId: null, role: 'admin' });
    });

    it.each(['organizationId=acme', 'sort=description', 'page=1.5'])('refuses ?%s with 400', async (query) => {
      const res = await ctx.request('GET', `/api/v1/projects?${query}`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('GET /api/v1/projects/:id reads it with the resolved project access, also for a key bound to it', async () => {
    const found = projectView();
    service.get.mockResolvedValue(found);
    const bound = apiKey(['read:projects'], { organizationId: ORG_ID, projectId: PROJECT_ID });
    const res = await ctx.request('GET', project, { headers: ctx.as(bound) });
    expect([res.status, res.body]).toEqual([200, { success: true, data: found }]);
    expect(service.get.mock.calls).toEqual([[inProject]]);
  });

  describe('PATCH /api/v1/projects/:id', () => {
    it('updates with the parsed body (null clears the description)', async () => {
      const updated = projectView({ name: 'billing' });
      service.update.mockResolvedValue(updated);
      const res = await ctx.request('PATCH', project, { body: { name: 'billing', description: null }, headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: updated }]);
      const [access, dto, audit] = service.update.mock.calls[0];
      expect([access, audit]).toEqual([inProject, auditOf(user)]);
      expect(dto).toBeInstanceOf(UpdateProjectDto);
      expect(dto).toEqual({ name: 'billing', description: null });
    });

    it.each<[unknown]>([[{ name: '' }], [{ description: 5 }], [{ organizationId: OTHER_ID }]])('refuses %j with 400', async (body) => {
      const res = await ctx.request('PATCH', project, { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('DELETE /api/v1/projects/:id deletes it, 200 with no data', async () => {
    service.delete.mockResolvedValue(undefined);
    const res = await ctx.request('DELETE', project, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'Project deleted' }]);
    expect(service.delete.mock.calls).toEqual([[inProject, auditOf(user)]]);
  });
});
