import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { Clock } from '../core/time/clock';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { ApiKeyMapper } from './api-key.mapper';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyResponseDto, CreatedApiKeyResponseDto, RotatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyDelegation } from './key-delegation';
import { KeyRotationService } from './key-rotation.service';
import { KeyUnitOfWork } from './key-unit-of-work';
import { ManageableKeys } from './manageable-keys';
import { resolveGrace } from './rotation-policy';

/** The end of a key's life, and its renewal: revocation (with its descendants), rotation, and the reveal of a scheduled successor. */
@Injectable()
export class KeyLifecycleService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    private readonly manageable: ManageableKeys,
    private readonly delegation: KeyDelegation,
    private readonly rotation: KeyRotationService,
    private readonly mapper: ApiKeyMapper,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
  ) {}

  /**
   * Revocation is permanent and idempotent; the key answers 401 `api_key_revoked` from now on, and
   * so does every key it minted, and theirs, in the same transaction.
   */
  async revokeKey(caller: Principal, id: string, audit: AuditContext): Promise<ApiKeyResponseDto> {
    return this.mapper.toResponse(await this.revoke(caller, id, audit));
  }

  /** Revokes a key the caller may act on: one of its own, or with `organizationId`, any bound to that organisation. */
  async revoke(caller: Principal, id: string, audit: AuditContext, organizationId?: string): Promise<ApiKeyEntity> {
    return this.unitOfWork.run(async (tx) => {
      const found = await this.manageable.findForAction(tx, caller, id, { organizationId });
      if (found.revokedAt) {
        // Revoking again announces the revocation again: an instance that missed the first
        // announcement (its channel was down) forgets the key now.
        tx.changed(found.id);
        return found;
      }
      found.revokedAt = this.clock.date();
      // A revoked key is not rotated, and a successor nobody revealed is not kept in any form.
      found.rotationDueAt = null;
      found.sealedKey = null;
      found.revealPending = false;
      const saved = await this.keys.save(tx, found);
      await this.audit.record(tx.manager, audit, {
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: saved.id,
        ownerId: saved.userId,
        changes: { revokedAt: { from: null, to: saved.revokedAt } },
      });
      await this.delegation.revokeDescendants(tx, saved.id, audit);
      return saved;
    });
  }

  /**
   * Issues a successor with the same name, scopes, limits, quota and policies, shown once; the old
   * key keeps working until the grace period ends, then answers 401 `api_key_rotated`. The old
   * row is locked for the swap, so of concurrent rotations exactly one succeeds (the others 409).
   */
  async rotateKey(caller: Principal, id: string, dto: RotateApiKeyDto, audit: AuditContext): Promise<RotatedApiKeyResponseDto> {
    const graceSeconds = resolveGrace(dto.gracePeriodSeconds, this.config, 'gracePeriodSeconds');
    const { successor, previous, key } = await this.unitOfWork.run(async (tx) => {
      const old = await this.manageable.findForAction(tx, caller, id);
      return this.rotation.rotateLocked(tx, old, { graceSeconds, audit, trigger: 'manual' });
    });
    return {
      ...(await this.mapper.toResponse(successor)),
      key,
      previousKey: { id: previous.id, expiresAt: (previous.expiresAt as Date).toISOString() },
    };
  }

  /** The plaintext of a key the scheduler issued, once; then, or for any other key, 404. */
  async revealKey(caller: Principal, id: string, audit: AuditContext): Promise<CreatedApiKeyResponseDto> {
    const { row, key } = await this.rotation.reveal(caller, id, audit);
    return { ...(await this.mapper.toResponse(row)), key };
  }
}
