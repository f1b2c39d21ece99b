import { Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { missingScopes } from '../access/scopes';
import { unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { CertificateRequest, clientCertificateThumbprint } from '../core/net/client-certificate';
import { Clock } from '../core/time/clock';
import { KeyScopesService } from '../organizations/key-scopes.service';
import { RateLimitResult } from '../rate-limit/rate-limit.types';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { UserAccessService } from '../users/user-access.service';
import { ApiKeyVerifier, KeyProblem, KeyRecord } from './api-key-verifier.service';
import { LastUsedTracker } from './last-used.tracker';

/** Why a key is not admitted, or VALID: the verify API's codes. */
export type AdmissionCode =
  | 'VALID'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'EXPIRED'
  | 'INACTIVE'
  | 'CERTIFICATE_REQUIRED'
  | 'FORBIDDEN_BY_POLICY'
  | 'INSUFFICIENT_SCOPE'
  | 'RATE_LIMITED';

const CODE_FOR_PROBLEM: Record<KeyProblem, AdmissionCode> = {
  [ErrorCode.ApiKeyRevoked]: 'REVOKED',
  [ErrorCode.ApiKeyInactive]: 'INACTIVE',
  [ErrorCode.ApiKeyExpired]: 'EXPIRED',
  [ErrorCode.ApiKeyRotated]: 'EXPIRED',
};

/** What a service asks of a key on the verify API, beside the key itself. */
export interface AdmissionRequest {
  /** The address the key was presented from, for its allowlist. */
  ip?: string;
  /** The x5t#S256 of the client certificate the key was presented with, for a key bound to one. */
  certificateThumbprint?: string;
  scopes?: string[];
  /** Units to count against the key's own rate limit. */
  cost?: number;
  /** Whether the asking caller may learn anything of this key (else NOT_FOUND). */
  mayInspect: (record: KeyRecord) => boolean;
}

export interface Admission {
  code: AdmissionCode;
  /** Null only for NOT_FOUND. */
  record: KeyRecord | null;
  /** The key's effective scopes now (its own, bounded by its owner's roles). */
  scopes: string[];
  ratelimit: RateLimitResult | null;
}

/**
 * The one decision on a presented key, in one place for both ways Argus is asked:
 *
 * - the guard chain (`authenticate`): unknown (401 invalid_api_key), then the key's own state
 *   (revoked, inactive, expired, rotated: 401 with that code), then its owner (401
 *   api_key_inactive), then the client certificate a bound key needs (401 certificate_required);
 *   the request then goes on to the address check, the rate limit and the scopes, each in its
 *   guard, in that order, with the same primitives as below;
 * - the verify API (`admit`), which answers a code instead of throwing, in the order its contract
 *   documents: NOT_FOUND, REVOKED, EXPIRED, INACTIVE, CERTIFICATE_REQUIRED, FORBIDDEN_BY_POLICY,
 *   INSUFFICIENT_SCOPE, RATE_LIMITED. A verification asks about a scope before spending a unit of the key's limit,
 *   where a real request has already spent it by the time its route's scopes are checked.
 */
@Injectable()
export class KeyAdmission {
  constructor(
    private readonly verifier: ApiKeyVerifier,
    private readonly userAccess: UserAccessService,
    private readonly keyScopes: KeyScopesService,
    private readonly limits: RateLimitService,
    private readonly lastUsed: LastUsedTracker,
    private readonly clock: Clock,
  ) {}

  /**
   * The caller a presented key makes, or the 401 that says why it makes none. `request` carries the
   * client certificate (its TLS peer, or a trusted proxy's header) a bound key is compared with:
   * an unbound key pays one null check, a bound one a string compare (the certificate is read once
   * per request and connection).
   */
  async authenticate(presented: string, request?: CertificateRequest): Promise<Principal> {
    const key = await this.verifier.verify(presented);
    const owner = await this.userAccess.get(key.userId);
    if (!owner?.isActive) throw unauthorized(ErrorCode.ApiKeyInactive, 'API key owner is deactivated');
    if (key.certificateThumbprint !== null && (!request || clientCertificateThumbprint(request) !== key.certificateThumbprint)) {
      throw unauthorized(ErrorCode.CertificateRequired, 'This API key requires the client certificate it is bound to');
    }
    this.lastUsed.record(key.id, this.clock.now());
    const scopes = this.keyScopes.effective(key, owner.role);
    return {
      method: 'api_key',
      userId: key.userId,
      role: owner.role,
      keyId: key.id,
      scopes: Array.isArray(scopes) ? scopes : await scopes,
      organizationId: key.organizationId,
      projectId: key.projectId,
      expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt),
      rateLimit: key.rateLimit,
      quota: key.quota,
      allowsIp: key.allowsIp,
    };
  }

  /** The verify API's answer on a presented key: never throws for the key's sake. */
  async admit(presented: string, request: AdmissionRequest): Promise<Admission> {
    const record = await this.verifier.lookup(presented);
    if (!record || !request.mayInspect(record)) return { code: 'NOT_FOUND', record: null, scopes: [], ratelimit: null };

    const owner = await this.userAccess.get(record.userId);
    const scopes = owner ? await this.keyScopes.effective(record, owner.role) : [];
    const answer = (code: AdmissionCode): Admission => ({ code, record, scopes, ratelimit: null });
    const problem = this.verifier.problemWith(record);
    if (problem) return answer(CODE_FOR_PROBLEM[problem]);
    if (!owner?.isActive) return answer('INACTIVE');
    if (record.certificateThumbprint !== null && request.certificateThumbprint !== record.certificateThumbprint) {
      return answer('CERTIFICATE_REQUIRED');
    }
    if (record.allowsIp && !record.allowsIp(request.ip)) return answer('FORBIDDEN_BY_POLICY');
    if (request.scopes && missingScopes(scopes, request.scopes).length > 0) return answer('INSUFFICIENT_SCOPE');

    if (!this.limits.enabled) return answer('VALID');
    const ratelimit = await this.limits.consumeForKey(record.id, record.rateLimit, request.cost ?? 1);
    return { code: ratelimit.allowed ? 'VALID' : 'RATE_LIMITED', record, scopes, ratelimit };
  }
}
