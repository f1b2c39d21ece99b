import {
  ControllerContext,
  USER_ID,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../../test/support/controller-setup';
import { userView } from '../../../test/support/controller-fixtures';
import { AccountSecurityController } from './account-security.controller';
import { AccountSecurityService } from './account-security.service';
import { ChangePasswordDto, UpdateProfileDto } from './account.dto';

const CLIENT = { ip: '127.0.0.1', deviceTokens: [] };

describe(AccountSecurityController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(AccountSecurityService);
  const caller = userJwt();

  beforeAll(async () => {
    ctx = await controllerSetup(AccountSecurityController, [{ provide: AccountSecurityService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  it.each([
    ['PATCH', '/api/auth/me', { name: 'Ada' }],
    ['POST', '/api/auth/password', { currentPassword: 'old-password-1', newPassword: 'new-password-12' }],
  ])('%s %s: 401 without credentials, before the service', async (method, url, body) => {
    const res = await ctx.request(method, url, { body });
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(callsTo(service)).toEqual([]);
  });

  describe('PATCH /api/auth/me', () => {
    it('passes the normalised profile change, the client and the audit context; 200 with the user', async () => {
      const user = userView({ name: 'Ada L.' });
      service.updateProfile.mockResolvedValue(user);
      const res = await ctx.request('PATCH', '/api/auth/me', {
        body: { name: 'Ada L.', email: ' Ada@Example.ORG ', currentPassword: 'pw' },
        headers: ctx.as(caller),
      });
      expect([res.status, res.body]).toEqual([200, { success: true, data: user }]);
      const [principal, dto, client, audit] = service.updateProfile.mock.calls[0];
      expect(principal).toMatchObject({ userId: USER_ID, method: 'jwt' });
      expect(dto).toBeInstanceOf(UpdateProfileDto);
      expect(dto).toEqual({ name: 'Ada L.', email: 'ada@example.org', currentPassword: 'pw' });
      expect(client).toEqual(CLIENT);
      expect(audit).toEqual(auditOf(caller));
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an email that is not one', { email: 'ada' }, 'email'],
      ['an empty name', { name: '' }, 'name'],
      ['a field that is not the profile', { role: 'admin' }, 'role'],
      ['a password of the wrong type', { email: 'a@b.co', currentPassword: 42 }, 'currentPassword'],
    ])('refuses %s with 400 naming the field', async (_case, body, field) => {
      const res = await ctx.request('PATCH', '/api/auth/me', { body, headers: ctx.as(caller) });
      expect([res.status, res.body.code, res.body.details?.[0]?.field]).toEqual([400, 'validation_failed', field]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('POST /api/auth/password', () => {
    it('changes it: 204 with no body', async () => {
      service.changePassword.mockResolvedValue(undefined);
      const body = { currentPassword: 'old-password-1', newPassword: 'new-password-12' };
      const res = await ctx.request('POST', '/api/auth/password', { body, headers: ctx.as(caller) });
      expect([res.status, res.text]).toEqual([204, '']);
      const [, dto, client, audit] = service.changePassword.mock.calls[0];
      expect(dto).toBeInstanceOf(ChangePasswordDto);
      expect(dto).toEqual(body);
      expect(client).toEqual(CLIENT);
      expect(audit).toEqual(auditOf(caller));
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['a new password under 12 characters', { currentPassword: 'old', newPassword: 'short' }, 'newPassword'],
      ['a new password over 256 characters', { currentPassword: 'old', newPassword: 'x'.repeat(257) }, 'newPassword'],
      ['no current password', { newPassword: 'new-password-12' }, 'currentPassword'],
    ])('refuses %s with 400 naming the field', async (_case, body, field) => {
      const res = await ctx.request('POST', '/api/auth/password', { body, headers: ctx.as(caller) });
      expect([res.status, res.body.code, res.body.details?.[0]?.field]).toEqual([400, 'validation_failed', field]);
      expect(callsTo(service)).toEqual([]);
    });
  });
});
