import {
  ADMIN_ID,
  ControllerContext,
  USER_ID,
  adminJwt,
  apiKey,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../../test/support/controller-setup';
import { AdminMfaController } from '../../admin/admin-mfa.controller';
import { MfaController } from './mfa.controller';
import { MfaService } from './mfa.service';

const STATUS = { enabled: true, enabledAt: '2026-01-01T00:00:00.000Z', pending: false, recoveryCodesLeft: 10, required: false };
const CODES = { recoveryCodes: ['abcde-fghjk'] };

describe(MfaController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(MfaService);

  beforeAll(async () => {
    ctx = await controllerSetup([MfaController, AdminMfaController], [{ provide: MfaService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  it('GET /api/auth/mfa answers the caller’s status', async () => {
    service.status.mockResolvedValue(STATUS);
    const res = await ctx.request('GET', '/api/auth/mfa', { headers: ctx.as(userJwt()) });
    expect([res.status, res.body]).toEqual([200, { success: true, data: STATUS }]);
    expect(service.status).toHaveBeenCalledWith(USER_ID);
  });

  it('POST /api/auth/mfa/totp starts a set-up, 201', async () => {
    const enrolment = { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/x', qrCode: 'data:image/svg+xml;base64,' };
    service.startTotp.mockResolvedValue(enrolment);
    const res = await ctx.request('POST', '/api/auth/mfa/totp', { headers: ctx.as(userJwt()), body: {} });
    expect([res.status, res.body]).toEqual([201, { success: true, data: enrolment }]);
  });

  it('POST /api/auth/mfa/totp/confirm passes the code and the audit context', async () => {
    service.confirmTotp.mockResolvedValue(CODES);
    const caller = userJwt();
    const res = await ctx.request('POST', '/api/auth/mfa/totp/confirm', { headers: ctx.as(caller), body: { code: '123456' } });
    expect([res.status, res.body]).toEqual([200, { success: true, data: CODES }]);
    expect(service.confirmTotp).toHaveBeenCalledWith(USER_ID, '123456', auditOf(caller));
  });

  it.each<[string, unknown]>([
    ['no code', {}],
    ['a number', { code: 123456 }],
    ['an empty code', { code: '' }],
    ['an unknown field', { code: '123456', secret: 'x' }],
  ])('refuses a confirm with %s, 400, before the service', async (_case, body) => {
    const res = await ctx.request('POST', '/api/auth/mfa/totp/confirm', { headers: ctx.as(userJwt()), body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('validation_failed', { details: expect.any(Array) }));
    expect(callsTo(service)).toEqual([]);
  });

  it('DELETE /api/auth/mfa passes the proof and the client', async () => {
    service.disable.mockResolvedValue(undefined);
    const res = await ctx.request('DELETE', '/api/auth/mfa', { headers: ctx.as(userJwt()), body: { password: 'pw' } });
    expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'Two-factor authentication turned off' }]);
    expect(service.disable).toHaveBeenCalledWith(USER_ID, { password: 'pw' }, expect.any(Object), { ip: '127.0.0.1', deviceTokens: [] });
  });

  it('POST /api/auth/mfa/recovery-codes answers the new codes', async () => {
    service.regenerateRecoveryCodes.mockResolvedValue(CODES);
    const res = await ctx.request('POST', '/api/auth/mfa/recovery-codes', { headers: ctx.as(userJwt()), body: { code: '123456' } });
    expect([res.status, res.body]).toEqual([200, { success: true, data: CODES }]);
  });

  it.each<[string, string, string]>([
    ['GET', '/api/auth/mfa', 'read:mfa'],
    ['POST', '/api/auth/mfa/totp', 'write:mfa'],
    ['POST', '/api/auth/mfa/totp/confirm', 'write:mfa'],
    ['DELETE', '/api/auth/mfa', 'delete:mfa'],
    ['POST', '/api/auth/mfa/recovery-codes', 'write:mfa'],
  ])('%s %s: 401 without credentials, 403 insufficient_scope for a key without %s', async (method, url, scope) => {
    expect((await ctx.request(method, url, { body: { code: '123456' } })).status).toBe(401);
    const res = await ctx.request(method, url, {
      headers: ctx.as(apiKey(['read:keys', 'write:keys', 'delete:keys'])),
      body: { code: '123456' },
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(errorBody('insufficient_scope', { error: `Missing required scope: ${scope}` }));
    expect(callsTo(service)).toEqual([]);
  });

  describe('DELETE /api/admin/users/:id/mfa', () => {
    it('resets, 204 with no body, audited as the admin', async () => {
      service.reset.mockResolvedValue(undefined);
      const caller = adminJwt();
      const res = await ctx.request('DELETE', `/api/admin/users/${USER_ID}/mfa`, { headers: ctx.as(caller) });
      expect([res.status, res.text]).toEqual([204, '']);
      expect(service.reset).toHaveBeenCalledWith(USER_ID, auditOf(caller));
    });

    it('is for admins: 403 for a user, 400 for an id that is not one', async () => {
      expect((await ctx.request('DELETE', `/api/admin/users/${ADMIN_ID}/mfa`, { headers: ctx.as(userJwt()) })).status).toBe(403);
      const bad = await ctx.request('DELETE', '/api/admin/users/nope/mfa', { headers: ctx.as(adminJwt()) });
      expect(bad.status).toBe(400);
      expect(callsTo(service)).toEqual([]);
    });
  });
});

describe('REQUIRE_MFA_FOR_ADMINS (controller tier)', () => {
  let ctx: ControllerContext;
  const service = mockService(MfaService);

  beforeAll(async () => {
    ctx = await controllerSetup([MfaController, AdminMfaController], [{ provide: MfaService, useValue: service }], {
      env: { REQUIRE_MFA_FOR_ADMINS: 'true' },
    });
  });
  afterAll(() => ctx.close());

  it('answers an admin route 403 mfa_required for an admin without two-factor, and leaves the mfa routes open', async () => {
    const res = await ctx.request('DELETE', `/api/admin/users/${USER_ID}/mfa`, { headers: ctx.as(adminJwt()) });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(errorBody('mfa_required'));
    service.status.mockResolvedValue({ ...STATUS, enabled: false, required: true });
    expect((await ctx.request('GET', '/api/auth/mfa', { headers: ctx.as(adminJwt()) })).status).toBe(200);
    expect(callsTo(service)).toEqual(['status']);
  });
});
