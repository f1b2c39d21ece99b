import { Inject, Injectable } from '@nestjs/common';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { conflict, notFound } from '../core/errors/app.exception';
import { Clock } from '../core/time/clock';
import { AuthConfig, authConfig } from '../auth/auth.config';
import { SecretBox } from '../core/crypto/secret-box';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-format';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyTransaction } from './key-transaction';
import { KeyUnitOfWork } from './key-unit-of-work';
import { nextRotation } from './rotation-policy';
import { ManageableKeys } from './manageable-keys';
import type { Principal } from '../access/principal';

export interface RotationOptions {
  graceSeconds: number;
  audit: AuditContext;
  /**
   * `manual`: the caller gets the new key in the response. `schedule`: nobody is there to show it
   * to, so it is sealed on the successor until its owner reveals it once.
   */
  trigger: 'manual' | 'schedule';
}

export interface Rotation {
  successor: ApiKeyEntity;
  previous: ApiKeyEntity;
  /** The successor's plaintext: for the caller of a manual rotation only, never logged or stored in the clear. */
  key: string;
}

/** The path an owner fetches a sealed successor from. */
export const revealPath = (keyId: string): string => `/api/keys/${keyId}/reveal`;

/**
 * The one implementation of a rotation, for the owner's `POST /api/keys/:id/rotate` and for the
 * scheduler, and the single-use reveal of a key the scheduler issued.
 */
@Injectable()
export class KeyRotationService {
  private readonly box: SecretBox;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    private readonly clock: Clock,
    private readonly audit: AuditRecorder,
    @Inject(authConfig.KEY) auth: AuthConfig,
    private readonly manageable: ManageableKeys,
  ) {
    this.box = new SecretBox(auth.jwt.secret, 'sealed-api-keys');
  }

  /**
   * Replaces `old`, which the caller has locked (`FOR UPDATE`) in `tx`: issues a successor with the
   * same name, scopes, limits, quota and rotation policy, ends the old key after the grace period,
   * and records `key.rotated` (and so its webhook) in the same transaction.
   */
  async rotateLocked(tx: KeyTransaction, old: ApiKeyEntity, options: RotationOptions): Promise<Rotation> {
    if (old.revokedAt) throw conflict('A revoked key cannot be rotated');
    if (old.replacedById || old.rotatedAt) throw conflict('This key was already rotated; rotate its successor instead');

    const key = generateApiKey();
    const hash = hashApiKey(key);
    const now = this.clock.now();
    const scheduled = options.trigger === 'schedule';
    const successor = await this.keys.insert(tx, {
      userId: old.userId,
      name: old.name,
      organizationId: old.organizationId,
      projectId: old.projectId,
      parentKeyId: old.parentKeyId,
      keyPrefix: displayPrefix(key),
      keyHash: hash,
      scopes: old.scopes,
      isActive: old.isActive,
      expiresAt: old.expiresAt && old.expiresAt.getTime() > now ? old.expiresAt : null,
      rateLimit: old.rateLimit,
      quota: old.quota,
      allowedIps: old.allowedIps,
      certificateThumbprint: old.certificateThumbprint,
      rotationPolicy: old.rotationPolicy ?? null,
      rotationDueAt: nextRotation(old.rotationPolicy ?? null, now),
      sealedKey: scheduled ? this.box.seal(key) : null,
    });
    // The keys the old one minted now hang from its successor, so revoking it still reaches them.
    await this.keys.reparentChildren(tx.manager, old.id, successor.id);
    const graceEnd = new Date(now + options.graceSeconds * 1000);
    const previousExpiry = old.expiresAt;
    old.rotatedAt = new Date(now);
    old.replacedById = successor.id;
    old.expiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    // The schedule moves to the successor; a sealed key not yet revealed is of no more use.
    old.rotationDueAt = null;
    old.sealedKey = null;
    const previous = await this.keys.save(tx, old);
    await this.audit.record(tx.manager, options.audit, {
      action: 'key.rotated',
      targetType: 'api_key',
      targetId: old.id,
      ownerId: old.userId,
      changes: {
        replacedById: { from: null, to: successor.id },
        ...(previousExpiry?.getTime() !== previous.expiresAt?.getTime()
          ? { expiresAt: { from: previousExpiry, to: previous.expiresAt } }
          : {}),
      },
      webhookDetails: {
        trigger: options.trigger,
        successorId: successor.id,
        successorKeyPrefix: successor.keyPrefix,
        previousKeyExpiresAt: previous.expiresAt?.toISOString() ?? null,
        ...(scheduled ? { revealPath: revealPath(successor.id) } : {}),
      },
    });
    return { successor, previous, key };
  }

  /**
   * Hands the owner the plaintext the scheduler sealed on `id`, once: the sealed copy is cleared by
   * the same statement that reads it, so of two concurrent reveals one gets it and the other a 404,
   * as do a key that has nothing sealed and someone else's key.
   */
  async reveal(caller: Principal, id: string, audit: AuditContext): Promise<{ row: ApiKeyEntity; key: string }> {
    return this.unitOfWork.run(async (tx) => {
      // The row lock makes a concurrent reveal wait, then find nothing sealed. A key reveals only
      // what it may act on, like every other key route: nothing wider than itself (a successor has
      // its predecessor's scopes) and nothing outside its boundary.
      const claimed = await this.manageable.findForAction(tx, caller, id, { sealedKey: true });
      if (!claimed.sealedKey) throw notFound('API key');
      await this.keys.clearSealedKey(tx.manager, id);
      let key: string;
      try {
        key = this.box.open(claimed.sealedKey);
      } catch {
        // Rolls the claim back: the sealed copy stays until the key is rotated again or revoked.
        throw conflict('The sealed key cannot be opened (JWT_SECRET changed since it was sealed); rotate the key again');
      }
      await this.audit.record(tx.manager, audit, {
        action: 'key.revealed',
        targetType: 'api_key',
        targetId: id,
        ownerId: caller.userId,
        changes: { revealPending: { from: true, to: false } },
      });
      const row = await this.keys.findById(id, tx.manager);
      if (!row) throw notFound('API key');
      return { row, key };
    });
  }
}
