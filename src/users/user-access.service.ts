import { Inject, Injectable, Optional } from '@nestjs/common';
import { InvalidationBus } from '../core/invalidation/invalidation-bus';
import { staleIfDatabaseDown } from '../core/cache/stale-if-database-down';
import { TtlCache } from '../core/cache/ttl-cache';
import { Clock } from '../core/time/clock';
import { CoreConfig, coreConfig } from '../core/config/core.config';
import { UserRole } from './user.entity';
import { UserRepository } from './user.repository';

export interface UserAccess {
  role: UserRole;
  isActive: boolean;
  /** Epoch milliseconds of the last password change: access tokens issued before it are refused. */
  passwordChangedAt?: number | null;
  /** Two-factor is on (REQUIRE_MFA_FOR_ADMINS reads it on every admin request). */
  mfaEnabled?: boolean;
}

/**
 * The role and status of users as authentication sees them, cached so a request costs no query,
 * and invalidated on every change so deactivation and role changes apply on the next request.
 */
@Injectable()
export class UserAccessService {
  private readonly cache: TtlCache<string, UserAccess | null>;

  constructor(
    private readonly users: UserRepository,
    @Inject(coreConfig.KEY) config: CoreConfig,
    clock: Clock,
    @Optional() private readonly bus?: InvalidationBus,
  ) {
    const { ttlSeconds, maxEntries, staleGraceSeconds } = config.cache;
    this.cache = new TtlCache(ttlSeconds * 1000, maxEntries, () => clock.now(), staleIfDatabaseDown(staleGraceSeconds));
    bus?.subscribe(
      (invalidation) => invalidation.kind === 'user' && this.cache.delete(invalidation.id),
      () => this.cache.clear(),
    );
  }

  /** null when the user does not exist. */
  async get(userId: string): Promise<UserAccess | null> {
    return this.cache.getOrLoad(userId, async () => {
      const user = await this.users.getAccess(userId);
      return user
        ? {
            role: user.role,
            isActive: user.isActive,
            passwordChangedAt: user.passwordChangedAt?.getTime() ?? null,
            mfaEnabled: user.mfaEnabled ?? false,
          }
        : null;
    });
  }

  /** After a role, status or password change, or the account's removal: here at once, and on every other instance within a second. */
  invalidate(userId: string): void {
    this.cache.delete(userId);
    this.bus?.publish({ kind: 'user', id: userId });
  }
}
