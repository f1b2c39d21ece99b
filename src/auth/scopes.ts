import { UserRole } from './entities/user.entity';

/** Scopes are `action:resource`; `action:*` covers every resource and `admin:all` covers everything. */
export const SCOPE_ACTIONS = ['read', 'write', 'delete', 'execute', 'admin'] as const;
export const SCOPE_RESOURCES = ['users', 'keys', 'projects', 'organizations', 'webhooks'] as const;
export const ALL_SCOPES = 'admin:all';

const SCOPE_PATTERN = new RegExp(`^(${SCOPE_ACTIONS.join('|')}):(${SCOPE_RESOURCES.join('|')}|\\*)$`);

/** What each role may do; a JWT caller holds these, and a key never holds more than its owner's. */
export const ROLE_SCOPES: Record<UserRole, readonly string[]> = {
  user: ['read:keys', 'write:keys', 'delete:keys', 'execute:keys', 'read:users', 'read:webhooks', 'write:webhooks', 'delete:webhooks'],
  admin: [ALL_SCOPES],
};

export function isKnownScope(scope: string): boolean {
  return scope === ALL_SCOPES || SCOPE_PATTERN.test(scope);
}

/** True when holding `held` grants `required`. */
export function scopeCovers(held: string, required: string): boolean {
  if (held === required || held === ALL_SCOPES) return true;
  const [heldAction, heldResource] = held.split(':');
  const [requiredAction] = required.split(':');
  return heldResource === '*' && heldAction === requiredAction && required !== ALL_SCOPES;
}

export function holdsScope(held: readonly string[], required: string): boolean {
  return held.some((scope) => scopeCovers(scope, required));
}

/** The required scopes that `held` does not grant. */
export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !holdsScope(held, scope));
}

/** A key's scopes as far as its owner may hold them right now: demoting the owner narrows the key. */
export function effectiveKeyScopes(keyScopes: readonly string[], role: UserRole): string[] {
  const ownerScopes = ROLE_SCOPES[role];
  return keyScopes.filter((scope) => holdsScope(ownerScopes, scope));
}
