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
import { userView } from '../../test/support/controller-fixtures';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginResponseDto, TokenPairDto } from './dto/auth-response.dto';
import { LoginDto, RegisterDto } from './dto/auth.dto';

const PASSWORD = 'correct horse battery staple';
const ANONYMOUS_AUDIT = {
  actorType: 'anonymous',
  actorId: null,
  actorKeyId: null,
  ip: '127.0.0.1',
  userAgent: 'lightMyRequest',
  requestId: expect.any(String),
};

function tokenPair(): TokenPairDto {
  return {
    accessToken: 'eyJ.access.token',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2026-01-01T01:00:00.000Z',
    refreshToken: 'refresh-token',
    refreshExpiresAt: '2026-01-08T00:00:00.000Z',
    user: userView(),
  };
}

describe(AuthController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(AuthService);

  beforeAll(async () => {
    ctx = await controllerSetup(AuthController, [{ provide: AuthService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  describe('POST /api/auth/register (public)', () => {
    it('registers with the normalised email and an anonymous audit context, 201', async () => {
      const user = userView();
      service.register.mockResolvedValue(user);
      const res = await ctx.request('POST', '/api/auth/register', {
        body: { email: '  Ada@Example.COM ', password: PASSWORD, name: 'Ada' },
      });

      expect([res.status, res.body]).toEqual([201, { success: true, data: user, message: 'Account created' }]);
      const [dto, audit] = service.register.mock.calls[0];
      expect(dto).toBeInstanceOf(RegisterDto);
      expect(dto).toEqual({ email: 'ada@example.com', password: PASSWORD, name: 'Ada' });
      expect(audit).toEqual(ANONYMOUS_AUDIT);
    });

    // Every row has four cells: Jest hands a shorter row's missing cell over as a done callback.
    it.each<[string, unknown, string, string | null]>([
      ['a missing email', { password: PASSWORD }, 'email', 'email is required'],
      ['an email that is not one', { email: 'ada', password: PASSWORD }, 'email', 'email must be a valid email address'],
      ['a short password', { email: 'ada@example.com', password: 'short' }, 'password', null],
      ['a password of the wrong type', { email: 'ada@example.com', password: 123456789012 }, 'password', 'password must be a string'],
      [
        'a role the caller picks',
        { email: 'ada@example.com', password: PASSWORD, role: 'admin' },
        'role',
        'property role should not exist',
      ],
      ['an empty name', { email: 'ada@example.com', password: PASSWORD, name: '' }, 'name', null],
    ])('refuses %s with 400 naming the field', async (_case, body, field, message) => {
      const res = await ctx.request('POST', '/api/auth/register', { body });
      expect([res.status, res.body]).toEqual([400, errorBody('validation_failed', { details: expect.any(Array) })]);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      if (message) expect(res.body.details.find((detail: { field: string }) => detail.field === field).messages).toContain(message);
      expect(callsTo(service)).toEqual([]);
    });

    it('ignores a credential: a forged token does not turn a public route into a 401', async () => {
      service.register.mockResolvedValue(userView());
      const res = await ctx.request('POST', '/api/auth/register', {
        body: { email: 'ada@example.com', password: PASSWORD },
        headers: { authorization: 'Bearer forged' },
      });
      expect(res.status).toBe(201);
    });
  });

  describe('POST /api/auth/login (public)', () => {
    it('logs in with the client’s address and device tokens, 200, and sets the device cookie', async () => {
      const response: LoginResponseDto = { ...tokenPair(), deviceToken: 'v1.device', deviceTokenExpiresAt: '2026-02-01T00:00:00.000Z' };
      service.login.mockResolvedValue(response);
      const res = await ctx.request('POST', '/api/auth/login', {
        body: { email: 'Ada@example.com', password: PASSWORD },
        headers: { 'x-device-token': 'v1.earlier', cookie: 'argus_device=v1.cookie' },
      });

      expect([res.status, res.body]).toEqual([200, { success: true, data: response }]);
      expect(res.headers['set-cookie']).toMatch(/^argus_device=v1\.device; Max-Age=\d+; Path=\/api\/auth; HttpOnly; SameSite=Strict$/);
      const [dto, audit, client] = service.login.mock.calls[0];
      expect(dto).toBeInstanceOf(LoginDto);
      expect(dto).toEqual({ email: 'ada@example.com', password: PASSWORD });
      expect(audit).toEqual(ANONYMOUS_AUDIT);
      expect(client).toEqual({ ip: '127.0.0.1', deviceTokens: ['v1.cookie', 'v1.earlier'] });
    });

    it.each<[string, unknown, string]>([
      ['a missing password', { email: 'ada@example.com' }, 'password'],
      ['an empty password', { email: 'ada@example.com', password: '' }, 'password'],
      ['an email of the wrong type', { email: ['ada@example.com'], password: PASSWORD }, 'email'],
      ['an unknown field', { email: 'ada@example.com', password: PASSWORD, remember: true }, 'remember'],
    ])('refuses %s with 400 naming the field', async (_case, body, field) => {
      const res = await ctx.request('POST', '/api/auth/login', { body });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('two-factor: POST /api/auth/login and /api/auth/login/mfa (public)', () => {
    const challenge = {
      mfaRequired: true as const,
      mfaToken: 'mfa-token',
      mfaTokenExpiresAt: '2026-01-01T00:05:00.000Z',
      methods: ['totp' as const, 'recovery_code' as const],
    };

    it('answers the challenge of an account with two-factor on, 200, with no device cookie', async () => {
      service.login.mockResolvedValue(challenge);
      const res = await ctx.request('POST', '/api/auth/login', { body: { email: 'ada@example.com', password: PASSWORD } });
      expect([res.status, res.body]).toEqual([200, { success: true, data: challenge }]);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('trades the mfaToken and a code for the login answer, with the device cookie', async () => {
      const response: LoginResponseDto = { ...tokenPair(), deviceToken: 'v1.device', deviceTokenExpiresAt: '2026-02-01T00:00:00.000Z' };
      service.loginWithMfa.mockResolvedValue(response);
      const res = await ctx.request('POST', '/api/auth/login/mfa', { body: { mfaToken: 'mfa-token', code: '123456' } });
      expect([res.status, res.body]).toEqual([200, { success: true, data: response }]);
      expect(res.headers['set-cookie']).toMatch(/^argus_device=v1\.device;/);
      const [dto, audit, client] = service.loginWithMfa.mock.calls[0];
      expect(dto).toEqual({ mfaToken: 'mfa-token', code: '123456' });
      expect(audit).toEqual(ANONYMOUS_AUDIT);
      expect(client).toEqual({ ip: '127.0.0.1', deviceTokens: [] });
    });

    it.each<[string, unknown, string]>([
      ['no mfaToken', { code: '123456' }, 'mfaToken'],
      ['no code', { mfaToken: 'mfa-token' }, 'code'],
      ['a code of the wrong type', { mfaToken: 'mfa-token', code: 123456 }, 'code'],
      ['an unknown field', { mfaToken: 'mfa-token', code: '123456', method: 'totp' }, 'method'],
    ])('refuses a code step with %s, 400 naming the field', async (_case, body, field) => {
      const res = await ctx.request('POST', '/api/auth/login/mfa', { body });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('POST /api/auth/refresh (public)', () => {
    it('trades the refresh token for a pair, 200', async () => {
      const pair = tokenPair();
      service.refresh.mockResolvedValue(pair);
      const res = await ctx.request('POST', '/api/auth/refresh', { body: { refreshToken: 'refresh-token' } });
      expect([res.status, res.body]).toEqual([200, { success: true, data: pair }]);
      expect(service.refresh.mock.calls).toEqual([['refresh-token']]);
    });

    it.each<[unknown, string]>([
      [{}, 'refreshToken is required'],
      [{ refreshToken: 7 }, 'refreshToken must be a string'],
      [{ refreshToken: 'x'.repeat(201) }, 'refreshToken must be shorter than or equal to 200 characters'],
    ])('refuses %j with 400', async (body, message) => {
      const res = await ctx.request('POST', '/api/auth/refresh', { body });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details[0].messages).toContain(message);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('POST /api/auth/logout (public)', () => {
    it('revokes the refresh token, 200 with no data', async () => {
      service.logout.mockResolvedValue(undefined);
      const res = await ctx.request('POST', '/api/auth/logout', { body: { refreshToken: 'refresh-token' } });
      expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'Logged out' }]);
      expect(service.logout.mock.calls).toEqual([['refresh-token']]);
    });

    it('refuses a body without the token with 400', async () => {
      const res = await ctx.request('POST', '/api/auth/logout', { body: { token: 'refresh-token' } });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('GET /api/auth/verify', () => {
    it('answers 401 unauthorized without credentials', async () => {
      const res = await ctx.request('GET', '/api/auth/verify');
      expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    });

    it('describes a JWT caller', async () => {
      const res = await ctx.request('GET', '/api/auth/verify', { headers: ctx.as(userJwt()) });
      expect([res.status, res.body]).toEqual([
        200,
        {
          success: true,
          data: {
            authenticated: true,
            method: 'jwt',
            userId: USER_ID,
            role: 'user',
            scopes: userJwt().scopes,
            expiresAt: '2030-01-01T00:00:00.000Z',
          },
        },
      ]);
    });

    it('describes a bound key, with its id and binding, whatever its scopes', async () => {
      const key = apiKey([], { organizationId: ORG_ID, projectId: PROJECT_ID, expiresAt: null });
      const res = await ctx.request('GET', '/api/auth/verify', { headers: ctx.as(key, 'bearer') });
      expect(res.body.data).toEqual({
        authenticated: true,
        method: 'api_key',
        userId: USER_ID,
        keyId: KEY_ID,
        organizationId: ORG_ID,
        projectId: PROJECT_ID,
        role: 'user',
        scopes: [],
        expiresAt: null,
      });
    });
  });
});

describe(`${AuthController.name} with RATE_LIMIT_REGISTER`, () => {
  let ctx: ControllerContext;
  const service = mockService(AuthService);

  beforeAll(async () => {
    ctx = await controllerSetup(AuthController, [{ provide: AuthService, useValue: service }], { env: { RATE_LIMIT_REGISTER: '1/1h' } });
  });
  afterAll(() => ctx.close());

  it('counts registrations per client on the route’s own limit: the second is 429 before the service', async () => {
    service.register.mockResolvedValue(userView());
    const body = { email: 'ada@example.com', password: PASSWORD };
    expect((await ctx.request('POST', '/api/auth/register', { body })).status).toBe(201);
    const limited = await ctx.request('POST', '/api/auth/register', { body });
    expect([limited.status, limited.body]).toEqual([429, errorBody('rate_limit_exceeded', { retryAfter: expect.any(Number) })]);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(service.register.mock.calls).toHaveLength(1);
  });
});
