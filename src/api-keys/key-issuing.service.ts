import { Inject, Injectable } from '@nestjs/common';
import { Binding, bindingOf } from '../access/boundary';
import { ORGANIZATION_ROLE_SCOPES } from '../access/organization-roles';
import { Principal } from '../access/principal';
import type { ResourceAccess } from '../access/resource.decorators';
import { defaultKeyScopes, intersectScopes, missingScopes } from '../access/scopes';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { insufficientScope } from '../core/errors/app.exception';
import { Clock } from '../core/time/clock';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-format';
import { ApiKeyMapper } from './api-key.mapper';
import { ApiKeyRepository } from './api-key.repository';
import { CreatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { KeyDelegation } from './key-delegation';
import { KeySettings, toQuotaSetting, toRateLimitSetting } from './key-settings';
import { KeyUnitOfWork } from './key-unit-of-work';
import { nextRotation, resolveRotationPolicy } from './rotation-policy';

/** Issuing a key: the one place a new key's secret is generated for a caller. */
@Injectable()
export class KeyIssuingService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    private readonly delegation: KeyDelegation,
    private readonly settings: KeySettings,
    private readonly mapper: ApiKeyMapper,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
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
    const scopes = dto.scopes ?? defaultKeyScopes(held);
    const notHeld = missingScopes(held, scopes);
    if (notHeld.length > 0) throw insufficientScope(notHeld);
    const expiresAt = this.delegation.childExpiry(caller, dto.expiresAt);
    this.settings.assertWithinCeiling(caller, dto.rateLimit);
    const rotationPolicy = dto.rotationPolicy ? resolveRotationPolicy(dto.rotationPolicy, this.config) : null;

    const key = generateApiKey();
    const saved = await this.unitOfWork.run(async (tx) => {
      if (caller.method === 'api_key' && caller.keyId) await this.delegation.lockLiveParent(tx, caller.keyId);
      const created = await this.keys.insert(tx, {
        userId: caller.userId,
        name: dto.name,
        organizationId: binding.organizationId,
        projectId: binding.projectId,
        parentKeyId: caller.method === 'api_key' ? (caller.keyId ?? null) : null,
        keyPrefix: displayPrefix(key),
        keyHash: hashApiKey(key),
        scopes,
        isActive: true,
        expiresAt,
        rateLimit: toRateLimitSetting(dto.rateLimit),
        quota: toQuotaSetting(dto.quota),
        allowedIps: dto.allowedIps ?? null,
        certificateThumbprint: dto.certificateThumbprint ?? null,
        rotationPolicy,
        rotationDueAt: nextRotation(rotationPolicy, this.clock.now()),
      });
      await this.audit.record(tx.manager, audit, {
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
          ...(created.certificateThumbprint ? { certificateThumbprint: { from: null, to: created.certificateThumbprint } } : {}),
        },
      });
      return created;
    });
    return { ...(await this.mapper.toResponse(saved)), key };
  }
}
