import { Inject, Injectable, Optional } from '@nestjs/common';
import { InvalidationBus } from '../core/invalidation/invalidation-bus';
import { staleIfDatabaseDown } from '../core/cache/stale-if-database-down';
import { TtlCache } from '../core/cache/ttl-cache';
import { unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { CoreConfig, coreConfig } from '../core/config/core.config';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { hashApiKey, isWellFormedApiKey } from './api-key-format';
import { IpMatcher, compileIpAllowlist } from '../core/net/ip-allowlist';
import { ApiKeyRepository } from './api-key.repository';
import { QuotaSetting, RateLimitSetting } from './entities/api-key.entity';

/** What verification needs to know about a key; cached so a good key costs no query per request. */
export interface KeyRecord {
  id: string;
  userId: string;
  organizationId: string | null;
  projectId: string | null;
  scopes: string[];
  isActive: boolean;
  revoked: boolean;
  /** Replaced by a successor; `expiresAt` is then the end of its grace period. */
  rotated: boolean;
  expiresAt: number | null;
  rateLimit: RateLimitSetting | null;
  quota: QuotaSetting | null;
  allowedIps: string[] | null;
  /** `allowedIps`, compiled once per load: null when the key may be used from anywhere. */
  allowsIp: IpMatcher | null;
  /** The x5t#S256 of the client certificate the key must come with; null when none is needed. */
  certificateThumbprint: string | null;
}

const NOT_FOUND = null;

export type KeyProblem =
  typeof ErrorCode.ApiKeyRevoked | typeof ErrorCode.ApiKeyInactive | typeof ErrorCode.ApiKeyExpired | typeof ErrorCode.ApiKeyRotated;

const PROBLEM_MESSAGES: Record<KeyProblem, string> = {
  [ErrorCode.ApiKeyRevoked]: 'API key has been revoked',
  [ErrorCode.ApiKeyInactive]: 'API key is inactive',
  [ErrorCode.ApiKeyExpired]: 'API key has expired',
  [ErrorCode.ApiKeyRotated]: 'API key was rotated and its grace period is over; use its successor',
};

/**
 * Turns a presented key into its record, or the precise 401. Malformed keys are refused before
 * any look-up; unknown keys are remembered briefly (negative cache) so guessing cannot hammer the
 * database; every change to a key invalidates its entry at once on this instance.
 */
@Injectable()
export class ApiKeyVerifier {
  private readonly byHash: TtlCache<string, KeyRecord | typeof NOT_FOUND>;
  /** Hashes known to match no key, kept apart so a new key anywhere can clear them all cheaply. */
  private readonly unknown: TtlCache<string, true>;
  private readonly hashById = new Map<string, string>();

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(coreConfig.KEY) core: CoreConfig,
    @Inject(apiKeysConfig.KEY) config: ApiKeysConfig,
    private readonly clock: Clock,
    @Optional() private readonly bus?: InvalidationBus,
  ) {
    const { ttlSeconds, maxEntries, staleGraceSeconds } = core.cache;
    // A key verified within the grace keeps working through a database outage; an unknown key is
    // never served stale (its look-up then fails with the outage, 503, and is never "invalid").
    this.byHash = new TtlCache(ttlSeconds * 1000, maxEntries, () => clock.now(), staleIfDatabaseDown(staleGraceSeconds));
    this.unknown = new TtlCache(config.negativeCacheTtlSeconds * 1000, Math.min(maxEntries, 100_000), () => clock.now());
    bus?.subscribe(
      (invalidation) => {
        if (invalidation.kind === 'key') this.forget(invalidation.id);
        if (invalidation.kind === 'new-key') this.unknown.clear();
      },
      () => {
        this.byHash.clear();
        this.unknown.clear();
        this.hashById.clear();
      },
    );
  }

  async verify(presented: string): Promise<KeyRecord> {
    const record = await this.lookup(presented);
    if (record === null) throw unauthorized(ErrorCode.InvalidApiKey, 'Invalid API key');
    const problem = this.problemWith(record);
    if (problem) throw unauthorized(problem, PROBLEM_MESSAGES[problem]);
    return record;
  }

  /** The record of a presented key whatever its state; null when malformed or unknown. */
  async lookup(presented: string): Promise<KeyRecord | null> {
    if (!isWellFormedApiKey(presented)) return null;
    const hash = hashApiKey(presented);
    if (this.unknown.get(hash)) return NOT_FOUND;
    const record = await this.byHash.getOrLoad(
      hash,
      () => this.load(hash),
      (found) => (found === NOT_FOUND ? 0 : undefined),
    );
    if (record === NOT_FOUND) this.unknown.set(hash, true);
    return record;
  }

  /** Why a known key may not be used right now, in verification order; null when it may. */
  problemWith(record: KeyRecord): KeyProblem | null {
    if (record.revoked) return ErrorCode.ApiKeyRevoked;
    if (!record.isActive) return ErrorCode.ApiKeyInactive;
    if (record.expiresAt !== null && record.expiresAt <= this.clock.now()) {
      return record.rotated ? ErrorCode.ApiKeyRotated : ErrorCode.ApiKeyExpired;
    }
    return null;
  }

  /** Forget a key after any change to it (revoke, deactivate, delete, narrow), here and on every instance. */
  invalidate(keyId: string): void {
    this.forget(keyId);
    this.bus?.publish({ kind: 'key', id: keyId });
  }

  /** A newly created key must never be shadowed by a cached "not found", here or elsewhere. */
  forgetHash(hash: string): void {
    this.unknown.delete(hash);
    this.byHash.delete(hash);
    this.bus?.publish({ kind: 'new-key' });
  }

  private forget(keyId: string): void {
    const hash = this.hashById.get(keyId);
    if (hash !== undefined) {
      this.byHash.delete(hash);
      this.hashById.delete(keyId);
    } else {
      this.byHash.discardPendingLoads();
    }
  }

  private async load(hash: string): Promise<KeyRecord | typeof NOT_FOUND> {
    const row = await this.keys.findByHash(hash);
    if (!row) return NOT_FOUND;
    this.hashById.set(row.id, hash);
    return {
      id: row.id,
      userId: row.userId,
      organizationId: row.organizationId,
      projectId: row.projectId,
      scopes: row.scopes,
      isActive: row.isActive,
      revoked: Boolean(row.revokedAt),
      rotated: Boolean(row.rotatedAt),
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      rateLimit: row.rateLimit,
      quota: row.quota,
      allowedIps: row.allowedIps,
      allowsIp: row.allowedIps ? compileIpAllowlist(row.allowedIps) : null,
      certificateThumbprint: row.certificateThumbprint,
    };
  }
}
