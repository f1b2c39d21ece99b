import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { conflict, insufficientScope, notFound, unauthorized, validationFailed } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { Principal } from '../access/principal';
import { intersectScopes, missingScopes } from '../access/scopes';
import { Binding, bindingOf } from '../access/boundary';
import { ORGANIZATION_ROLE_SCOPES } from '../access/organization-roles';
import type { ResourceAccess } from '../access/resource.decorators';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-format';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { toAdminApiKeyResponse, toApiKeyResponse } from './api-key.mapper';
import { Page } from '../core/http/page';
import { AdminApiKeyResponseDto, ApiKeyResponseDto, CreatedApiKeyResponseDto, RotatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto';
import { RotationPolicyDto } from './dto/rotation-policy.dto';
import { CreateApiKeyDto, ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { LastUsedTracker } from './last-used.tracker';
import { RateLimitConfig, rateLimitConfig } from '../rate-limit/rate-limit.config';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { QuotaUsageDto } from './dto/api-key-response.dto';
import { QuotaDto, RateLimitDto } from './dto/create-api-key.dto';
import { QuotaSetting, RateLimitSetting } from './entities/api-key.entity';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder, diff } from '../events/audit-recorder';
import { KeyRotationService } from './key-rotation.service';
import { ManageableKeys, manageableKeys } from './manageable-keys';
import { nextRotation, resolveGrace, resolveRotationPolicy, samePolicy } from './rotation-policy';

/** More rounds than any chain of concurrent mints can need; a bound on the loop, not a limit in practice. */
const MAX_REVOCATION_ROUNDS = 100;

/** The fields an update is audited by. */
const AUDITED_FIELDS: Array<keyof ApiKeyEntity> = ['name', 'scopes', 'isActive', 'rateLimit', 'quota', 'rotationPolicy', 'allowedIps'];

/** The key lifecycle for a key's owner. Every query is bounded by the owner: a foreign id is a 404. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly verifier: ApiKeyVerifier,
    private readonly lastUsed: LastUsedTracker,
    private readonly clock: Clock,
    private readonly limits: RateLimitService,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
    @Inject(rateLimitConfig.KEY) private readonly rateLimits: RateLimitConfig,
    private readonly audit: AuditRecorder,
    private readonly rotation: KeyRotationService,
    private readonly manageable: ManageableKeys,
  ) {}

  /**
   * Mints a key. `access` is the organisation or project named in the body, already checked by
   * the ScopesGuard; without one, a key minted by a bound key inherits its binding. A key never
   * holds more than its minter may, there: the minter's scopes, bounded inside an organisation by
   * the minter's role in it. A key minted by a key is its child (delegation): it expires no later
   * than its parent, and revoking the parent revokes it.
   */
  async createKey(
    caller: Principal,
    dto: CreateApiKeyDto,
    audit: AuditContext,
    access?: ResourceAccess,
  ): Promise<CreatedApiKeyResponseDto> {
    const binding: Binding = access ? bindingOf(access) : bindingOf(caller);
    const held = access ? intersectScopes(caller.scopes, ORGANIZATION_ROLE_SCOPES[access.role]) : caller.scopes;
    const scopes = dto.scopes ?? [...held];
    const notHeld = missingScopes(held, scopes);
    if (notHeld.length > 0) throw insufficientScope(notHeld);
    const expiresAt = this.childExpiry(caller, dto.expiresAt);
    this.assertWithinCeiling(caller, dto.rateLimit);
    const rotationPolicy = dto.rotationPolicy ? resolveRotationPolicy(dto.rotationPolicy, this.config) : null;

    const key = generateApiKey();
    const hash = hashApiKey(key);
    const saved = await this.keys.manager.transaction(async (manager) => {
      if (caller.method === 'api_key' && caller.keyId) await this.lockLiveParent(manager, caller.keyId);
      const keys = manager.getRepository(ApiKeyEntity);
      const created = await keys.save(
        keys.create({
          userId: caller.userId,
          name: dto.name,
          organizationId: binding.organizationId,
          projectId: binding.projectId,
          parentKeyId: caller.method === 'api_key' ? (caller.keyId ?? null) : null,
          keyPrefix: displayPrefix(key),
          keyHash: hash,
          scopes,
          isActive: true,
          expiresAt,
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
          ...(created.organizationId ? { organizationId: { from: null, to: created.organizationId } } : {}),
          ...(created.projectId ? { projectId: { from: null, to: created.projectId } } : {}),
          ...(created.parentKeyId ? { parentKeyId: { from: null, to: created.parentKeyId } } : {}),
          ...(rotationPolicy ? { rotationPolicy: { from: null, to: rotationPolicy } } : {}),
        },
      });
      return created;
    });
    this.verifier.forgetHash(hash);
    return { ...(await this.toResponse(saved)), key };
  }

  async listKeys(caller: Principal, page: ListApiKeysQueryDto): Promise<{ items: ApiKeyResponseDto[]; total: number }> {
    const where = manageableKeys(caller);
    // A filter narrows the caller's boundary; one that contradicts it matches nothing.
    for (const field of ['organizationId', 'projectId'] as const) {
      const wanted = page[field];
      if (wanted === undefined) continue;
      if (where[field] !== undefined && where[field] !== wanted) return { items: [], total: 0 };
      where[field] = wanted;
    }
    const [rows, total] = await this.keys.findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.limit,
    });
    return { items: await Promise.all(rows.map((row) => this.toResponse(row))), total };
  }

  async getKey(caller: Principal, id: string): Promise<ApiKeyResponseDto> {
    return this.toResponse(await this.findOwned(caller, id));
  }

  async updateKey(caller: Principal, id: string, dto: UpdateApiKeyDto, audit: AuditContext): Promise<ApiKeyResponseDto> {
    const saved = await this.keys.manager.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const key = await this.manageable.findForAction(manager, caller, id);
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
      if (dto.allowedIps !== undefined) key.allowedIps = dto.allowedIps;
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

  /**
   * Revocation is permanent and idempotent; the key answers 401 `api_key_revoked` from now on, and
   * so does every key it minted, and theirs, in the same transaction.
   */
  async revokeKey(caller: Principal, id: string, audit: AuditContext): Promise<ApiKeyResponseDto> {
    return this.toResponse(await this.revoke(caller, id, audit));
  }

  /** Every key bound to an organisation (or one of its projects), whoever owns it: for its owners and admins. */
  async listOrganizationKeys(access: ResourceAccess, query: ListApiKeysQueryDto): Promise<Page<AdminApiKeyResponseDto>> {
    if (query.organizationId !== undefined && query.organizationId !== access.organizationId) return { items: [], total: 0 };
    const [rows, total] = await this.keys.findAndCount({
      where: { organizationId: access.organizationId, ...(query.projectId ? { projectId: query.projectId } : {}) },
      relations: { owner: true },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: query.skip,
      take: query.limit,
    });
    return { items: await Promise.all(rows.map((row) => this.toAdminResponse(row))), total };
  }

  /** An organisation's owners and admins revoke any key bound to it, with its descendants. */
  async revokeOrganizationKey(caller: Principal, access: ResourceAccess, id: string, audit: AuditContext): Promise<AdminApiKeyResponseDto> {
    const revoked = await this.revoke(caller, id, audit, access.organizationId);
    const key = await this.keys.findOneOrFail({ where: { id: revoked.id }, relations: { owner: true } });
    return this.toAdminResponse(key);
  }

  /** Revokes a key the caller may act on: one of its own, or with `organizationId`, any bound to that organisation. */
  private async revoke(caller: Principal, id: string, audit: AuditContext, organizationId?: string): Promise<ApiKeyEntity> {
    const { key, children } = await this.keys.manager.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const found = await this.manageable.findForAction(manager, caller, id, { organizationId });
      if (found.revokedAt) return { key: found, children: [] };
      found.revokedAt = this.clock.date();
      // A revoked key is not rotated, and a successor nobody revealed is not kept in any form.
      found.rotationDueAt = null;
      found.sealedKey = null;
      found.revealPending = false;
      const saved = await keys.save(found);
      await this.audit.record(manager, audit, {
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: saved.id,
        ownerId: saved.userId,
        changes: { revokedAt: { from: null, to: saved.revokedAt } },
      });
      return { key: saved, children: await this.revokeDescendants(manager, saved.id, audit) };
    });
    for (const keyId of [key.id, ...children]) this.verifier.invalidate(keyId);
    return key;
  }

  /**
   * Revokes every key minted, directly or not, from `parentId`, each with its own audit event;
   * resolves to their ids, for the caller to invalidate once the transaction commits.
   */
  async revokeDescendants(manager: EntityManager, parentId: string, audit: AuditContext): Promise<string[]> {
    const now = this.clock.date();
    const revoked: Array<{ id: string; user_id: string }> = [];
    // A key being minted from a descendant right now holds a share lock on its parent (see
    // lockLiveParent), so this UPDATE waits for it; but the set of descendants was read before
    // that key committed. Repeating until a round finds nothing catches every such key; a mint
    // that comes after a round's lock finds its parent revoked and is refused.
    for (let round = 0; round < MAX_REVOCATION_ROUNDS; round++) {
      const batch: Array<{ id: string; user_id: string }> = await manager.query(
        `WITH RECURSIVE descendants AS (
           SELECT id FROM api_keys WHERE parent_key_id = $1
           UNION
           SELECT child.id FROM api_keys child JOIN descendants ON child.parent_key_id = descendants.id
         ), revoked AS (
           UPDATE api_keys SET revoked_at = $2, updated_at = now()
           WHERE id IN (SELECT id FROM descendants) AND revoked_at IS NULL
           RETURNING id, user_id
         )
         SELECT id, user_id FROM revoked`,
        [parentId, now],
      );
      if (batch.length === 0) break;
      revoked.push(...batch);
    }
    for (const child of revoked) {
      await this.audit.record(manager, audit, {
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: child.id,
        ownerId: child.user_id,
        changes: { revokedAt: { from: null, to: now }, revokedWithParent: { from: null, to: parentId } },
      });
    }
    return revoked.map((child) => child.id);
  }

  /**
   * Issues a successor with the same name, scopes, limits, quota and policies, shown once; the old
   * key keeps working until the grace period ends, then answers 401 `api_key_rotated`. The old
   * row is locked for the swap, so of concurrent rotations exactly one succeeds (the others 409).
   */
  async rotateKey(caller: Principal, id: string, dto: RotateApiKeyDto, audit: AuditContext): Promise<RotatedApiKeyResponseDto> {
    const graceSeconds = resolveGrace(dto.gracePeriodSeconds, this.config, 'gracePeriodSeconds');
    const rotation = await this.keys.manager.transaction(async (manager) => {
      const old = await this.manageable.findForAction(manager, caller, id);
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

  /**
   * Delegation: the minting key must still be live when its child is written. A share lock on its
   * row holds off a concurrent revocation until this transaction ends (see revokeDescendants), and
   * a revocation that won the race is seen here: 401 as if the key had been refused at the door.
   */
  private async lockLiveParent(manager: EntityManager, parentId: string): Promise<void> {
    const [parent]: Array<{ revoked_at: Date | null; is_active: boolean }> = await manager.query(
      'SELECT revoked_at, is_active FROM api_keys WHERE id = $1 FOR SHARE',
      [parentId],
    );
    if (!parent || parent.revoked_at) throw unauthorized(ErrorCode.ApiKeyRevoked, 'API key has been revoked');
    if (!parent.is_active) throw unauthorized(ErrorCode.ApiKeyInactive, 'API key is inactive');
  }

  /** A new key's expiry: in the future, and for a key minted by a key, no later than the parent's. */
  private childExpiry(caller: Principal, requested: Date | undefined): Date | null {
    if (requested && requested.getTime() <= this.clock.now()) {
      throw validationFailed([{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }]);
    }
    const parentExpiry = caller.method === 'api_key' ? caller.expiresAt : null;
    if (!parentExpiry) return requested ?? null;
    if (requested && requested > parentExpiry) {
      throw validationFailed([
        { field: 'expiresAt', messages: [`expiresAt must not be later than the minting key's expiry (${parentExpiry.toISOString()})`] },
      ]);
    }
    return requested ?? parentExpiry;
  }

  /** The plaintext of a key the scheduler issued, once; then, or for any other key, 404. */
  async revealKey(caller: Principal, id: string, audit: AuditContext): Promise<CreatedApiKeyResponseDto> {
    const { row, key } = await this.rotation.reveal(caller, id, audit);
    return { ...(await this.toResponse(row)), key };
  }

  /** A new schedule counts from now and is announced afresh; the same schedule again changes nothing. */
  private applyRotationPolicy(key: ApiKeyEntity, dto: RotationPolicyDto | null): void {
    if (key.rotatedAt) throw conflict("A rotated key's schedule cannot be changed; change its successor's");
    const policy = dto ? resolveRotationPolicy(dto, this.config) : null;
    if (samePolicy(policy, key.rotationPolicy)) return;
    key.rotationPolicy = policy;
    key.rotationDueAt = nextRotation(policy, this.clock.now());
    key.rotationNotifiedAt = null;
  }

  private async findOwned(caller: Principal, id: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findOne({ where: { ...manageableKeys(caller), id } });
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
    const ceiling = this.rateLimits.keyCeiling;
    if (rateLimit.limit / rateLimit.windowSeconds > ceiling.limit / ceiling.windowSeconds) {
      throw validationFailed([
        { field: 'rateLimit', messages: [`rateLimit may not exceed ${ceiling.limit} requests per ${ceiling.windowSeconds} seconds`] },
      ]);
    }
  }

  /** The administrators' view of a key (with its owner, whom `key.owner` must hold). */
  async toAdminResponse(key: ApiKeyEntity): Promise<AdminApiKeyResponseDto> {
    return toAdminApiKeyResponse(key, this.clock.now(), this.lastUsed.pendingFor(key.id), await this.quotaUsage(key));
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
