import { ROLE_SCOPES } from '../access/scopes';
import {
  ADMIN_ID,
  ControllerContext,
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
import { conflict } from '../core/errors/app.exception';
import { SigningKeysService, SigningKeyView } from '../auth/signing/signing-keys.service';
import { SIGNING_KEY_ROTATED_MESSAGE, SigningKeysController } from './signing-keys.controller';

const KID = '0b8e7c1a-5a4e-4d4b-9f0e-3c2d1b0a9f8e';
const view = (fields: Partial<SigningKeyView> = {}): SigningKeyView => ({
  kid: KID,
  alg: 'ES256',
  status: 'active',
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  activatedAt: new Date('2026-01-01T00:00:00.000Z'),
  retiredAt: null,
  expiresAt: null,
  publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: KID, alg: 'ES256', use: 'sig' },
  ...fields,
});

describe(SigningKeysController.name, () => {
  let ctx: ControllerContext;
  const service = mockServices<PublicOf<SigningKeysService>>(SigningKeysService);
  const admin = adminJwt();

  beforeAll(async () => {
    ctx = await controllerSetup(SigningKeysController, [{ provide: SigningKeysService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  const routes: Array<[string, string, unknown]> = [
    ['GET', '/api/admin/signing-keys', undefined],
    ['POST', '/api/admin/signing-keys/rotate', {}],
  ];

  it.each(routes)('%s %s: 401 without credentials, 403 for users and for admin keys without admin:all', async (method, url, body) => {
    expect((await ctx.request(method, url, { body })).body).toEqual(errorBody('unauthorized'));
    for (const caller of [userJwt(), apiKey([...ROLE_SCOPES.user])]) {
      expect((await ctx.request(method, url, { body, headers: ctx.as(caller) })).body).toEqual(errorBody('forbidden'));
    }
    const narrow = apiKey(['read:*', 'write:*', 'delete:*'], { userId: ADMIN_ID, role: 'admin' });
    const res = await ctx.request(method, url, { body, headers: ctx.as(narrow) });
    expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
    expect(callsTo(service)).toEqual([]);
  });

  it('lists the keys, public parts only', async () => {
    service.list.mockResolvedValue([view(), view({ kid: 'older', status: 'retired' })]);
    const res = await ctx.request('GET', '/api/admin/signing-keys', { headers: ctx.as(admin) });
    expect(res.status).toBe(200);
    expect(res.body.data.map((key: SigningKeyView) => [key.kid, key.status])).toEqual([
      [KID, 'active'],
      ['older', 'retired'],
    ]);
  });

  it('rotates with the caller as the audit actor: 201 and the new key', async () => {
    service.rotate.mockResolvedValue(view());
    const res = await ctx.request('POST', '/api/admin/signing-keys/rotate', { headers: ctx.as(admin) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, message: SIGNING_KEY_ROTATED_MESSAGE, data: { kid: KID, status: 'active' } });
    expect(service.rotate.mock.calls).toEqual([[auditOf(admin)]]);
  });

  it('answers 409 in HS256 mode', async () => {
    service.rotate.mockRejectedValue(conflict('JWT_ALGORITHM is HS256'));
    const res = await ctx.request('POST', '/api/admin/signing-keys/rotate', { headers: ctx.as(admin) });
    expect([res.status, res.body.code]).toEqual([409, 'conflict']);
  });
});
