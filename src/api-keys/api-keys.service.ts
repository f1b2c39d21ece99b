import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { missingScopes } from '../access/scopes';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { conflict, notFound, validationFailed } from '../core/errors/app.exception';
import { Page } from '../core/http/page';
import { Clock } from '../core/time/clock';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder, diff } from '../events/audit-recorder';
import { ApiKeyMapper } from './api-key.mapper';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyResponseDto } from './dto/api-key-response.dto';
import { ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { RotationPolicyDto } from './dto/rotation-policy.dto';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeySettings, toQuotaSetting, toRateLimitSetting } from './key-settings';
import { KeyUnitOfWork } from './key-unit-of-work';
import { ManageableKeys, manageableKeys } from './manageable-keys';
import { nextRotation, resolveRotationPolicy, samePolicy } from './rotation-policy';

/** The fields an update is audited by. */
const AUDITED_FIELDS: Array<keyof ApiKeyEntity> = [
  'name',
  'scopes',
  'isActive',
  'rateLimit',
  'quota',
  'rotationPolicy',
  'allowedIps',
  'certificateThumbprint',
];

/** An owner's keys: listing, reading and changing them. Every query is bounded by the owner: a foreign id is a 404. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    private readonly manageable: ManageableKeys,
    private readonly settings: KeySettings,
    private readonly mapper: ApiKeyMapper,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
  ) {}

  async listKeys(caller: Principal, page: ListApiKeysQueryDto): Promise<Page<ApiKeyResponseDto>> {
    const boundary = manageableKeys(caller);
    // A filter narrows the caller's boundary; one that contradicts it matches nothing.
    for (const field of ['organizationId', 'projectId'] as const) {
      const wanted = page[field];
      if (wanted === undefined) continue;
      if (boundary[field] !== undefined && boundary[field] !== wanted) return { items: [], total: 0 };
      boundary[field] = wanted;
    }
    const [rows, total] = await this.keys.listInBoundary(boundary, { skip: page.skip, take: page.limit });
    return { items: await Promise.all(rows.map((row) => this.mapper.toResponse(row))), total };
  }

  async getKey(caller: Principal, id: string): Promise<ApiKeyResponseDto> {
    const key = await this.keys.findInBoundary(manageableKeys(caller), id);
    if (!key) throw notFound('API key');
    return this.mapper.toResponse(key);
  }

  async updateKey(caller: Principal, id: string, dto: UpdateApiKeyDto, audit: AuditContext): Promise<ApiKeyResponseDto> {
    const saved = await this.unitOfWork.run(async (tx) => {
      const key = await this.manageable.findForAction(tx, caller, id);
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
        this.settings.assertWithinCeiling(caller, dto.rateLimit ?? undefined);
        key.rateLimit = toRateLimitSetting(dto.rateLimit);
      }
      if (dto.quota !== undefined) key.quota = toQuotaSetting(dto.quota);
      if (dto.allowedIps !== undefined) key.allowedIps = dto.allowedIps;
      if (dto.certificateThumbprint !== undefined) key.certificateThumbprint = dto.certificateThumbprint;
      if (dto.rotationPolicy !== undefined) this.applyRotationPolicy(key, dto.rotationPolicy);
      const after = await this.keys.save(tx, key);
      const changes = diff(before, after, AUDITED_FIELDS);
      if (changes)
        await this.audit.record(tx.manager, audit, {
          action: 'key.updated',
          targetType: 'api_key',
          targetId: id,
          changes,
          ownerId: caller.userId,
        });
      return after;
    });
    return this.mapper.toResponse(saved);
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
}
