import {
  ControllerContext,
  USER_ID,
  apiKey,
  auditOf,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { ConfirmPasswordDto } from '../auth/account/account.dto';
import { AccountController } from './account.controller';
import { AccountDeletionService } from './account-deletion.service';
import { AccountExportService } from './account-export.service';
import { AccountExportDto } from './dto/account-export.dto';

function exported(): AccountExportDto {
  return {
    format: 'argus.account-export',
    version: 1,
    exportedAt: '2026-12-02T04:00:00.000Z',
    profile: {
      id: USER_ID,
      email: 'ada@example.com',
      name: null,
      role: 'user',
      isActive: true,
      mfaEnabled: false,
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
    },
    apiKeys: [],
    organizations: [],
    projects: [],
    webhooks: [],
    sessions: [],
    auditEvents: [],
    truncated: [],
  };
}

describe(AccountController.name, () => {
  let ctx: ControllerContext;
  const exports = mockService(AccountExportService);
  const deletion = mockService(AccountDeletionService);
  const caller = userJwt();

  beforeAll(async () => {
    ctx = await controllerSetup(AccountController, [
      { provide: AccountExportService, useValue: exports },
      { provide: AccountDeletionService, useValue: deletion },
    ]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    exports.resetAllMocks();
    deletion.resetAllMocks();
  });

  it.each([
    ['GET', '/api/auth/me/export', undefined],
    ['DELETE', '/api/auth/me', { password: 'pw' }],
  ])('%s %s: 401 without credentials, before the service', async (method, url, body) => {
    const res = await ctx.request(method, url, { body });
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect([...callsTo(exports), ...callsTo(deletion)]).toEqual([]);
  });

  describe('GET /api/auth/me/export', () => {
    it('answers the export itself as a JSON attachment, not in the envelope', async () => {
      exports.export.mockResolvedValue(exported());
      const res = await ctx.request('GET', '/api/auth/me/export', { headers: ctx.as(caller) });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="argus-account-2026-12-02.json"');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual(exported());
      const [principal, audit] = exports.export.mock.calls[0];
      expect(principal).toMatchObject({ userId: USER_ID, method: 'jwt' });
      expect(audit).toEqual(auditOf(caller));
    });
  });

  describe('DELETE /api/auth/me', () => {
    it('deletes with the password, the client and the audit context: 204 with no body', async () => {
      deletion.deleteAccount.mockResolvedValue(undefined);
      const res = await ctx.request('DELETE', '/api/auth/me', { body: { password: 'pw' }, headers: ctx.as(caller) });
      expect([res.status, res.text]).toEqual([204, '']);
      const [, dto, client, audit] = deletion.deleteAccount.mock.calls[0];
      expect(dto).toBeInstanceOf(ConfirmPasswordDto);
      expect(dto).toEqual({ password: 'pw' });
      expect(client).toEqual({ ip: '127.0.0.1', deviceTokens: [] });
      expect(audit).toEqual(auditOf(caller));
    });

    it.each<[string, unknown]>([
      ['no body', undefined],
      ['no password', {}],
      ['an empty password', { password: '' }],
      ['a password of the wrong type', { password: 123 }],
      ['another field', { password: 'pw', force: true }],
    ])('refuses %s with 400', async (_case, body) => {
      const res = await ctx.request('DELETE', '/api/auth/me', { body, headers: ctx.as(caller) });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(deletion)).toEqual([]);
    });

    it('hands a key caller to the service, which refuses it (the route declares no scope a key could hold)', async () => {
      deletion.deleteAccount.mockResolvedValue(undefined);
      const key = apiKey(['admin:all']);
      await ctx.request('DELETE', '/api/auth/me', { body: { password: 'pw' }, headers: ctx.as(key) });
      expect(deletion.deleteAccount.mock.calls[0][0]).toMatchObject({ method: 'api_key' });
    });
  });
});
