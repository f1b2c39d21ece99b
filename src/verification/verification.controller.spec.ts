import { ROLE_SCOPES } from '../access/scopes';
import {
  ControllerContext,
  KEY_ID,
  ORG_ID,
  PROJECT_ID,
  USER_ID,
  apiKey,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { VerifyKeyDto, VerifyKeyResultDto } from './dto/verify-key.dto';
import { KeyVerificationService } from './key-verification.service';
import { VERIFY_SCOPE, VerificationController } from './verification.controller';

function verdict(): VerifyKeyResultDto {
  return {
    valid: true,
    code: 'VALID',
    keyId: KEY_ID,
    clientId: null,
    ownerId: USER_ID,
    organizationId: null,
    projectId: null,
    scopes: ['read:projects'],
    expiresAt: null,
    ratelimit: { limit: 100, remaining: 99, reset: 1_767_225_660 },
  };
}

describe(VerificationController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(KeyVerificationService);

  beforeAll(async () => {
    ctx = await controllerSetup(VerificationController, [{ provide: KeyVerificationService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  describe('POST /api/v1/keys/verify', () => {
    const url = '/api/v1/keys/verify';
    const presented = 'argus_presentedKeyOfAClientxxxxxxxxxxxxxxxxxxxxxxxx';

    it('answers 401 unauthorized without credentials', async () => {
      const res = await ctx.request('POST', url, { body: { key: presented } });
      expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
      expect(callsTo(service)).toEqual([]);
    });

    it(`answers 403 insufficient_scope to a key without ${VERIFY_SCOPE}`, async () => {
      const caller = apiKey(ROLE_SCOPES.user.filter((scope) => scope !== VERIFY_SCOPE));
      const res = await ctx.request('POST', url, { body: { key: presented }, headers: ctx.as(caller) });
      expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: `Missing required scope: ${VERIFY_SCOPE}` })]);
      expect(callsTo(service)).toEqual([]);
    });

    it('verifies with the parsed body and the calling service, 200 with the verdict', async () => {
      const result = verdict();
      service.verifyKey.mockResolvedValue(result);
      const caller = apiKey([VERIFY_SCOPE]);
      const body = { key: presented, scopes: ['read:projects'], cost: 2, ip: '203.0.113.7' };
      const res = await ctx.request('POST', url, { body, headers: ctx.as(caller) });

      expect([res.status, res.body]).toEqual([200, { success: true, data: result }]);
      const [who, dto] = service.verifyKey.mock.calls[0];
      expect(who).toEqual(caller);
      expect(dto).toBeInstanceOf(VerifyKeyDto);
      expect(dto).toEqual(body);
    });

    it.each<[unknown, string]>([
      [{}, 'key'],
      [{ key: '' }, 'key'],
      [{ key: presented, scopes: ['read:everything'] }, 'scopes'],
      [{ key: presented, cost: 0 }, 'cost'],
      [{ key: presented, cost: 1.5 }, 'cost'],
      [{ key: presented, ip: 'localhost' }, 'ip'],
      [{ key: presented, userId: USER_ID }, 'userId'],
      [{ key: presented, token: 'eyJ.x.y' }, 'key'],
      [{ token: '' }, 'token'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await ctx.request('POST', url, { body, headers: ctx.as(userJwt()) });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('GET /api/v1/forward-auth', () => {
    const url = '/api/v1/forward-auth';

    it('answers 401 unauthorized without credentials, and invalid_api_key for an unknown key', async () => {
      const none = await ctx.request('GET', url);
      expect([none.status, none.body]).toEqual([401, errorBody('unauthorized')]);
      const unknown = await ctx.request('GET', url, { headers: { 'x-api-key': 'argus_unknown' } });
      expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_api_key']);
    });

    it('allows a bound key holding the scopes asked for, naming it in the X-Argus headers', async () => {
      const key = apiKey(['read:projects', 'write:projects'], { organizationId: ORG_ID, projectId: PROJECT_ID });
      const res = await ctx.request('GET', `${url}?scopes=read:projects`, { headers: ctx.as(key) });

      expect([res.status, res.body]).toEqual([
        200,
        {
          success: true,
          data: {
            userId: USER_ID,
            keyId: KEY_ID,
            clientId: null,
            organizationId: ORG_ID,
            projectId: PROJECT_ID,
            scopes: ['read:projects', 'write:projects'],
          },
        },
      ]);
      expect(res.headers).toMatchObject({
        'x-argus-key-id': KEY_ID,
        'x-argus-user-id': USER_ID,
        'x-argus-scopes': 'read:projects,write:projects',
        'x-argus-organization-id': ORG_ID,
        'x-argus-project-id': PROJECT_ID,
      });
    });

    it('allows a JWT without the key and binding headers', async () => {
      const res = await ctx.request('GET', url, { headers: ctx.as(userJwt()) });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ userId: USER_ID, keyId: null, organizationId: null, projectId: null });
      expect(res.headers['x-argus-key-id']).toBeUndefined();
      expect(res.headers['x-argus-organization-id']).toBeUndefined();
    });

    it('answers 403 insufficient_scope naming what the caller lacks', async () => {
      const res = await ctx.request('GET', `${url}?scopes=read:projects,%20delete:projects`, {
        headers: ctx.as(apiKey(['read:projects'])),
      });
      expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: 'Missing required scope: delete:projects' })]);
    });

    it('refuses an unknown scope with 400 naming scopes', async () => {
      const res = await ctx.request('GET', `${url}?scopes=wirte:projects`, { headers: ctx.as(apiKey(['read:projects'])) });
      expect([res.status, res.body.details]).toEqual([400, [{ field: 'scopes', messages: ['unknown scopes: wirte:projects'] }]]);
    });
  });
});
