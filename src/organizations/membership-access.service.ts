import { Inject, Injectable, Optional } from '@nestjs/common';
import { staleIfDatabaseDown } from '../core/cache/stale-if-database-down';
import { TtlCache } from '../core/cache/ttl-cache';
import { InvalidationBus } from '../core/invalidation/invalidation-bus';
import { Clock } from '../core/time/clock';
import { CoreConfig, coreConfig } from '../core/config/core.config';
import type { UserRole } from '../users/user.entity';
import { OrganizationRepository } from './organization.repository';
import { OrganizationRole } from '../access/organization-roles';

/**
 * Users' roles in organisations as access checks see them: cached so a bound key costs no query
 * per request, and dropped on every instance when an organisation's memberships change, so a
 * demotion or removal applies on the next request.
 */
@Injectable()
export class MembershipAccessService {
  private readonly cache: TtlCache<string, OrganizationRole | null>;

  constructor(
    private readonly organizations: OrganizationRepository,
    @Inject(coreConfig.KEY) config: CoreConfig,
    clock: Clock,
    @Optional() private readonly bus?: InvalidationBus,
  ) {
    const { ttlSeconds, maxEntries, staleGraceSeconds } = config.cache;
    this.cache = new TtlCache(ttlSeconds * 1000, maxEntries, () => clock.now(), staleIfDatabaseDown(staleGraceSeconds));
    bus?.subscribe(
      (invalidation) => invalidation.kind === 'organization' && this.forgetAll(),
      () => this.forgetAll(),
    );
  }

  /**
   * The user's role in the organisation; null when not a member or no such organisation. Platform
   * admins act as owners of every organisation that exists.
   */
  roleOf(organizationId: string, userId: string, userRole: UserRole): Promise<OrganizationRole | null> {
    if (userRole === 'admin') {
      return this.cache.getOrLoad(`${organizationId}:admin`, async () =>
        (await this.organizations.exists(organizationId)) ? 'owner' : null,
      );
    }
    return this.cache.getOrLoad(`${organizationId}:${userId}`, () => this.organizations.memberRole(organizationId, userId));
  }

  /** After any membership change in an organisation: here at once, elsewhere within a second. */
  invalidate(organizationId: string): void {
    this.forgetAll();
    this.bus?.publish({ kind: 'organization', id: organizationId });
  }

  /** Membership changes are rare next to reads: dropping every cached role is simple and safe. */
  private forgetAll(): void {
    this.cache.clear();
  }
}
