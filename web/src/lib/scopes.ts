// The server's scope grammar and role scopes, imported rather than copied: a resource or action
// added there appears here with the next build.
import { ALL_SCOPES, ROLE_SCOPES, SCOPE_ACTIONS, SCOPE_RESOURCES, holdsScope } from '../../../src/access/scopes';

export { ALL_SCOPES, SCOPE_ACTIONS, SCOPE_RESOURCES, holdsScope };

export type Role = keyof typeof ROLE_SCOPES;

export interface ScopeCell {
  scope: string;
  action: string;
  resource: string;
  /** The caller holds it, so a key may get it. */
  grantable: boolean;
}

/** Every `action:resource` of the grammar, row by resource, marking what `held` may grant. */
export function scopeGrid(held: readonly string[]): Array<{ resource: string; cells: ScopeCell[] }> {
  return SCOPE_RESOURCES.map((resource) => ({
    resource,
    cells: SCOPE_ACTIONS.map((action) => {
      const scope = `${action}:${resource}`;
      return { scope, action, resource, grantable: holdsScope(held, scope) };
    }),
  }));
}

export function roleScopes(role: string): readonly string[] {
  return ROLE_SCOPES[role as Role] ?? [];
}

/**
 * A key's scopes spelled out as grid cells: `read:*` becomes read on every resource, `admin:all`
 * every cell. Narrowing a key means unticking cells of this set.
 */
export function expandScopes(scopes: readonly string[]): string[] {
  return scopeGrid(scopes)
    .flatMap((row) => row.cells)
    .filter((cell) => cell.grantable)
    .map((cell) => cell.scope);
}
