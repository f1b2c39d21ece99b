import { ROLE_SCOPES, Scope } from '../access/scopes';
import {
  ControllerContext,
  KEY_ID,
  ORG_ID,
  OTHER_ID,
  PROJECT_ID,
  USER_ID,
  apiKey,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockServices,
  type PublicOf,
  userJwt,
} from '../../test/support/controller-setup';
import { createdKeyView, keyView } from '../../test/support/controller-fixtures';
import { ApiKeysController, KEY_CREATED_MESSAGE, KEY_REVEALED_MESSAGE, KEY_ROTATED_MESSAGE } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { KeyIssuingService } from './key-issuing.service';
import { KeyLifecycleService } from './key-lifecycle.service';
import { CreateApiKeyDto, ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';

describe(ApiKeysController.name, () => {
  let ctx: ControllerContext;
  const service = mockServices<PublicOf<ApiKeysService> & PublicOf<KeyIssuingService> & PublicOf<KeyLifecycleService>>(
    ApiKeysService,
    KeyIssuingService,
    KeyLifecycleService,
  );
  const user = userJwt();
  const auth = () => ctx.as(user);

  beforeAll(async () => {
    ctx = await controllerSetup(ApiKeysController, [
      { provide: ApiKeysService, useValue: service },
      { provide: KeyIssuingService, useValue: service },
      { provide: KeyLifecycleService, useValue: service },
    ]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    service.resetAllMocks();
    ctx.organizations.clear();
  });

  // Every row has four cells: Jest hands a shorter row's missing cell over as a done callback.
  const routes: Array<[string, string, Scope, unknown]> = [
    ['POST', '/api/keys', 'write:keys', { name: 'ci' }],
    ['GET', '/api/keys', 'read:keys', undefined],
    ['GET', `/api/keys/${KEY_ID}`, 'read:keys', undefined],
    ['PATCH', `/api/keys/${KEY_ID}`, 'write:keys', { name: 'renamed' }],
    ['POST', `/api/keys/${KEY_ID}/rotate`, 'write:keys', {}],
    ['POST', `/api/keys/${KEY_ID}/reveal`, 'write:keys', {}],
    ['DELETE', `/api/keys/${KEY_ID}`, 'delete:keys', undefined],
  ];

  it.each(routes)('%s %s (%s): 401 unauthorized without credentials', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url, { body });
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(res.headers['www-authenticate']).toContain('Bearer realm="argus"');
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s (%s): 401 for an unknown key or token', async (method, url, _scope, body) => {
    const key = await ctx.request(method, url, { body, headers: { 'x-api-key': 'argus_unknown' } });
    expect([key.status, key.body.code]).toEqual([401, 'invalid_api_key']);
    const token = await ctx.request(method, url, { body, headers: { authorization: 'Bearer forged' } });
    expect([token.status, token.body.code]).toEqual([401, 'invalid_token']);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 insufficient_scope for a key without %s', async (method, url, scope, body) => {
    const narrow = apiKey(ROLE_SCOPES.user.filter((held) => held !== scope));
    const res = await ctx.request(method, url, { body, headers: ctx.as(narrow) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: `Missing required scope: ${scope}` })]);
    expect(callsTo(service)).toEqual([]);
  });

  describe('POST /api/keys', () => {
    it('creates a key with the parsed body and the caller, 201 with the once-only message', async () => {
      const created = createdKeyView();
      service.createKey.mockResolvedValue(created);
      const body = {
        name: 'ci',
        scopes: ['read:keys'],
        expiresAt: '2030-06-01T00:00:00.000Z',
        rateLimit: { limit: 10, windowSeconds: 60 },
      };
      const res = await ctx.request('POST', '/api/keys', { body, headers: auth() });

      expect([res.status, res.body]).toEqual([201, { success: true, data: created, message: KEY_CREATED_MESSAGE }]);
      const [caller, dto, audit, access] = service.createKey.mock.calls[0];
      expect(caller).toEqual(user);
      expect(dto).toBeInstanceOf(CreateApiKeyDto);
      expect(dto).toEqual({ ...body, expiresAt: new Date('2030-06-01T00:00:00.000Z') });
      expect(audit).toEqual(auditOf(user));
      expect(access).toBeUndefined();
    });

    it('passes the project the body names, with the caller’s role in its organisation', async () => {
      ctx.organizations.addProject(PROJECT_ID, ORG_ID).addMember(ORG_ID, USER_ID, 'member');
      service.createKey.mockResolvedValue(createdKeyView({ organizationId: ORG_ID, projectId: PROJECT_ID }));
      const res = await ctx.request('POST', '/api/keys', { body: { name: 'ci', projectId: PROJECT_ID }, headers: auth() });
      expect(res.status).toBe(201);
      expect(service.createKey.mock.calls[0][3]).toEqual({ organizationId: ORG_ID, projectId: PROJECT_ID, role: 'member' });
    });

    it('answers 404 for an organisation the caller is not a member of, before the service', async () => {
      const res = await ctx.request('POST', '/api/keys', { body: { name: 'ci', organizationId: OTHER_ID }, headers: auth() });
      expect([res.status, res.body]).toEqual([404, errorBody('not_found', { error: 'Organization not found' })]);
      expect(callsTo(service)).toEqual([]);
    });

    it.each<[string, unknown, string]>([
      ['a missing name', {}, 'name'],
      ['a name of the wrong type', { name: 5 }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['an unknown field', { name: 'ci', owner: USER_ID }, 'owner'],
      ['an unknown scope', { name: 'ci', scopes: ['wirte:keys'] }, 'scopes'],
      ['scopes that are not a list', { name: 'ci', scopes: 'read:keys' }, 'scopes'],
      ['an expiry that is not a date', { name: 'ci', expiresAt: 'next week' }, 'expiresAt'],
      ['a rate limit out of range', { name: 'ci', rateLimit: { limit: 0, windowSeconds: 60 } }, 'rateLimit.limit'],
      ['an unknown field in the rate limit', { name: 'ci', rateLimit: { limit: 1, windowSeconds: 60, burst: 2, cap: 1 } }, 'rateLimit.cap'],
      ['an address that is not one', { name: 'ci', allowedIps: ['10.0.0.300'] }, 'allowedIps'],
      ['a malformed organisation id', { name: 'ci', organizationId: 'acme' }, 'organizationId'],
      ['a malformed project id', { name: 'ci', projectId: 42 }, 'projectId'],
    ])('refuses %s with 400 validation_failed naming the field', async (_case, body, field) => {
      const res = await ctx.request('POST', '/api/keys', { body, headers: auth() });
      expect([res.status, res.body]).toEqual([400, errorBody('validation_failed', { details: expect.any(Array) })]);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(callsTo(service)).toEqual([]);
    });

    it('refuses a body that is not JSON with 415', async () => {
      const res = await ctx.request('POST', '/api/keys', { payload: 'name=ci', headers: { ...auth(), 'content-type': 'text/plain' } });
      expect([res.status, res.body]).toEqual([415, errorBody('unsupported_media_type')]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('GET /api/keys', () => {
    it('lists a page with the parsed query, in the paginated envelope', async () => {
      const items = [keyView()];
      service.listKeys.mockResolvedValue({ items, total: 11 });
      const res = await ctx.request('GET', `/api/keys?page=2&limit=5&projectId=${PROJECT_ID}`, { headers: auth() });

      expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 2, limit: 5, total: 11 } }]);
      const [caller, page] = service.listKeys.mock.calls[0];
      expect(caller).toEqual(user);
      expect(page).toBeInstanceOf(ListApiKeysQueryDto);
      expect(page).toEqual({ page: 2, limit: 5, projectId: PROJECT_ID });
    });

    it('defaults to the first page of 20', async () => {
      service.listKeys.mockResolvedValue({ items: [], total: 0 });
      const res = await ctx.request('GET', '/api/keys', { headers: ctx.as(apiKey(['read:keys']), 'bearer') });
      expect(res.body).toEqual({ success: true, data: [], meta: { page: 1, limit: 20, total: 0 } });
    });

    it.each([
      ['page=0', 'page'],
      ['page=abc', 'page'],
      ['limit=101', 'limit'],
      ['organizationId=acme', 'organizationId'],
      ['status=active', 'status'],
    ])('refuses ?%s with 400 naming %s', async (query, field) => {
      const res = await ctx.request('GET', `/api/keys?${query}`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe.each([
    ['GET', `/api/keys/not-a-uuid`],
    ['PATCH', `/api/keys/not-a-uuid`],
    ['POST', `/api/keys/not-a-uuid/rotate`],
    ['POST', `/api/keys/not-a-uuid/reveal`],
    ['DELETE', `/api/keys/not-a-uuid`],
  ])('%s %s', (method, url) => {
    it('refuses a malformed id with 400 before the service', async () => {
      const res = await ctx.request(method, url, { body: method === 'GET' || method === 'DELETE' ? undefined : {}, headers: auth() });
      expect([res.status, res.body]).toEqual([
        400,
        errorBody('validation_failed', { details: [{ field: 'id', messages: ['id must be a UUID'] }] }),
      ]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('GET /api/keys/:id returns the caller’s key', async () => {
    const key = keyView();
    service.getKey.mockResolvedValue(key);
    const res = await ctx.request('GET', `/api/keys/${KEY_ID}`, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: key }]);
    expect(service.getKey.mock.calls).toEqual([[user, KEY_ID]]);
  });

  describe('PATCH /api/keys/:id', () => {
    it('updates with the parsed body, 200 with the key', async () => {
      const key = keyView({ name: 'renamed', isActive: false });
      service.updateKey.mockResolvedValue(key);
      const body = { name: 'renamed', isActive: false, rateLimit: null };
      const res = await ctx.request('PATCH', `/api/keys/${KEY_ID}`, { body, headers: auth() });

      expect([res.status, res.body]).toEqual([200, { success: true, data: key }]);
      const [caller, id, dto, audit] = service.updateKey.mock.calls[0];
      expect([caller, id, audit]).toEqual([user, KEY_ID, auditOf(user)]);
      expect(dto).toBeInstanceOf(UpdateApiKeyDto);
      expect(dto).toEqual(body);
    });

    it.each<[string, unknown, string]>([
      ['isActive of the wrong type', { isActive: 'no' }, 'isActive'],
      ['an unknown field', { keyHash: 'x' }, 'keyHash'],
      ['an empty allowlist', { allowedIps: [] }, 'allowedIps'],
      ['a rotation policy out of range', { rotationPolicy: { everyDays: 0 } }, 'rotationPolicy.everyDays'],
    ])('refuses %s with 400', async (_case, body, field) => {
      const res = await ctx.request('PATCH', `/api/keys/${KEY_ID}`, { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('POST /api/keys/:id/rotate', () => {
    it('rotates with the parsed grace period, 201 with the once-only message', async () => {
      const rotated = { ...createdKeyView({ id: OTHER_ID }), previousKey: { id: KEY_ID, expiresAt: '2026-01-02T00:00:00.000Z' } };
      service.rotateKey.mockResolvedValue(rotated);
      const res = await ctx.request('POST', `/api/keys/${KEY_ID}/rotate`, { body: { gracePeriodSeconds: 60 }, headers: auth() });

      expect([res.status, res.body]).toEqual([201, { success: true, data: rotated, message: KEY_ROTATED_MESSAGE }]);
      const [caller, id, dto, audit] = service.rotateKey.mock.calls[0];
      expect([caller, id, audit]).toEqual([user, KEY_ID, auditOf(user)]);
      expect(dto).toBeInstanceOf(RotateApiKeyDto);
      expect(dto).toEqual({ gracePeriodSeconds: 60 });
    });

    it.each<[unknown]>([[{ gracePeriodSeconds: -1 }], [{ gracePeriodSeconds: '60' }], [{ grace: 60 }]])(
      'refuses %j with 400',
      async (body) => {
        const res = await ctx.request('POST', `/api/keys/${KEY_ID}/rotate`, { body, headers: auth() });
        expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
        expect(callsTo(service)).toEqual([]);
      },
    );
  });

  it('POST /api/keys/:id/reveal returns the key once, 200', async () => {
    const revealed = createdKeyView();
    service.revealKey.mockResolvedValue(revealed);
    const res = await ctx.request('POST', `/api/keys/${KEY_ID}/reveal`, { body: {}, headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: revealed, message: KEY_REVEALED_MESSAGE }]);
    expect(service.revealKey.mock.calls).toEqual([[user, KEY_ID, auditOf(user)]]);
  });

  it('DELETE /api/keys/:id revokes, 200 with the revoked key', async () => {
    const revoked = keyView({ status: 'revoked', revokedAt: '2026-01-02T00:00:00.000Z' });
    service.revokeKey.mockResolvedValue(revoked);
    const caller = apiKey(['delete:keys']);
    const res = await ctx.request('DELETE', `/api/keys/${KEY_ID}`, { headers: ctx.as(caller) });
    expect([res.status, res.body]).toEqual([200, { success: true, data: revoked, message: 'API key revoked' }]);
    expect(service.revokeKey.mock.calls).toEqual([[caller, KEY_ID, auditOf(caller)]]);
  });
});
