import { Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { ALL_SCOPES, holdsScope } from '../access/scopes';
import { bindingContains, bindingOf } from '../access/boundary';
import type { KeyRecord } from '../api-keys/api-key-verifier.service';
import { Admission, KeyAdmission } from '../api-keys/key-admission';
import { OAuthTokenAdmission, TokenAdmission } from '../oauth/tokens/oauth-token-admission';
import { VerifyKeyDto, VerifyKeyResultDto } from './dto/verify-key.dto';

/**
 * Lets other services ask Argus about a key or an OAuth access token their client presented. The
 * answer is always a 200 with a code, decided by the same KeyAdmission (or OAuthTokenAdmission) as
 * a direct call; a verification counts against the key's own rate limit (a token's client's, kind
 * oauth) exactly as a direct call does. A service sees only keys and tokens of its own user, inside
 * its own binding, unless it is an unbound credential holding `admin:all`: anything else is
 * NOT_FOUND, so the endpoint cannot be used to probe other users' (or other projects') credentials.
 */
@Injectable()
export class KeyVerificationService {
  constructor(
    private readonly admission: KeyAdmission,
    private readonly tokens: OAuthTokenAdmission,
  ) {}

  async verifyKey(caller: Principal, dto: VerifyKeyDto): Promise<VerifyKeyResultDto> {
    if (dto.token !== undefined) {
      const admission = await this.tokens.admit(dto.token.trim(), {
        scopes: dto.scopes,
        cost: dto.cost,
        mayInspect: (principal) => mayInspect(caller, principal),
      });
      return tokenResult(admission);
    }
    const admission = await this.admission.admit((dto.key ?? '').trim(), {
      ip: dto.ip,
      certificateThumbprint: dto.certificateThumbprint,
      scopes: dto.scopes,
      cost: dto.cost,
      mayInspect: (record) => mayInspect(caller, record),
    });
    return toResult(admission);
  }
}

/** The caller's own keys and tokens, within its binding (a project's service sees that project's keys); admins all. */
function mayInspect(caller: Principal, credential: Pick<KeyRecord, 'userId' | 'organizationId' | 'projectId'>): boolean {
  if (holdsScope(caller.scopes, ALL_SCOPES) && caller.organizationId === null) return true;
  return credential.userId === caller.userId && bindingContains(bindingOf(caller), bindingOf(credential));
}

function rateLimitOf(ratelimit: Admission['ratelimit']): VerifyKeyResultDto['ratelimit'] {
  return ratelimit && { limit: ratelimit.limit, remaining: ratelimit.remaining, reset: Math.ceil(ratelimit.resetAt / 1000) };
}

function toResult({ code, record, scopes, ratelimit }: Admission): VerifyKeyResultDto {
  return {
    valid: code === 'VALID',
    code,
    keyId: record?.id ?? null,
    clientId: null,
    ownerId: record?.userId ?? null,
    organizationId: record?.organizationId ?? null,
    projectId: record?.projectId ?? null,
    scopes,
    expiresAt: record?.expiresAt == null ? null : new Date(record.expiresAt).toISOString(),
    ratelimit: rateLimitOf(ratelimit),
  };
}

function tokenResult({ code, principal, ratelimit }: TokenAdmission): VerifyKeyResultDto {
  return {
    valid: code === 'VALID',
    code,
    keyId: null,
    clientId: principal?.clientId ?? null,
    ownerId: principal?.userId ?? null,
    organizationId: principal?.organizationId ?? null,
    projectId: null,
    scopes: principal?.scopes ?? [],
    expiresAt: principal?.expiresAt?.toISOString() ?? null,
    ratelimit: rateLimitOf(ratelimit),
  };
}
