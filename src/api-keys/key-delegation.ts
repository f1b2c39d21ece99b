import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Principal } from '../access/principal';
import { unauthorized, validationFailed } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { ApiKeyRepository } from './api-key.repository';
import { RevokedChild } from './api-key.repository.types';
import { KeyTransaction } from './key-transaction';

/** More rounds than any chain of concurrent mints can need; a bound on the loop, not a limit in practice. */
const MAX_REVOCATION_ROUNDS = 100;

/** A lineage longer than any real chain of delegations and rotations; a bound on the walk, not a limit in practice. */
const MAX_LINEAGE_DEPTH = 1000;

/**
 * Delegation, the rules of a key minted by a key (its child): it is minted only while its parent
 * is live, expires no later than its parent, is revoked with it, and a child acts only inside its
 * own subtree.
 */
@Injectable()
export class KeyDelegation {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly clock: Clock,
    private readonly audit: AuditRecorder,
  ) {}

  /**
   * The minting key must still be live when its child is written. A share lock on its row holds
   * off a concurrent revocation until this transaction ends (see revokeDescendants), and a
   * revocation that won the race is seen here: 401 as if the key had been refused at the door.
   */
  async lockLiveParent(tx: KeyTransaction, parentId: string): Promise<void> {
    const parent = await this.keys.shareLockState(tx, parentId);
    if (!parent || parent.revokedAt) throw unauthorized(ErrorCode.ApiKeyRevoked, 'API key has been revoked');
    if (!parent.isActive) throw unauthorized(ErrorCode.ApiKeyInactive, 'API key is inactive');
  }

  /** A new key's expiry: in the future, and for a key minted by a key, no later than the parent's. */
  childExpiry(caller: Principal, requested: Date | undefined): Date | null {
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

  /**
   * Revokes every key minted, directly or not, from `parentId`, each with its own audit event, in
   * `tx` (which forgets them once it commits); resolves to their ids.
   */
  async revokeDescendants(tx: KeyTransaction, parentId: string, audit: AuditContext): Promise<string[]> {
    const now = this.clock.date();
    const revoked: RevokedChild[] = [];
    // A key being minted from a descendant right now holds a share lock on its parent (see
    // lockLiveParent), so this UPDATE waits for it; but the set of descendants was read before
    // that key committed. Repeating until a round finds nothing catches every such key; a mint
    // that comes after a round's lock finds its parent revoked and is refused.
    for (let round = 0; round < MAX_REVOCATION_ROUNDS; round++) {
      const batch = await this.keys.revokeDescendants(tx, parentId, now);
      if (batch.length === 0) break;
      revoked.push(...batch);
    }
    for (const child of revoked) {
      await this.audit.record(tx.manager, audit, {
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: child.id,
        ownerId: child.userId,
        changes: { revokedAt: { from: null, to: now }, revokedWithParent: { from: null, to: parentId } },
      });
    }
    return revoked.map((child) => child.id);
  }

  /**
   * True when the caller was minted by its user (no delegation to stay within), or `targetId`
   * descends from it: walking up from the target through parents and predecessors (a rotation
   * moves a key's children to its successor, and a successor stands for the key it replaced)
   * reaches the caller.
   */
  async withinDelegation(manager: EntityManager, callerId: string, targetId: string): Promise<boolean> {
    const { delegated, reached } = await this.keys.lineage(manager, callerId, targetId, MAX_LINEAGE_DEPTH);
    return !delegated || reached;
  }
}
