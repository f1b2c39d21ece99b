import { Injectable } from '@nestjs/common';
import { Clock } from '../core/time/clock';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { ApiKeyEntity } from './entities/api-key.entity';
import { AdminApiKeyResponseDto, ApiKeyResponseDto, KeyStatus, QuotaUsageDto } from './dto/api-key-response.dto';
import { LastUsedTracker } from './last-used.tracker';

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export function keyStatus(key: ApiKeyEntity, now: number): KeyStatus {
  // The same precedence as verification, so the status names the 401 the key would get.
  if (key.revokedAt) return 'revoked';
  if (!key.isActive) return 'inactive';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return key.rotatedAt ? 'rotated' : 'expired';
  return 'active';
}

/** The public view of a key. `lastUsedAt` takes the newest of the stored and the pending use. */
export function toApiKeyResponse(
  key: ApiKeyEntity,
  now: number,
  pendingLastUsed?: Date,
  quota: QuotaUsageDto | null = null,
): ApiKeyResponseDto {
  const lastUsed = pendingLastUsed && (!key.lastUsedAt || pendingLastUsed > key.lastUsedAt) ? pendingLastUsed : key.lastUsedAt;
  return {
    id: key.id,
    name: key.name,
    keyPrefix: key.keyPrefix,
    isActive: key.isActive,
    organizationId: key.organizationId,
    projectId: key.projectId,
    parentKeyId: key.parentKeyId,
    status: keyStatus(key, now),
    scopes: key.scopes,
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
    rotatedAt: iso(key.rotatedAt),
    replacedById: key.replacedById,
    lastUsedAt: iso(lastUsed),
    rateLimit: key.rateLimit,
    quota,
    allowedIps: key.allowedIps,
    certificateThumbprint: key.certificateThumbprint,
    rotationPolicy: key.rotationPolicy ?? null,
    rotationDueAt: iso(key.rotationDueAt),
    revealPending: key.revealPending === true,
    createdAt: key.createdAt.toISOString(),
    updatedAt: key.updatedAt.toISOString(),
  };
}

export function toAdminApiKeyResponse(
  key: ApiKeyEntity,
  now: number,
  pendingLastUsed?: Date,
  quota: QuotaUsageDto | null = null,
): AdminApiKeyResponseDto {
  const owner = key.owner;
  return {
    ...toApiKeyResponse(key, now, pendingLastUsed, quota),
    userId: key.userId,
    owner: { id: key.userId, email: owner?.email ?? '', name: owner?.name ?? null },
  };
}

/** A key's views as of now: with its pending last use merged in and its quota's usage this period. */
@Injectable()
export class ApiKeyMapper {
  constructor(
    private readonly clock: Clock,
    private readonly lastUsed: LastUsedTracker,
    private readonly limits: RateLimitService,
  ) {}

  async toResponse(key: ApiKeyEntity): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(key, this.clock.now(), this.lastUsed.pendingFor(key.id), await this.quotaUsage(key));
  }

  /** The administrators' view of a key (with its owner, whom `key.owner` must hold). */
  async toAdminResponse(key: ApiKeyEntity): Promise<AdminApiKeyResponseDto> {
    return toAdminApiKeyResponse(key, this.clock.now(), this.lastUsed.pendingFor(key.id), await this.quotaUsage(key));
  }

  /** How much of its quota a key has used in the current period; null without a quota. */
  async quotaUsage(key: Pick<ApiKeyEntity, 'id' | 'quota'>): Promise<QuotaUsageDto | null> {
    if (!key.quota) return null;
    const policy = this.limits.quotaPolicy(key.quota);
    const used = Math.min(key.quota.limit, await this.limits.used(`quota:${key.id}`, policy));
    return { ...key.quota, used, remaining: key.quota.limit - used, resetsAt: new Date(policy.window?.end ?? 0).toISOString() };
  }
}
