import { Injectable } from '@nestjs/common';
import { EntityManager, FindOptionsWhere, IsNull } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import type { Principal } from '../access/principal';
import { missingScopes } from '../access/scopes';
import { forbidden, insufficientScope, notFound } from '../core/errors/app.exception';
import { KeyScopesService } from '../organizations/key-scopes.service';
import { ApiKeyEntity } from './entities/api-key.entity';

/** A lineage longer than any real chain of delegations and rotations; a bound on the walk, not a limit in practice. */
const MAX_LINEAGE_DEPTH = 1000;

/**
 * The keys a caller may see: its user's, and for a key bound to an organisation or project,
 * only those bound inside that boundary. Anything else is a 404, as if it did not exist.
 */
export function manageableKeys(caller: Principal): FindOptionsWhere<ApiKeyEntity> {
  if (caller.projectId) return { userId: caller.userId, projectId: caller.projectId };
  if (caller.organizationId) return { userId: caller.userId, organizationId: caller.organizationId };
  return { userId: caller.userId };
}

export interface ActionOptions {
  /** The organisation route: any key bound to this organisation, whoever owns it (checked by the ScopesGuard). */
  organizationId?: string;
  /** Also load the sealed successor plaintext (reveal), and only of a key not revoked. */
  sealedKey?: boolean;
}

/**
 * The one decision of which keys a caller may act on (rotate, reveal, change, revoke), so that no
 * route can forget part of it. A JWT caller acts as the owner: every key it can see. An API key
 * acts only on keys that are no wider than itself, or it could obtain (rotate, reveal), unlock
 * (reactivate) or take away (deactivate, revoke) more than it holds: the target's effective scopes
 * must be a subset of the caller's own (403 `insufficient_scope` naming the rest). A key minted by
 * a key (delegated) acts only inside its own delegation subtree: itself, its successors and the
 * keys minted from them (403 `forbidden` otherwise), so it can never reach its parent or siblings.
 */
@Injectable()
export class ManageableKeys {
  constructor(private readonly keyScopes: KeyScopesService) {}

  /**
   * The key `id`, locked (`FOR UPDATE`) in `manager`'s transaction, once the caller may act on it:
   * 404 when it is outside the caller's boundary (as if it did not exist), 403 when it is inside but
   * out of the caller's authority.
   */
  async findForAction(manager: EntityManager, caller: Principal, id: string, options: ActionOptions = {}): Promise<ApiKeyEntity> {
    const where: FindOptionsWhere<ApiKeyEntity> = options.organizationId
      ? { organizationId: options.organizationId, id }
      : { ...manageableKeys(caller), id };
    const keys = manager.getRepository(ApiKeyEntity);
    const target = options.sealedKey
      ? await keys
          .createQueryBuilder('key')
          .addSelect('key.sealedKey')
          .where({ ...where, revokedAt: IsNull() })
          .setLock('pessimistic_write')
          .getOne()
      : await keys.findOne({ where, lock: { mode: 'pessimistic_write' } });
    if (!target) throw notFound('API key');
    await this.assertMayActOn(manager, caller, target);
    return target;
  }

  private async assertMayActOn(manager: EntityManager, caller: Principal, target: ApiKeyEntity): Promise<void> {
    if (caller.method !== 'api_key' || !caller.keyId) return;
    const ownerRole = target.userId === caller.userId ? caller.role : await this.roleOf(manager, target.userId);
    const targetScopes = ownerRole ? await this.keyScopes.effective(target, ownerRole) : [];
    const wider = missingScopes(caller.scopes, targetScopes);
    if (wider.length > 0) throw insufficientScope(wider);
    if (target.id !== caller.keyId && !(await this.withinDelegation(manager, caller.keyId, target.id))) {
      throw forbidden('A key minted by another key can act only on itself and the keys minted from it');
    }
  }

  private async roleOf(manager: EntityManager, userId: string): Promise<UserEntity['role'] | null> {
    const owner = await manager.findOne(UserEntity, { where: { id: userId }, select: { id: true, role: true } });
    return owner?.role ?? null;
  }

  /**
   * True when the caller was minted by its user (no delegation to stay within), or `targetId`
   * descends from it: walking up from the target through parents and predecessors (a rotation
   * moves a key's children to its successor, and a successor stands for the key it replaced)
   * reaches the caller.
   */
  private async withinDelegation(manager: EntityManager, callerId: string, targetId: string): Promise<boolean> {
    const rows: Array<{ delegated: boolean; reached: boolean }> = await manager.query(
      `WITH RECURSIVE lineage(id, depth) AS (
         SELECT $2::uuid, 0
         UNION
         SELECT up.id, lineage.depth + 1
           FROM lineage
           CROSS JOIN LATERAL (
             SELECT parent_key_id AS id FROM api_keys WHERE id = lineage.id AND parent_key_id IS NOT NULL
             UNION ALL
             SELECT id FROM api_keys WHERE replaced_by_id = lineage.id
           ) up
          WHERE lineage.depth < $3
       )
       SELECT (SELECT parent_key_id IS NOT NULL FROM api_keys WHERE id = $1) AS delegated,
              EXISTS (SELECT 1 FROM lineage WHERE id = $1) AS reached`,
      [callerId, targetId, MAX_LINEAGE_DEPTH],
    );
    const [{ delegated, reached }] = rows;
    return !delegated || reached;
  }
}
