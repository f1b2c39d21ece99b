import type { Scope } from './scopes';

/** A member's role in an organisation, strongest first. */
export const ORGANIZATION_ROLES = ['owner', 'admin', 'member'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

const KEY_SCOPES: Scope[] = ['read:keys', 'write:keys', 'delete:keys', 'execute:keys'];
/** Every key bound to the organisation, whoever owns it: `/api/v1/organizations/:id/keys`. */
const MANAGE_ALL_KEYS = 'admin:keys' satisfies Scope;

/**
 * What each role may do inside its organisation. Inside an organisation a caller holds the
 * intersection of its credential's scopes and its role's, so demoting a member narrows every key
 * they bound to the organisation on the next request.
 */
export const ORGANIZATION_ROLE_SCOPES: Record<OrganizationRole, readonly Scope[]> = {
  owner: [
    'read:organizations',
    'write:organizations',
    'delete:organizations',
    'read:projects',
    'write:projects',
    'delete:projects',
    ...KEY_SCOPES,
    MANAGE_ALL_KEYS,
  ],
  admin: [
    'read:organizations',
    'write:organizations',
    'read:projects',
    'write:projects',
    'delete:projects',
    ...KEY_SCOPES,
    MANAGE_ALL_KEYS,
  ],
  member: ['read:organizations', 'read:projects', ...KEY_SCOPES],
};

/** True when `role` may grant or change `other` (only owners touch owners). */
export function mayManageRole(role: OrganizationRole, other: OrganizationRole): boolean {
  return role === 'owner' || (role === 'admin' && other !== 'owner');
}
