/** SQL fragments ApiKeyRepository composes its queries from, kept apart for the repository's length. */
import { KeyStatus } from './dto/api-key-response.dto';

/**
 * The SQL form of each `status`, with the precedence of `keyStatus` (api-key.mapper.ts): revoked,
 * then inactive, then expired or rotated (by `rotated_at`), else active. `:now` is the clock's time.
 */
export const STATUS_SQL: Record<KeyStatus, string> = {
  revoked: 'k.revoked_at IS NOT NULL',
  inactive: 'k.revoked_at IS NULL AND NOT k.is_active',
  expired: 'k.revoked_at IS NULL AND k.is_active AND k.expires_at <= :now AND k.rotated_at IS NULL',
  rotated: 'k.revoked_at IS NULL AND k.is_active AND k.expires_at <= :now AND k.rotated_at IS NOT NULL',
  active: 'k.revoked_at IS NULL AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > :now)',
};

export const CREATED_AT_TEXT = `to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Keys a rotation policy still applies to: not revoked, not already replaced, usable. */
export const ROTATABLE = `revoked_at IS NULL AND rotated_at IS NULL AND is_active AND (expires_at IS NULL OR expires_at > $1)`;

export const NOTICED =
  'k.id, k.user_id AS "userId", k.name, k.key_prefix AS "keyPrefix", k.expires_at AS "expiresAt", k.rotation_due_at AS "rotationDueAt"';
