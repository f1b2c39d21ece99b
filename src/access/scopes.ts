import type { UserRole } from './roles';

/** Scopes are `action:resource`; `action:*` covers every resource and `admin:all` covers everything. */
export const SCOPE_ACTIONS = ['read', 'write', 'delete', 'execute', 'admin'] as const;
export const SCOPE_RESOURCES = ['users', 'keys', 'projects', 'organizations', 'webhooks', 'sessions', 'mfa', 'applications'] as const;
export type ScopeAction = (typeof SCOPE_ACTIONS)[number];
export type ScopeResource = (typeof SCOPE_RESOURCES)[number];

/**
 * Every scope the grammar accepts, as a type: a route or role naming `'wirte:keys'` does not
 * compile. Input (DTOs, stored key scopes, query strings) stays a string until `isKnownScope`
 * has validated and narrowed it.
 */
export type Scope = `${ScopeAction}:${ScopeResource}` | `${ScopeAction}:*` | 'admin:all';

export const ALL_SCOPES = 'admin:all' satisfies Scope;

const SCOPE_PATTERN = new RegExp(`^(${SCOPE_ACTIONS.join('|')}):(${SCOPE_RESOURCES.join('|')}|\\*)$`);

/** What each role may do; a JWT caller holds these, and a key never holds more than its owner's. */
export const ROLE_SCOPES: Record<UserRole, readonly Scope[]> = {
  user: [
    'read:keys',
    'write:keys',
    'delete:keys',
    'execute:keys',
    'read:users',
    'read:webhooks',
    'write:webhooks',
    'delete:webhooks',
    'read:organizations',
    'write:organizations',
    'delete:organizations',
    'read:projects',
    'write:projects',
    'delete:projects',
    // The user's own browser sessions: list them, sign them out.
    'read:sessions',
    'delete:sessions',
    // The user's own two-factor: status; set up and new recovery codes; turn off.
    'read:mfa',
    'write:mfa',
    'delete:mfa',
    // The user's own OAuth applications (and those of organisations they administer).
    'read:applications',
    'write:applications',
    'delete:applications',
    // Only means something inside an organisation whose owner or admin the user is.
    'admin:keys',
  ],
  admin: [ALL_SCOPES],
};

/**
 * Resources a key gets only when its scopes name them: a key created without `scopes` gets the
 * caller's scopes less these, so no key manages two-factor authentication or registers OAuth clients unless asked to.
 */
export const EXPLICIT_KEY_RESOURCES: readonly ScopeResource[] = ['mfa', 'applications'];

/** The scopes of a key created without `scopes`: what the caller holds, less the explicit-only resources. */
export function defaultKeyScopes(held: readonly string[]): string[] {
  return held.filter((scope) => !(EXPLICIT_KEY_RESOURCES as readonly string[]).includes(scope.split(':')[1]));
}

/** Every scope the grammar names: each action on each resource, each `action:*`, and `admin:all`. */
export function everyScope(): Scope[] {
  const scopes: Scope[] = [];
  for (const action of SCOPE_ACTIONS) {
    for (const resource of SCOPE_RESOURCES) scopes.push(`${action}:${resource}`);
    scopes.push(`${action}:*`);
  }
  scopes.push(ALL_SCOPES);
  return scopes;
}

/** Validates input against the grammar and narrows it to `Scope`. */
export function isKnownScope(scope: string): scope is Scope {
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
export function missingScopes<S extends string>(held: readonly string[], required: readonly S[]): S[] {
  return required.filter((scope) => !holdsScope(held, scope));
}

/**
 * The scopes granted by both sets: each scope of one that the other covers, so `read:*` meeting
 * `[read:keys, write:keys]` gives `read:keys`. The result is a set without redundant entries.
 */
export function intersectScopes(a: readonly string[], b: readonly string[]): string[] {
  const granted = new Set<string>();
  for (const scope of a) if (holdsScope(b, scope)) granted.add(scope);
  for (const scope of b) if (holdsScope(a, scope)) granted.add(scope);
  const all = [...granted];
  // Drop a scope another, wider one covers (read:keys next to read:*).
  return all.filter((scope) => !all.some((other) => other !== scope && scopeCovers(other, scope)));
}

/**
 * A key's scopes as far as its owner may hold them right now: demoting the owner narrows the key.
 * `within` adds a further bound: the owner's role in the organisation the key is bound to.
 */
export function effectiveKeyScopes(keyScopes: readonly string[], role: UserRole, within?: readonly string[]): string[] {
  const owned = keyScopes.every((scope) => holdsScope(ROLE_SCOPES[role], scope))
    ? [...keyScopes]
    : intersectScopes(keyScopes, ROLE_SCOPES[role]);
  return within ? intersectScopes(owned, within) : owned;
}
