import { KeyStatus } from './dto/api-key-response.dto';
import { ApiKeyEntity } from './entities/api-key.entity';

/* The shapes ApiKeyRepository takes and returns. */

/**
 * Where a caller's look-up is bounded: an owner's keys (narrowed to a binding), or every key
 * bound to one organisation. Never empty, so no query can fall through to the whole table.
 */
export type KeyBoundary = { userId: string; organizationId?: string; projectId?: string } | { organizationId: string; projectId?: string };

/** The columns verification reads of a key: a KeyTransaction's writes to them are forgotten by every verifier. */
export const VERIFIED_COLUMNS = [
  'id',
  'userId',
  'organizationId',
  'projectId',
  'scopes',
  'isActive',
  'revokedAt',
  'expiresAt',
  'rateLimit',
  'quota',
  'allowedIps',
  'certificateThumbprint',
  'rotatedAt',
] as const satisfies ReadonlyArray<keyof ApiKeyEntity>;

export type VerifiableKey = Pick<ApiKeyEntity, (typeof VERIFIED_COLUMNS)[number]>;

/** A new key's row, as issuing or a rotation writes it. */
export type NewApiKey = Omit<VerifiableKey, 'id' | 'revokedAt' | 'rotatedAt'> &
  Pick<ApiKeyEntity, 'name' | 'parentKeyId' | 'keyPrefix' | 'keyHash' | 'rotationPolicy' | 'rotationDueAt'> &
  Partial<Pick<ApiKeyEntity, 'sealedKey'>>;

/** The position after one key in `created_at DESC, id ASC`; `createdAt` to the microsecond, as PostgreSQL prints it in UTC. */
export interface KeyCursor {
  createdAt: string;
  id: string;
}

export interface KeyPage {
  skip: number;
  take: number;
}

/** Whether a key was minted by a key (`delegated`), and whether another key's lineage reaches it. */
export interface KeyLineage {
  delegated: boolean;
  reached: boolean;
}

export interface AllKeysFilter {
  userId?: string;
  /** Part of the name or the prefix, any case. */
  search?: string;
  status?: KeyStatus;
  isActive?: boolean;
  cursor?: KeyCursor;
  skip: number;
  take: number;
}

/** A key a notice announces, as the UPDATE that flags it returns it. */
export interface NoticedKey {
  id: string;
  userId: string;
  name: string;
  keyPrefix: string;
  expiresAt: Date | null;
  rotationDueAt: Date | null;
}

/** A key revoked with its parent. */
export interface RevokedChild {
  id: string;
  userId: string;
}
