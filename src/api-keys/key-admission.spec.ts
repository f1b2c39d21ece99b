import { AppException } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import type { KeyScopesService } from '../organizations/key-scopes.service';
import type { RateLimitService } from '../rate-limit/rate-limit.service';
import type { RateLimitResult } from '../rate-limit/rate-limit.types';
import type { UserAccess, UserAccessService } from '../users/user-access.service';
import { ApiKeyVerifier, KeyRecord } from './api-key-verifier.service';
import { AdmissionRequest, KeyAdmission } from './key-admission';
import type { LastUsedTracker } from './last-used.tracker';
import { CertificateRequest, clientCertificateThumbprint } from '../core/net/client-certificate';

jest.mock('../core/net/client-certificate', () => ({ clientCertificateThumbprint: jest.fn() }));
const presentedCertificate = clientCertificateThumbprint as jest.MockedFunction<typeof clientCertificateThumbprint>;
const A_REQUEST = {} as CertificateRequest;
const BOUND = 'YA749vgJLKGp5GQABKmpy4z1UF0hQAgDfhzCz9QoZwo';
const OTHER = 'x'.repeat(43);

beforeEach(() => presentedCertificate.mockReset().mockReturnValue(null));

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const PRESENTED = 'argus_presented';

const record = (overrides: Partial<KeyRecord> = {}): KeyRecord => ({
  id: 'key-1',
  userId: 'user-1',
  organizationId: null,
  projectId: null,
  scopes: ['read:keys', 'write:keys'],
  isActive: true,
  revoked: false,
  rotated: false,
  expiresAt: null,
  rateLimit: null,
  quota: null,
  allowedIps: null,
  allowsIp: null,
  certificateThumbprint: null,
  ...overrides,
});

const allowed = (allowedNow: boolean): RateLimitResult => ({
  allowed: allowedNow,
  limit: 10,
  remaining: allowedNow ? 9 : 0,
  resetAt: NOW + 60_000,
  retryAfterMs: allowedNow ? 0 : 60_000,
});

/** The admission over typed fakes of what it consults: the key store, the owner, the limits. */
function setup(options: { key?: KeyRecord | null; owner?: UserAccess | null; limitsEnabled?: boolean; rate?: RateLimitResult } = {}) {
  const clock = new (class extends Clock {
    override now(): number {
      return NOW;
    }
  })();
  const key = options.key === undefined ? record() : options.key;
  // The verifier's real problem rules and 401s, over a record the fake look-up returns.
  const verifier = Object.assign(Object.create(ApiKeyVerifier.prototype) as object, { clock }) as unknown as ApiKeyVerifier;
  jest.spyOn(verifier, 'lookup').mockResolvedValue(key);
  const owner = options.owner === undefined ? { role: 'user' as const, isActive: true } : options.owner;
  const userAccess = { get: jest.fn().mockResolvedValue(owner) } as unknown as UserAccessService;
  const keyScopes = { effective: jest.fn((k: KeyRecord) => k.scopes) } as unknown as KeyScopesService;
  const consumeForKey = jest.fn().mockResolvedValue(options.rate ?? allowed(true));
  const limits = { enabled: options.limitsEnabled ?? true, consumeForKey } as unknown as RateLimitService;
  const recordUse = jest.fn();
  const lastUsed = { record: recordUse } as unknown as LastUsedTracker;
  const sut = new KeyAdmission(verifier, userAccess, keyScopes, limits, lastUsed, clock);
  return { sut, consumeForKey, recordUse };
}

const ask = (overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => ({ mayInspect: () => true, ...overrides });

describe('KeyAdmission.admit (the verify API)', () => {
  it('answers VALID with the key, its scopes and the limit it spent', async () => {
    const { sut, consumeForKey } = setup();
    const admission = await sut.admit(PRESENTED, ask({ cost: 3 }));
    expect(admission).toMatchObject({ code: 'VALID', record: { id: 'key-1' }, scopes: ['read:keys', 'write:keys'] });
    expect(admission.ratelimit?.remaining).toBe(9);
    expect(consumeForKey).toHaveBeenCalledWith('key-1', null, 3);
  });

  it('answers NOT_FOUND for an unknown key and for a key the caller may not inspect, revealing nothing', async () => {
    await expect(setup({ key: null }).sut.admit(PRESENTED, ask())).resolves.toEqual({
      code: 'NOT_FOUND',
      record: null,
      scopes: [],
      ratelimit: null,
    });
    const revokedElsewhere = setup({ key: record({ revoked: true }) });
    const admission = await revokedElsewhere.sut.admit(PRESENTED, ask({ mayInspect: () => false }));
    expect(admission.code).toBe('NOT_FOUND');
    expect(admission.record).toBeNull();
  });

  it.each([
    ['REVOKED', record({ revoked: true, expiresAt: NOW - 1 })],
    ['INACTIVE', record({ isActive: false, expiresAt: NOW - 1 })],
    ['EXPIRED', record({ expiresAt: NOW - 1 })],
    ['EXPIRED', record({ rotated: true, expiresAt: NOW })],
  ])('answers %s for the key state, before the owner, the address, the scopes and the limit', async (code, key) => {
    const { sut, consumeForKey } = setup({ key, owner: { role: 'user', isActive: false } });
    const admission = await sut.admit(PRESENTED, ask({ ip: '203.0.113.9', scopes: ['admin:all'] }));
    expect(admission.code).toBe(code);
    expect(admission.scopes).toEqual(['read:keys', 'write:keys']);
    expect(consumeForKey).not.toHaveBeenCalled();
  });

  it('answers INACTIVE for a deactivated or deleted owner, with no scopes when the owner is gone', async () => {
    await expect(setup({ owner: { role: 'user', isActive: false } }).sut.admit(PRESENTED, ask())).resolves.toMatchObject({
      code: 'INACTIVE',
    });
    await expect(setup({ owner: null }).sut.admit(PRESENTED, ask())).resolves.toMatchObject({ code: 'INACTIVE', scopes: [] });
  });

  it('answers CERTIFICATE_REQUIRED for a bound key without its certificate, after the key state and the owner, before the address', async () => {
    const bound = record({ certificateThumbprint: BOUND, allowsIp: () => false });
    for (const certificateThumbprint of [undefined, OTHER]) {
      const { sut, consumeForKey } = setup({ key: bound });
      await expect(sut.admit(PRESENTED, ask({ certificateThumbprint, scopes: ['admin:all'] }))).resolves.toMatchObject({
        code: 'CERTIFICATE_REQUIRED',
        record: { id: 'key-1' },
      });
      expect(consumeForKey).not.toHaveBeenCalled();
    }
    await expect(
      setup({ key: record({ certificateThumbprint: BOUND, revoked: true }) }).sut.admit(PRESENTED, ask()),
    ).resolves.toMatchObject({
      code: 'REVOKED',
    });
    await expect(setup({ key: bound, owner: { role: 'user', isActive: false } }).sut.admit(PRESENTED, ask())).resolves.toMatchObject({
      code: 'INACTIVE',
    });
    await expect(setup({ key: bound }).sut.admit(PRESENTED, ask({ certificateThumbprint: BOUND }))).resolves.toMatchObject({
      code: 'FORBIDDEN_BY_POLICY',
    });
  });

  it('admits a bound key with its certificate, and an unbound key whatever certificate is named', async () => {
    const bound = setup({ key: record({ certificateThumbprint: BOUND }) });
    await expect(bound.sut.admit(PRESENTED, ask({ certificateThumbprint: BOUND }))).resolves.toMatchObject({ code: 'VALID' });
    await expect(setup().sut.admit(PRESENTED, ask({ certificateThumbprint: OTHER }))).resolves.toMatchObject({ code: 'VALID' });
    // The verify API compares the thumbprint it is told; the asking service's own connection is not the client's.
    expect(presentedCertificate).not.toHaveBeenCalled();
  });

  it('checks the address before the scopes, and the scopes before spending the limit', async () => {
    const onlyLocal = record({ allowsIp: (ip) => ip === '10.0.0.1' });
    const outside = setup({ key: onlyLocal });
    await expect(outside.sut.admit(PRESENTED, ask({ ip: '203.0.113.9', scopes: ['admin:all'] }))).resolves.toMatchObject({
      code: 'FORBIDDEN_BY_POLICY',
    });
    const inside = setup({ key: onlyLocal });
    await expect(inside.sut.admit(PRESENTED, ask({ ip: '10.0.0.1', scopes: ['admin:all'] }))).resolves.toMatchObject({
      code: 'INSUFFICIENT_SCOPE',
    });
    expect(outside.consumeForKey).not.toHaveBeenCalled();
    expect(inside.consumeForKey).not.toHaveBeenCalled();
  });

  it('answers RATE_LIMITED with the limit when the key has spent it, and VALID without a limit when limits are off', async () => {
    const spent = await setup({ rate: allowed(false) }).sut.admit(PRESENTED, ask());
    expect(spent).toMatchObject({ code: 'RATE_LIMITED', ratelimit: { remaining: 0 } });
    const off = setup({ limitsEnabled: false });
    await expect(off.sut.admit(PRESENTED, ask())).resolves.toMatchObject({ code: 'VALID', ratelimit: null });
    expect(off.consumeForKey).not.toHaveBeenCalled();
  });
});

describe('KeyAdmission.authenticate (the guard chain)', () => {
  const refusal = async (promise: Promise<unknown>): Promise<string | undefined> => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).getStatus()).toBe(401);
    return (error as AppException).code;
  };

  it('makes the caller of a good key and records its use', async () => {
    const { sut, recordUse } = setup();
    const principal = await sut.authenticate(PRESENTED);
    expect(principal).toMatchObject({
      method: 'api_key',
      userId: 'user-1',
      keyId: 'key-1',
      role: 'user',
      scopes: ['read:keys', 'write:keys'],
    });
    expect(recordUse).toHaveBeenCalledWith('key-1', NOW);
  });

  it('refuses with the 401 that names why, and records no use', async () => {
    const unknown = setup({ key: null });
    await expect(refusal(unknown.sut.authenticate(PRESENTED))).resolves.toBe(ErrorCode.InvalidApiKey);
    const revoked = setup({ key: record({ revoked: true }) });
    await expect(refusal(revoked.sut.authenticate(PRESENTED))).resolves.toBe(ErrorCode.ApiKeyRevoked);
    const rotated = setup({ key: record({ rotated: true, expiresAt: NOW - 1 }) });
    await expect(refusal(rotated.sut.authenticate(PRESENTED))).resolves.toBe(ErrorCode.ApiKeyRotated);
    const ownerGone = setup({ owner: { role: 'user', isActive: false } });
    await expect(refusal(ownerGone.sut.authenticate(PRESENTED))).resolves.toBe(ErrorCode.ApiKeyInactive);
    for (const { recordUse } of [unknown, revoked, rotated, ownerGone]) expect(recordUse).not.toHaveBeenCalled();
  });

  it('refuses a bound key with 401 certificate_required without a request, without a certificate, or with another one', async () => {
    const bound = record({ certificateThumbprint: BOUND });
    const noRequest = setup({ key: bound });
    await expect(refusal(noRequest.sut.authenticate(PRESENTED))).resolves.toBe(ErrorCode.CertificateRequired);
    const noCertificate = setup({ key: bound });
    await expect(refusal(noCertificate.sut.authenticate(PRESENTED, A_REQUEST))).resolves.toBe(ErrorCode.CertificateRequired);
    presentedCertificate.mockReturnValue(OTHER);
    const another = setup({ key: bound });
    await expect(refusal(another.sut.authenticate(PRESENTED, A_REQUEST))).resolves.toBe(ErrorCode.CertificateRequired);
    expect(presentedCertificate).toHaveBeenCalledWith(A_REQUEST);
    for (const { recordUse } of [noRequest, noCertificate, another]) expect(recordUse).not.toHaveBeenCalled();
  });

  it('names the key state and the owner before the certificate', async () => {
    const revoked = setup({ key: record({ certificateThumbprint: BOUND, revoked: true }) });
    await expect(refusal(revoked.sut.authenticate(PRESENTED, A_REQUEST))).resolves.toBe(ErrorCode.ApiKeyRevoked);
    const ownerGone = setup({ key: record({ certificateThumbprint: BOUND }), owner: { role: 'user', isActive: false } });
    await expect(refusal(ownerGone.sut.authenticate(PRESENTED, A_REQUEST))).resolves.toBe(ErrorCode.ApiKeyInactive);
  });

  it('admits a bound key with its certificate, and never reads a certificate for an unbound key', async () => {
    presentedCertificate.mockReturnValue(BOUND);
    const bound = setup({ key: record({ certificateThumbprint: BOUND }) });
    await expect(bound.sut.authenticate(PRESENTED, A_REQUEST)).resolves.toMatchObject({ keyId: 'key-1' });
    expect(bound.recordUse).toHaveBeenCalled();
    presentedCertificate.mockClear();
    await expect(setup().sut.authenticate(PRESENTED, A_REQUEST)).resolves.toMatchObject({ keyId: 'key-1' });
    expect(presentedCertificate).not.toHaveBeenCalled();
  });
});
