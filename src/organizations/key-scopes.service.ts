import { Injectable } from '@nestjs/common';
import type { UserRole } from '../users/user.entity';
import { effectiveKeyScopes } from '../access/scopes';
import { MembershipAccessService } from './membership-access.service';
import { ORGANIZATION_ROLE_SCOPES, OrganizationRole } from '../access/organization-roles';

/**
 * What a key may do right now: its own scopes, bounded by what its owner's platform role allows
 * and, for a key bound to an organisation or project, by the owner's role in that organisation.
 * An owner who left the organisation leaves the key with no scopes.
 */
/** What of a key this needs: its own scopes, where it is bound, and whose it is. */
export interface ScopedKey {
  scopes: readonly string[];
  organizationId: string | null;
  userId: string;
}

@Injectable()
export class KeyScopesService {
  /**
   * The last result per cached key record: a key is authenticated far more often than its owner's
   * roles change, and a changed key is a new record, so a hit is always current.
   */
  private readonly computed = new WeakMap<object, { roles: string; scopes: string[] }>();

  constructor(private readonly memberships: MembershipAccessService) {}

  /** Synchronous for an unbound key (the hot path); a bound key needs its owner's organisation role. */
  effective(key: ScopedKey, ownerRole: UserRole): string[] | Promise<string[]> {
    if (key.organizationId === null) return this.memoized(key, ownerRole, undefined);
    return this.memberships
      .roleOf(key.organizationId, key.userId, ownerRole)
      .then((role) => (role ? this.memoized(key, ownerRole, role) : []));
  }

  private memoized(key: Pick<ScopedKey, 'scopes'>, ownerRole: UserRole, organizationRole: OrganizationRole | undefined): string[] {
    const roles = organizationRole ? `${ownerRole}:${organizationRole}` : ownerRole;
    const hit = this.computed.get(key);
    if (hit?.roles === roles) return hit.scopes;
    const scopes = effectiveKeyScopes(key.scopes, ownerRole, organizationRole && ORGANIZATION_ROLE_SCOPES[organizationRole]);
    Object.freeze(scopes);
    this.computed.set(key, { roles, scopes });
    return scopes;
  }
}
