import type { FindOptionsWhere } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ApiKeyEntity } from './entities/api-key.entity';

/**
 * The keys a caller may manage: its user's, and for a key bound to an organisation or project,
 * only those bound inside that boundary. Anything else is a 404, as if it did not exist.
 */
export function manageableKeys(caller: Principal): FindOptionsWhere<ApiKeyEntity> {
  if (caller.projectId) return { userId: caller.userId, projectId: caller.projectId };
  if (caller.organizationId) return { userId: caller.userId, organizationId: caller.organizationId };
  return { userId: caller.userId };
}
