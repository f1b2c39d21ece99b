import type { FastifyRequest } from 'fastify';
import { ROLE_SCOPES } from '../../access/scopes';
import { unauthorized } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { clientCertificateThumbprint } from '../../core/net/client-certificate';
import type { JwtVerifier } from '../../auth/signing/jwt-verifier';
import { VerifiedTokenCache } from '../../auth/signing/verified-token-cache';
import type { MembershipAccessService } from '../../organizations/membership-access.service';
import type { RateLimitService } from '../../rate-limit/rate-limit.service';
import type { UserAccess, UserAccessService } from '../../users/user-access.service';
import type { OAuthApplicationEntity } from '../applications/oauth-application.entity';
import type { OAuthApplicationAccess } from './application-access';
import { OAuthTokenAdmission } from './oauth-token-admission';
import { OAuthStrategy } from './oauth.strategy';
import type { OAuthTokenRevocations } from './token-revocations';

jest.mock('../../core/net/client-certificate', () => ({ clientCertificateThumbprint: jest.fn() }));
const thumbprint = clientCertificateThumbprint as jest.MockedFunction<typeof clientCertificateThumbprint>;

const ISSUER = 'https://argus.test';
const OWNER = '0b5d2d4e-1c3a-4f6b-8a7d-000000000001';
const USER = '0b5d2d4e-1c3a-4f6b-8a7d-000000000002';
const ORG = '0b5d2d4e-1c3a-4f6b-8a7d-000000000003';
const CLIENT = 'app_client';
const EXP = Math.floor(Date.UTC(2030, 0, 1) / 1000);

function setup(overrides: { application?: Partial<OAuthApplicationEntity> | null; users?: Record<string, UserAccess | null> } = {}) {
  const application =
    overrides.application === null
      ? null
      : ({
          clientId: CLIENT,
          ownerId: OWNER,
          organizationId: null,
          scopes: ['read:keys', 'write:keys'],
          revokedAt: null,
          ...overrides.application,
        } as OAuthApplicationEntity);
  const users: Record<string, UserAccess | null> = {
    [OWNER]: { role: 'user', isActive: true },
    [USER]: { role: 'user', isActive: true },
    ...overrides.users,
  };
  const payload: Record<string, unknown> = {
    sub: USER,
    client_id: CLIENT,
    jti: 'jti-1',
    exp: EXP,
    scope: 'openid read:keys write:keys delete:keys',
  };
  const oauthCache = new VerifiedTokenCache(10);
  const verifier = { verifyOAuthAccessToken: jest.fn(() => Promise.resolve({ ...payload })), oauthCache };
  const revoked = new Set<string>();
  let onRevoked: (id: string) => void = () => undefined;
  const revocations = { isRevoked: (id: string) => revoked.has(id), onRevoked: (listener: (id: string) => void) => (onRevoked = listener) };
  const memberships = { roleOf: jest.fn().mockResolvedValue('admin') };
  const limits = {
    enabled: true,
    chargeOAuthClient: jest.fn().mockResolvedValue({ allowed: true, limit: 50, remaining: 49, resetAt: 0, retryAfterMs: 0, headers: {} }),
  };
  const sut = new OAuthTokenAdmission(
    verifier as unknown as JwtVerifier,
    revocations as unknown as OAuthTokenRevocations,
    { get: () => Promise.resolve(application) } as unknown as OAuthApplicationAccess,
    { get: (id: string) => Promise.resolve(users[id] ?? null) } as unknown as UserAccessService,
    memberships as unknown as MembershipAccessService,
    limits as unknown as RateLimitService,
    { publicUrl: ISSUER, accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 86_400, dynamicRegistration: false },
  );
  return { sut, payload, verifier, revoked, memberships, limits, oauthCache, revoke: (id: string) => (revoked.add(id), onRevoked(id)) };
}

describe('OAuthTokenAdmission', () => {
  it('verifies against ARGUS_PUBLIC_URL and makes an oauth principal with the intersected scopes', async () => {
    const { sut, verifier } = setup();
    await expect(sut.authenticate('token')).resolves.toEqual({
      method: 'oauth',
      clientId: CLIENT,
      userId: USER,
      role: 'user',
      scopes: ['read:keys', 'write:keys'],
      organizationId: null,
      projectId: null,
      expiresAt: new Date(EXP * 1000),
    });
    expect(verifier.verifyOAuthAccessToken).toHaveBeenCalledWith('token', ISSUER);
  });

  it('a machine token (sub = client_id) acts as the owner, bounded by the owner’s role', async () => {
    const { sut, payload } = setup({ application: { scopes: ['admin:all'] } });
    Object.assign(payload, { sub: CLIENT, scope: 'admin:all' });
    const principal = await sut.authenticate('token');
    expect(principal).toMatchObject({ userId: OWNER, role: 'user' });
    expect([...principal.scopes].sort()).toEqual([...ROLE_SCOPES.user].sort());
  });

  it('passes the verifier’s own 401 on (expired stays token_expired)', async () => {
    const { sut, verifier } = setup();
    verifier.verifyOAuthAccessToken.mockRejectedValueOnce(unauthorized(ErrorCode.TokenExpired, 'Access token has expired'));
    await expect(sut.authenticate('token')).rejects.toMatchObject({ code: ErrorCode.TokenExpired });
  });

  it.each([
    ['a revoked jti', (s: ReturnType<typeof setup>) => s.revoked.add('jti-1')],
    ['a revoked grant', (s: ReturnType<typeof setup>) => (Object.assign(s.payload, { gid: 'g1' }), s.revoked.add('grant:g1'))],
    ['a sub that is neither a user id nor the client', (s: ReturnType<typeof setup>) => Object.assign(s.payload, { sub: 'someone' })],
    ['no client_id', (s: ReturnType<typeof setup>) => delete s.payload.client_id],
    ['a non-string scope', (s: ReturnType<typeof setup>) => Object.assign(s.payload, { scope: ['read:keys'] })],
  ])('refuses %s with 401 invalid_token', async (_name, arrange) => {
    const s = setup();
    arrange(s);
    await expect(s.sut.authenticate('token')).rejects.toMatchObject({ code: ErrorCode.InvalidToken, status: 401 });
  });

  it.each([
    ['an unknown application', { application: null }],
    ['a revoked application', { application: { revokedAt: new Date() } }],
    ['a deactivated user', { users: { [USER]: { role: 'user', isActive: false } } }],
    ['a deleted user', { users: { [USER]: null } }],
    ['a deactivated owner', { users: { [OWNER]: { role: 'user', isActive: false } } }],
  ] as const)('refuses %s with 401 invalid_token', async (_name, overrides) => {
    const { sut } = setup(overrides);
    await expect(sut.authenticate('token')).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('an organisation application: its owner must still administer it, and it acts inside it', async () => {
    const { sut, memberships } = setup({ application: { organizationId: ORG, scopes: ['read:organizations', 'write:organizations'] } });
    const s = setup({ application: { organizationId: ORG, scopes: ['read:organizations'] } });
    Object.assign(s.payload, { scope: 'read:organizations' });
    await expect(s.sut.authenticate('token')).resolves.toMatchObject({ organizationId: ORG, scopes: ['read:organizations'] });
    memberships.roleOf.mockResolvedValueOnce('member');
    await expect(sut.authenticate('token')).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    // A user who is not a member there gets no scopes through it.
    s.memberships.roleOf.mockResolvedValueOnce('owner').mockResolvedValueOnce(null);
    await expect(s.sut.authenticate('token')).resolves.toMatchObject({ scopes: [] });
  });

  it('a certificate-bound token needs the matching client certificate', async () => {
    const { sut, payload } = setup();
    Object.assign(payload, { cnf: { 'x5t#S256': 'thumb' } });
    const request = {} as FastifyRequest;
    thumbprint.mockReturnValueOnce(null);
    await expect(sut.authenticate('token', request)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    thumbprint.mockReturnValueOnce('other');
    await expect(sut.authenticate('token', request)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    thumbprint.mockReturnValueOnce('thumb');
    await expect(sut.authenticate('token', request)).resolves.toMatchObject({ method: 'oauth' });
    expect(thumbprint).toHaveBeenCalledWith(request);
    // No request at all (nothing to compare with): refused.
    await expect(sut.authenticate('token')).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('a revocation evicts the token from the verified-token cache', () => {
    const { oauthCache, revoke } = setup();
    const entry = { signingInput: 'h.p', kid: 'k', expiresAtMs: Date.now() + 60_000 };
    oauthCache.set('sig-a', { ...entry, payload: { jti: 'jti-1' } });
    oauthCache.set('sig-b', { ...entry, payload: { jti: 'jti-2', gid: 'g9' } });
    oauthCache.set('sig-c', { ...entry, payload: { jti: 'jti-3' } });
    revoke('jti-1');
    revoke('grant:g9');
    expect([oauthCache.get('sig-a', 'h.p'), oauthCache.get('sig-b', 'h.p')]).toEqual([undefined, undefined]);
    expect(oauthCache.get('sig-c', 'h.p')).toBeDefined();
  });

  describe('admit (the verify API)', () => {
    const mayInspect = () => true;

    it('VALID with the client’s limit charged', async () => {
      const { sut, limits } = setup();
      await expect(sut.admit('token', { scopes: ['read:keys'], cost: 2, mayInspect })).resolves.toMatchObject({ code: 'VALID' });
      expect(limits.chargeOAuthClient).toHaveBeenCalledWith(CLIENT, 2);
    });

    it('limit: false judges the token without spending its client’s limit (introspection)', async () => {
      const { sut, limits } = setup();
      await expect(sut.admit('token', { limit: false, mayInspect })).resolves.toMatchObject({ code: 'VALID', ratelimit: null });
      expect(limits.chargeOAuthClient).not.toHaveBeenCalled();
    });

    it('answers codes instead of throwing', async () => {
      const expired = setup();
      expired.verifier.verifyOAuthAccessToken.mockRejectedValueOnce(unauthorized(ErrorCode.TokenExpired, 'expired'));
      await expect(expired.sut.admit('t', { mayInspect })).resolves.toMatchObject({ code: 'EXPIRED', principal: null });
      const bad = setup();
      bad.verifier.verifyOAuthAccessToken.mockRejectedValueOnce(unauthorized(ErrorCode.InvalidToken, 'bad'));
      await expect(bad.sut.admit('t', { mayInspect })).resolves.toMatchObject({ code: 'NOT_FOUND' });
      const revoked = setup();
      revoked.revoked.add('jti-1');
      await expect(revoked.sut.admit('t', { mayInspect })).resolves.toMatchObject({ code: 'REVOKED' });
      const inactive = setup({ users: { [USER]: { role: 'user', isActive: false } } });
      await expect(inactive.sut.admit('t', { mayInspect })).resolves.toMatchObject({ code: 'INACTIVE' });
      const foreign = setup();
      await expect(foreign.sut.admit('t', { mayInspect: () => false })).resolves.toMatchObject({ code: 'NOT_FOUND', principal: null });
      const scope = setup();
      await expect(scope.sut.admit('t', { scopes: ['delete:keys'], mayInspect })).resolves.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      expect(scope.limits.chargeOAuthClient).not.toHaveBeenCalled();
      const limited = setup();
      limited.limits.chargeOAuthClient.mockResolvedValueOnce({
        allowed: false,
        limit: 50,
        remaining: 0,
        resetAt: 0,
        retryAfterMs: 500,
        headers: {},
      });
      await expect(limited.sut.admit('t', { mayInspect })).resolves.toMatchObject({ code: 'RATE_LIMITED' });
    });
  });
});

describe('OAuthStrategy', () => {
  it('hands the bearer token and the request to the admission', async () => {
    const admission = { authenticate: jest.fn().mockResolvedValue({ method: 'oauth' }) };
    const strategy = new OAuthStrategy(admission as unknown as OAuthTokenAdmission);
    const request = {} as FastifyRequest;
    await expect(strategy.validate('tok', request)).resolves.toEqual({ method: 'oauth' });
    expect(admission.authenticate).toHaveBeenCalledWith('tok', request);
  });
});
