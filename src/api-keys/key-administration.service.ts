import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { notFound } from '../core/errors/app.exception';
import { Page } from '../core/http/page';
import { Clock } from '../core/time/clock';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { UserRepository } from '../users/user.repository';
import { ApiKeyMapper } from './api-key.mapper';
import { ApiKeyRepository } from './api-key.repository';
import { AdminApiKeyResponseDto, KeyStatus } from './dto/api-key-response.dto';
import { decodeCursor, encodeCursor } from './key-cursor';
import { KeyDelegation } from './key-delegation';
import { KeyUnitOfWork } from './key-unit-of-work';

/** The steps of removing a key owner around the revocation of their keys, in its transaction. */
export interface OwnerRemoval<T> {
  /** Runs first and may refuse (throw): nothing is revoked then. */
  check: (manager: EntityManager) => Promise<void>;
  /** Runs once every key is revoked: removes the owner (the key rows go with it). */
  remove: (manager: EntityManager) => Promise<T>;
}

/** What the administrators' list of every key is filtered and paged by. */
export interface AllKeysQuery {
  userId?: string;
  /** The owner's email, any case; no such user is an empty list. */
  ownerEmail?: string;
  /** Part of the key's name or prefix, any case. */
  search?: string;
  status?: KeyStatus;
  isActive?: boolean;
  /** A `nextCursor` this list returned; replaces `skip` for deep pages. */
  cursor?: string;
  skip: number;
  limit: number;
}

/** The platform administrators' hold on every key, whoever owns it. */
@Injectable()
export class KeyAdministration {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    private readonly delegation: KeyDelegation,
    private readonly mapper: ApiKeyMapper,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    private readonly users: UserRepository,
  ) {}

  /** Every key, newest first, with its owner; `nextCursor` continues the list after this page (null on the last). */
  async listKeys(query: AllKeysQuery): Promise<Page<AdminApiKeyResponseDto> & { nextCursor: string | null }> {
    let userId = query.userId;
    if (query.ownerEmail !== undefined) {
      const owner = await this.users.getByEmail(query.ownerEmail.toLowerCase());
      // Nobody with that email, or someone other than `userId`: no key matches both.
      if (!owner || (userId !== undefined && userId !== owner.id)) return { items: [], total: 0, nextCursor: null };
      userId = owner.id;
    }
    const { rows, total, next } = await this.keys.listAll(
      {
        userId,
        search: query.search,
        status: query.status,
        isActive: query.isActive,
        cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        skip: query.skip,
        take: query.limit,
      },
      this.clock.date(),
    );
    const items = await Promise.all(rows.map((row) => this.mapper.toAdminResponse(row)));
    return { items, total, nextCursor: next ? encodeCursor(next) : null };
  }

  async setKeyActive(id: string, isActive: boolean, audit: AuditContext): Promise<AdminApiKeyResponseDto> {
    await this.unitOfWork.run(async (tx) => {
      const key = await this.keys.lockById(tx, id);
      if (!key) throw notFound('API key');
      if (key.isActive === isActive) {
        // Asking again announces it again: an instance that missed the first announcement catches up.
        tx.changed(id);
        return;
      }
      await this.keys.setActive(tx, id, isActive);
      await this.audit.record(tx.manager, audit, {
        action: isActive ? 'key.activated' : 'key.deactivated',
        targetType: 'api_key',
        targetId: id,
        ownerId: key.userId,
        changes: { isActive: { from: key.isActive, to: isActive } },
      });
    });
    return this.mapper.toAdminResponse(await this.keys.getWithOwner(id));
  }

  /**
   * An owner's account is removed: in one transaction, `check`, then every live key of theirs is
   * revoked (each audited, with the keys minted from them), then `remove`. Once it commits every
   * verifier, here and on the other instances, forgets each of the owner's keys.
   */
  async removeOwner<T>(userId: string, audit: AuditContext, steps: OwnerRemoval<T>): Promise<{ revokedKeys: number; result: T }> {
    return this.unitOfWork.run(async (tx) => {
      await steps.check(tx.manager);
      const now = this.clock.date();
      const revoked = await this.keys.revokeAllOwnedBy(tx, userId, now);
      for (const id of revoked) {
        // No ownerId: the owner's webhook endpoints are removed with the account in this transaction.
        await this.audit.record(tx.manager, audit, {
          action: 'key.revoked',
          targetType: 'api_key',
          targetId: id,
          changes: { revokedAt: { from: null, to: now } },
        });
        await this.delegation.revokeDescendants(tx, id, audit);
      }
      return { revokedKeys: revoked.length, result: await steps.remove(tx.manager) };
    });
  }

  /** Deletes a key; the keys it minted are revoked (and audited) before the parent row disappears. */
  async deleteKey(id: string, audit: AuditContext): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      const key = await this.keys.findById(id, tx.manager);
      if (!key) throw notFound('API key');
      await this.delegation.revokeDescendants(tx, id, audit);
      await this.keys.delete(tx, id);
      await this.audit.record(tx.manager, audit, {
        action: 'key.deleted',
        targetType: 'api_key',
        targetId: id,
        ownerId: key.userId,
        changes: { name: { from: key.name, to: null }, ownerId: { from: key.userId, to: null } },
      });
    });
  }
}
