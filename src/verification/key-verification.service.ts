import { Injectable } from '@nestjs/common';
import { ApiKeyVerifier, KeyProblem, KeyRecord } from '../api-keys/api-key-verifier.service';
import { ErrorCode } from '../common/errors/error-codes';
import { Principal } from '../auth/principal';
import { ALL_SCOPES, effectiveKeyScopes, holdsScope, missingScopes } from '../auth/scopes';
import { UserAccessService } from '../auth/user-access.service';
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
 * A service sees only keys of its own user, unless it holds `admin:all`: any other key is
 * NOT_FOUND, so the endpoint cannot be used to probe other users' keys.
 */
@Injectable()
export class KeyVerificationService {
  constructor(
    private readonly verifier: ApiKeyVerifier,
    private readonly userAccess: UserAccessService,
    private readonly limits: RateLimitService,
  ) {}

  async verifyKey(caller: Principal, dto: VerifyKeyDto): Promise<VerifyKeyResultDto> {
    const record = await this.verifier.lookup(dto.key.trim());
    if (!record || !this.mayInspect(caller, record)) return notFound();

    const owner = await this.userAccess.get(record.userId);
    const scopes = owner ? effectiveKeyScopes(record.scopes, owner.role) : [];
    const problem = this.verifier.problemWith(record);
    if (problem) return answer(record, CODE_FOR_PROBLEM[problem], scopes);
    if (!owner?.isActive) return answer(record, 'INACTIVE', scopes);
    if (dto.scopes && missingScopes(scopes, dto.scopes).length > 0) return answer(record, 'INSUFFICIENT_SCOPE', scopes);

    if (!this.limits.enabled) return answer(record, 'VALID', scopes);
    const result = await this.limits.consume(this.limits.keyBucket(record.id), this.limits.keyPolicy(record.rateLimit), dto.cost ?? 1);
    const ratelimit = { limit: result.limit, remaining: result.remaining, reset: Math.ceil(result.resetAt / 1000) };
    return answer(record, result.allowed ? 'VALID' : 'RATE_LIMITED', scopes, ratelimit);
  }

  private mayInspect(caller: Principal, record: KeyRecord): boolean {
    return record.userId === caller.userId || holdsScope(caller.scopes, ALL_SCOPES);
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
    organizationId: null,
    projectId: null,
    scopes,
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    ratelimit,
  };
}
