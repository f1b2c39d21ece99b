import { Inject, Injectable } from '@nestjs/common';
import { staleIfDatabaseDown } from '../../core/cache/stale-if-database-down';
import { TtlCache } from '../../core/cache/ttl-cache';
import { CoreConfig, coreConfig } from '../../core/config/core.config';
import { InvalidationBus } from '../../core/invalidation/invalidation-bus';
import { Clock } from '../../core/time/clock';
import { OAuthApplicationEntity } from '../applications/oauth-application.entity';
import { OAuthApplicationsRepository } from '../applications/oauth-applications.repository';

/**
 * OAuth applications as access tokens need them (owner, organisation, scopes, revocation), cached
 * per client ID like users' access so a request costs no query. Dropped on the bus kind
 * `oauth-application` from other instances; on this one, `invalidate` drops it and tells the rest.
 */
@Injectable()
export class OAuthApplicationAccess {
  private readonly cache: TtlCache<string, OAuthApplicationEntity | null>;

  constructor(
    private readonly applications: OAuthApplicationsRepository,
    @Inject(coreConfig.KEY) config: CoreConfig,
    clock: Clock,
    private readonly bus: InvalidationBus,
  ) {
    const { ttlSeconds, maxEntries, staleGraceSeconds } = config.cache;
    this.cache = new TtlCache(ttlSeconds * 1000, maxEntries, () => clock.now(), staleIfDatabaseDown(staleGraceSeconds));
    bus.subscribe(
      (invalidation) => invalidation.kind === 'oauth-application' && this.cache.delete(invalidation.clientId),
      () => this.cache.clear(),
    );
  }

  /** The application (revoked or not), or null when no application has this client ID. */
  get(clientId: string): Promise<OAuthApplicationEntity | null> {
    return this.cache.getOrLoad(clientId, () => this.applications.findByClientId(clientId));
  }

  /** After an application changed or was revoked (once committed): here at once, on every other instance within a second. */
  invalidate(clientId: string): void {
    this.cache.delete(clientId);
    this.bus.publish({ kind: 'oauth-application', clientId });
  }
}
