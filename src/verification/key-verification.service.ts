import { Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { ALL_SCOPES, holdsScope } from '../access/scopes';
import { bindingContains, bindingOf } from '../access/boundary';
import type { KeyRecord } from '../api-keys/api-key-verifier.service';
import { Admission, KeyAdmission } from '../api-keys/key-admission';
import { VerifyKeyDto, VerifyKeyResultDto } from './dto/verify-key.dto';

/**
 * Lets other services ask Argus about a key their client presented. The answer is always a 200
 * with a code, decided by the same KeyAdmission as a direct call; a verification counts against
 * the key's own rate limit exactly as a direct call does. A service sees only keys of its own
 * user, inside its own binding, unless it is an unbound credential holding `admin:all`: any other
 * key is NOT_FOUND, so the endpoint cannot be used to probe other users' (or other projects') keys.
 */
@Injectable()
export class KeyVerificationService {
  constructor(private readonly admission: KeyAdmission) {}

  async verifyKey(caller: Principal, dto: VerifyKeyDto): Promise<VerifyKeyResultDto> {
    const admission = await this.admission.admit(dto.key.trim(), {
      ip: dto.ip,
      scopes: dto.scopes,
      cost: dto.cost,
      mayInspect: (record) => mayInspect(caller, record),
    });
    return toResult(admission);
  }
}

/** The caller's own keys, within its binding (a project's service sees that project's keys); admins all. */
function mayInspect(caller: Principal, record: KeyRecord): boolean {
  if (holdsScope(caller.scopes, ALL_SCOPES) && caller.organizationId === null) return true;
  return record.userId === caller.userId && bindingContains(bindingOf(caller), bindingOf(record));
}

function toResult({ code, record, scopes, ratelimit }: Admission): VerifyKeyResultDto {
  return {
    valid: code === 'VALID',
    code,
    keyId: record?.id ?? null,
    ownerId: record?.userId ?? null,
    organizationId: record?.organizationId ?? null,
    projectId: record?.projectId ?? null,
    scopes,
    expiresAt: record?.expiresAt == null ? null : new Date(record.expiresAt).toISOString(),
    ratelimit: ratelimit && { limit: ratelimit.limit, remaining: ratelimit.remaining, reset: Math.ceil(ratelimit.resetAt / 1000) },
  };
}
