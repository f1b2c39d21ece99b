import { Injectable } from '@nestjs/common';
import type { KeyRecord } from '../api-keys/api-key-verifier.service';
import type { UserRole } from '../auth/entities/user.entity';
import { effectiveKeyScopes } from '../auth/scopes';
import { MembershipAccessService } from './membership-access.service';
import { ORGANIZATION_ROLE_SCOPES } from './organization-roles';

/**
 * What a key may do right now: its own scopes, bounded by what its owner's platform role allows
 * and, for a key bound to an organisation or project, by the owner's role in that organisation.
 * An owner who left the organisation leaves the key with no scopes.
 */
@Injectable()
export class KeyScopesService {
  constructor(private readonly memberships: MembershipAccessService) {}

  async effective(key: Pick<KeyRecord, 'scopes' | 'organizationId' | 'userId'>, ownerRole: UserRole): Promise<string[]> {
    if (key.organizationId === null) return effectiveKeyScopes(key.scopes, ownerRole);
    const role = await this.memberships.roleOf(key.organizationId, key.userId, ownerRole);
    return role ? effectiveKeyScopes(key.scopes, ownerRole, ORGANIZATION_ROLE_SCOPES[role]) : [];
  }
}
