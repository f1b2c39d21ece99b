import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { UserRole } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import type { Principal } from '../access/principal';
import { missingScopes } from '../access/scopes';
import { forbidden, insufficientScope, notFound } from '../core/errors/app.exception';
import { KeyScopesService } from '../organizations/key-scopes.service';
import { ApiKeyRepository } from './api-key.repository';
import { KeyBoundary } from './api-key.repository.types';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyDelegation } from './key-delegation';
import { KeyTransaction } from './key-transaction';

/**
 * The keys a caller may see: its user's, and for a key bound to an organisation or project,
 * only those bound inside that boundary. Anything else is a 404, as if it did not exist.
 */
export function manageableKeys(caller: Principal): KeyBoundary {
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
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly keyScopes: KeyScopesService,
    private readonly delegation: KeyDelegation,
    private readonly users: UserRepository,
  ) {}

  /**
   * The key `id`, locked (`FOR UPDATE`) in `tx`, once the caller may act on it: 404 when it is
   * outside the caller's boundary (as if it did not exist), 403 when it is inside but out of the
   * caller's authority.
   */
  async findForAction(tx: KeyTransaction, caller: Principal, id: string, options: ActionOptions = {}): Promise<ApiKeyEntity> {
    const boundary: KeyBoundary = options.organizationId ? { organizationId: options.organizationId } : manageableKeys(caller);
    const target = options.sealedKey
      ? await this.keys.lockSealedInBoundary(tx, boundary, id)
      : await this.keys.lockInBoundary(tx, boundary, id);
    if (!target) throw notFound('API key');
    await this.assertMayActOn(tx.manager, caller, target);
    return target;
  }

  private async assertMayActOn(manager: EntityManager, caller: Principal, target: ApiKeyEntity): Promise<void> {
    if (caller.method !== 'api_key' || !caller.keyId) return;
    const ownerRole = target.userId === caller.userId ? caller.role : await this.roleOf(manager, target.userId);
    const targetScopes = ownerRole ? await this.keyScopes.effective(target, ownerRole) : [];
    const wider = missingScopes(caller.scopes, targetScopes);
    if (wider.length > 0) throw insufficientScope(wider);
    if (target.id !== caller.keyId && !(await this.delegation.withinDelegation(manager, caller.keyId, target.id))) {
      throw forbidden('A key minted by another key can act only on itself and the keys minted from it');
    }
  }

  private async roleOf(manager: EntityManager, userId: string): Promise<UserRole | null> {
    return (await this.users.getAccess(userId, manager))?.role ?? null;
  }
}
