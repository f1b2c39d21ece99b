import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PaginationQueryDto } from '../common/dto/pagination-query.dto';
import { conflict, insufficientScope, notFound, validationFailed } from '../common/errors/app.exception';
import { Clock } from '../common/time/clock';
import { Principal } from '../auth/principal';
import { ROLE_SCOPES, missingScopes } from '../auth/scopes';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-format';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { toApiKeyResponse } from './api-key.mapper';
import { ApiKeyResponseDto, CreatedApiKeyResponseDto, RotatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto';
import { RotationPolicyDto } from './dto/rotation-policy.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { LastUsedTracker } from './last-used.tracker';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { QuotaUsageDto } from './dto/api-key-response.dto';
import { QuotaDto, RateLimitDto } from './dto/create-api-key.dto';
import { QuotaSetting, RateLimitSetting } from './entities/api-key.entity';
import { AuditContext } from '../audit/audit-context';
import { AuditService, diff } from '../audit/audit.service';
import { KeyRotationService } from './key-rotation.service';
import { nextRotation, resolveGrace, resolveRotationPolicy, samePolicy } from './rotation-policy';

/** The fields an update is audited by. */
const AUDITED_FIELDS: Array<keyof ApiKeyEntity & string> = ['name', 'scopes', 'isActive', 'rateLimit', 'quota', 'rotationPolicy'];

/** The key lifecycle for a key's owner. Every query is bounded by the owner: a foreign id is a 404. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly verifier: ApiKeyVerifier,
    private readonly lastUsed: LastUsedTracker,
    private readonly clock: Clock,
    private readonly limits: RateLimitService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly rotation: KeyRotationService,
  ) {}

  async createKey(caller: Principal, dto: CreateApiKeyDto, audit: AuditContext): Promise<CreatedApiKeyResponseDto> {
    const scopes = dto.scopes ?? this.defaultScopes(caller);
    const notHeld = missingScopes(caller.scopes, scopes);
    if (notHeld.length > 0) throw insufficientScope(notHeld);
    if (dto.expiresAt && dto.expiresAt.getTime() <= this.clock.now()) {
      throw validationFailed([{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }]);
    }
    this.assertWithinCeiling(caller, dto.rateLimit);
    const rotationPolicy = dto.rotationPolicy ? resolveRotationPolicy(dto.rotationPolicy, this.config.apiKeys) : null;

    const key = generateApiKey();
    const hash = hashApiKey(key);
    const saved = await this.keys.manager.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const created = await keys.save(
        keys.create({
          userId: caller.userId,
          name: dto.name,
          keyPrefix: displayPrefix(key),
          keyHash: hash,
          scopes,
          isActive: true,
          expiresAt: dto.expiresAt ?? null,
          rateLimit: toRateLimitSetting(dto.rateLimit),
          quota: toQuotaSetting(dto.quota),
          allowedIps: dto.allowedIps ?? null,
          rotationPolicy,
          rotationDueAt: nextRotation(rotationPolicy, this.clock.now()),
        }),
      );
      await this.audit.record(manager, audit, {
        action: 'key.created',
        targetType: 'api_key',
        targetId: created.id,
        ownerId: created.userId,
        changes: {
          name: { from: null, to: created.name },
          scopes: { from: null, to: created.scopes },
          ...(rotationPolicy ? { rotationPolicy: { from: null, to: rotationPolicy } } : {}),
        },
      });
      return created;
    });
    this.verifier.forgetHash(hash);
    return { ...(await this.toResponse(saved)), key };
  }

  async listKeys(userId: string, page: PaginationQueryDto): Promise<{ items: ApiKeyResponseDto[]; total: number }> {
    const [rows, total] = await this.keys.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.limit,
    });
    return { items: await Promise.all(rows.map((row) => this.toResponse(row))), total };
  }

  async getKey(userId: string, id: string): Promise<ApiKeyResponseDto> {
    return this.toResponse(await this.findOwned(userId, id));
  }

  async updateKey(caller: Principal, id: string, dto: UpdateApiKeyDto, audit: AuditContext): Promise<ApiKeyResponseDto> {
    const saved = await this.keys.manager.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const key = await keys.findOne({ where: { id, userId: caller.userId }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw notFound('API key');
      if (key.revokedAt) throw conflict('A revoked key cannot be changed');
      const before = { ...key };
      if (dto.scopes !== undefined) {
        const widened = missingScopes(key.scopes, dto.scopes);
        if (widened.length > 0) {
          throw validationFailed([
            { field: 'scopes', messages: [`scopes can only be narrowed; the key does not hold ${widened.join(', ')}`] },
          ]);
        }
        key.scopes = dto.scopes;
      }
      if (dto.name !== undefined) key.name = dto.name;
      if (dto.isActive !== undefined) key.isActive = dto.isActive;
      if (dto.rateLimit !== undefined) {
        this.assertWithinCeiling(caller, dto.rateLimit ?? undefined);
        key.rateLimit = toRateLimitSetting(dto.rateLimit);
      }
      if (dto.quota !== undefined) key.quota = toQuotaSetting(dto.quota);
      if (dto.rotationPolicy !== undefined) this.applyRotationPolicy(key, dto.rotationPolicy);
      const after = await keys.save(key);
      const changes = diff(before, after, AUDITED_FIELDS);
      if (changes)
        await this.audit.record(manager, audit, {
          action: 'key.updated',
          targetType: 'api_key',
          targetId: id,
          changes,
          ownerId: caller.userId,
        });
      return after;
    });
    this.verifier.invalidate(id);
    return this.toResponse(saved);
  }

  /** Revocation is permanent and idempotent; the key answers 401 `api_key_revoked` from now on. */
  async revokeKey(userId: string, id: string, audit: AuditContext): Promise<ApiKeyResponseDto> {
    const key = await this.keys.manager.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const found = await keys.findOne({ where: { id, userId }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw notFound('API key');
      if (found.revokedAt) return found;
      found.revokedAt = this.clock.date();
      // A revoked key is not rotated, and a successor nobody revealed is not kept in any form.
      found.rotationDueAt = null;
      found.sealedKey = null;
      found.revealPending = false;
      const saved = await keys.save(found);
      await this.audit.record(manager, audit, {
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: id,
        ownerId: userId,
        changes: { revokedAt: { from: null, to: saved.revokedAt } },
      });
      return saved;
    });
    this.verifier.invalidate(id);
    return this.toResponse(key);
  }

  /**
   * Issues a successor with the same name, scopes, limits, quota and policies, shown once; the old
   * key keeps working until the grace period ends, then answers 401 `api_key_rotated`. The old
   * row is locked for the swap, so of concurrent rotations exactly one succeeds (the others 409).
   */
  async rotateKey(caller: Principal, id: string, dto: RotateApiKeyDto, audit: AuditContext): Promise<RotatedApiKeyResponseDto> {
    const graceSeconds = resolveGrace(dto.gracePeriodSeconds, this.config.apiKeys, 'gracePeriodSeconds');
    const rotation = await this.keys.manager.transaction(async (manager) => {
      const old = await manager
        .getRepository(ApiKeyEntity)
        .findOne({ where: { id, userId: caller.userId }, lock: { mode: 'pessimistic_write' } });
      if (!old) throw notFound('API key');
      return this.rotation.rotateLocked(manager, old, { graceSeconds, audit, trigger: 'manual' });
    });
    this.rotation.forgetReplaced([rotation]);
    const { successor, previous, key } = rotation;
    return {
      ...(await this.toResponse(successor)),
      key,
      previousKey: { id: previous.id, expiresAt: (previous.expiresAt as Date).toISOString() },
    };
  }

  /** The plaintext of a key the scheduler issued, once; then, or for any other key, 404. */
  async revealKey(userId: string, id: string, audit: AuditContext): Promise<CreatedApiKeyResponseDto> {
    const { row, key } = await this.rotation.reveal(userId, id, audit);
    return { ...(await this.toResponse(row)), key };
  }

  /** A new schedule counts from now and is announced afresh; the same schedule again changes nothing. */
  private applyRotationPolicy(key: ApiKeyEntity, dto: RotationPolicyDto | null): void {
    if (key.rotatedAt) throw conflict("A rotated key's schedule cannot be changed; change its successor's");
    const policy = dto ? resolveRotationPolicy(dto, this.config.apiKeys) : null;
    if (samePolicy(policy, key.rotationPolicy)) return;
    key.rotationPolicy = policy;
    key.rotationDueAt = nextRotation(policy, this.clock.now());
    key.rotationNotifiedAt = null;
  }

  private defaultScopes(caller: Principal): string[] {
    // A key minted by a key inherits that key's scopes; one minted by a user, the role's defaults.
    return caller.method === 'api_key' ? [...caller.scopes] : [...ROLE_SCOPES[caller.role]];
  }

  private async findOwned(userId: string, id: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findOne({ where: { id, userId } });
    if (!key) throw notFound('API key');
    return key;
  }

  /** How much of its quota a key has used in the current period; null without a quota. */
  async quotaUsage(key: Pick<ApiKeyEntity, 'id' | 'quota'>): Promise<QuotaUsageDto | null> {
    if (!key.quota) return null;
    const policy = this.limits.quotaPolicy(key.quota);
    const used = Math.min(key.quota.limit, await this.limits.used(`quota:${key.id}`, policy));
    return { ...key.quota, used, remaining: key.quota.limit - used, resetsAt: new Date(policy.window?.end ?? 0).toISOString() };
  }

  /** Owners may not set a key faster than the configured ceiling; admins may. */
  private assertWithinCeiling(caller: Principal, rateLimit: RateLimitDto | undefined): void {
    if (!rateLimit || caller.role === 'admin') return;
    const ceiling = this.config.rateLimit.keyCeiling;
    if (rateLimit.limit / rateLimit.windowSeconds > ceiling.limit / ceiling.windowSeconds) {
      throw validationFailed([
        { field: 'rateLimit', messages: [`rateLimit may not exceed ${ceiling.limit} requests per ${ceiling.windowSeconds} seconds`] },
      ]);
    }
  }

  private async toResponse(key: ApiKeyEntity): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(key, this.clock.now(), this.lastUsed.pendingFor(key.id), await this.quotaUsage(key));
  }
}

function toRateLimitSetting(dto: RateLimitDto | null | undefined): RateLimitSetting | null {
  if (!dto) return null;
  return {
    limit: dto.limit,
    windowSeconds: dto.windowSeconds,
    ...(dto.strategy ? { strategy: dto.strategy } : {}),
    ...(dto.burst ? { burst: dto.burst } : {}),
  };
}

function toQuotaSetting(dto: QuotaDto | null | undefined): QuotaSetting | null {
  return dto ? { limit: dto.limit, period: dto.period } : null;
}
