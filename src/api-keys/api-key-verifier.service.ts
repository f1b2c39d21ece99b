import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TtlCache } from '../common/cache/ttl-cache';
import { unauthorized } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { hashApiKey, isWellFormedApiKey } from './api-key-format';
import { ApiKeyEntity, QuotaSetting, RateLimitSetting } from './entities/api-key.entity';

/** What verification needs to know about a key; cached so a good key costs no query per request. */
export interface KeyRecord {
  id: string;
  userId: string;
  scopes: string[];
  isActive: boolean;
  revoked: boolean;
  /** Replaced by a successor; `expiresAt` is then the end of its grace period. */
  rotated: boolean;
  expiresAt: number | null;
  rateLimit: RateLimitSetting | null;
  quota: QuotaSetting | null;
  allowedIps: string[] | null;
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
  private readonly hashById = new Map<string, string>();
  private readonly negativeTtlMs: number;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    const { cacheTtlSeconds, cacheMaxEntries, negativeCacheTtlSeconds } = config.apiKeys;
    this.byHash = new TtlCache(cacheTtlSeconds * 1000, cacheMaxEntries, () => clock.now());
    this.negativeTtlMs = negativeCacheTtlSeconds * 1000;
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
    return this.byHash.getOrLoad(
      hash,
      () => this.load(hash),
      (found) => (found === NOT_FOUND ? this.negativeTtlMs : undefined),
    );
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

  /** Forget a key after any change to it (revoke, deactivate, delete, narrow). */
  invalidate(keyId: string): void {
    const hash = this.hashById.get(keyId);
    if (hash !== undefined) {
      this.byHash.delete(hash);
      this.hashById.delete(keyId);
    } else {
      this.byHash.discardPendingLoads();
    }
  }

  /** A newly created key must never be shadowed by a cached "not found" for its hash. */
  forgetHash(hash: string): void {
    this.byHash.delete(hash);
  }

  private async load(hash: string): Promise<KeyRecord | typeof NOT_FOUND> {
    const row = await this.keys.findOne({
      where: { keyHash: hash },
      select: {
        id: true,
        userId: true,
        scopes: true,
        isActive: true,
        revokedAt: true,
        expiresAt: true,
        rateLimit: true,
        quota: true,
        allowedIps: true,
        rotatedAt: true,
      },
    });
    if (!row) return NOT_FOUND;
    this.hashById.set(row.id, hash);
    return {
      id: row.id,
      userId: row.userId,
      scopes: row.scopes,
      isActive: row.isActive,
      revoked: Boolean(row.revokedAt),
      rotated: Boolean(row.rotatedAt),
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      rateLimit: row.rateLimit,
      quota: row.quota,
      allowedIps: row.allowedIps,
    };
  }
}
