import { Injectable } from '@nestjs/common';
import { ApiKeyVerifier, KeyProblem, KeyRecord } from '../api-keys/api-key-verifier.service';
import { ErrorCode } from '../core/errors/error-codes';
import { Principal } from '../access/principal';
import { ALL_SCOPES, holdsScope, missingScopes } from '../access/scopes';
import { UserAccessService } from '../users/user-access.service';
import { bindingContains, bindingOf } from '../access/boundary';
import { KeyScopesService } from '../organizations/key-scopes.service';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { VerifyCode, VerifyKeyDto, VerifyKeyResultDto } from './dto/verify-key.dto';

const CODE_FOR_PROBLEM: Record<KeyProblem, VerifyCode> = {
  [ErrorCode.ApiKeyRevoked]: 'REVOKED',
  [ErrorCode.ApiKeyInactive]: 'INACTIVE',
  [ErrorCode.ApiKeyExpired]: 'EXPIRED',
  [ErrorCode.ApiKeyRotated]: 'EXPIRED',
};

/**
 * Lets other services ask Argus about a key their client presented. The answer is always a 200
 * with a code; a verification counts against the key's own rate limit exactly as a direct call.
 * A service sees only keys of its own user, inside its own binding, unless it is an unbound
 * credential holding `admin:all`: any other key is NOT_FOUND, so the endpoint cannot be used to
 * probe other users' (or other projects') keys.
 */
@Injectable()
export class KeyVerificationService {
  constructor(
    private readonly verifier: ApiKeyVerifier,
    private readonly userAccess: UserAccessService,
    private readonly limits: RateLimitService,
    private readonly keyScopes: KeyScopesService,
  ) {}

  async verifyKey(caller: Principal, dto: VerifyKeyDto): Promise<VerifyKeyResultDto> {
    const record = await this.verifier.lookup(dto.key.trim());
    if (!record || !this.mayInspect(caller, record)) return notFound();

    const owner = await this.userAccess.get(record.userId);
    const scopes = owner ? await this.keyScopes.effective(record, owner.role) : [];
    const problem = this.verifier.problemWith(record);
    if (problem) return answer(record, CODE_FOR_PROBLEM[problem], scopes);
    if (!owner?.isActive) return answer(record, 'INACTIVE', scopes);
    if (record.allowsIp && !record.allowsIp(dto.ip)) return answer(record, 'FORBIDDEN_BY_POLICY', scopes);
    if (dto.scopes && missingScopes(scopes, dto.scopes).length > 0) return answer(record, 'INSUFFICIENT_SCOPE', scopes);

    if (!this.limits.enabled) return answer(record, 'VALID', scopes);
    const result = await this.limits.consume(this.limits.keyBucket(record.id), this.limits.keyPolicy(record.rateLimit), dto.cost ?? 1);
    const ratelimit = { limit: result.limit, remaining: result.remaining, reset: Math.ceil(result.resetAt / 1000) };
    return answer(record, result.allowed ? 'VALID' : 'RATE_LIMITED', scopes, ratelimit);
  }

  /** The caller's own keys, within its binding (a project's service sees that project's keys); admins all. */
  private mayInspect(caller: Principal, record: KeyRecord): boolean {
    if (holdsScope(caller.scopes, ALL_SCOPES) && caller.organizationId === null) return true;
    return record.userId === caller.userId && bindingContains(bindingOf(caller), bindingOf(record));
  }
}

function notFound(): VerifyKeyResultDto {
  return {
    valid: false,
    code: 'NOT_FOUND',
    keyId: null,
    ownerId: null,
    organizationId: null,
    projectId: null,
    scopes: [],
    expiresAt: null,
    ratelimit: null,
  };
}

function answer(
  record: KeyRecord,
  code: VerifyCode,
  scopes: string[],
  ratelimit: VerifyKeyResultDto['ratelimit'] = null,
): VerifyKeyResultDto {
  return {
    valid: code === 'VALID',
    code,
    keyId: record.id,
    ownerId: record.userId,
    organizationId: record.organizationId,
    projectId: record.projectId,
    scopes,
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    ratelimit,
  };
}
