import { RequireScopes, Authenticated } from './auth.decorators';
import { ROLE_SCOPES, SCOPE_ACTIONS, SCOPE_RESOURCES, Scope, isKnownScope } from './scopes';

/**
 * Type-level guards, enforced by `npm run typecheck` (which includes spec files): each
 * `@ts-expect-error` fails the typecheck if the line below it ever compiles again.
 */
describe('the Scope type', () => {
  it('refuses a misspelt scope in @RequireScopes, @Authenticated and role sets', () => {
    // @ts-expect-error 'wirte' is not an action: a typo must not compile.
    RequireScopes('wirte:keys');
    // @ts-expect-error 'key' is not a resource.
    RequireScopes('read:key');
    // @ts-expect-error 'all' is a resource only for admin.
    Authenticated({ scopes: ['read:all'] });
    // @ts-expect-error a role set holds only scopes.
    const roles: Record<'user', readonly Scope[]> = { user: ['read:keyz'] };
    expect(roles.user).toHaveLength(1);
  });

  it('accepts exactly what the runtime grammar accepts', () => {
    const typed: Scope[] = ['read:keys', 'write:*', 'admin:all', 'execute:keys', 'delete:webhooks'];
    expect(typed.every(isKnownScope)).toBe(true);
    const every = SCOPE_ACTIONS.flatMap((action) => [...SCOPE_RESOURCES, '*'].map((resource) => `${action}:${resource}`));
    expect(every.every(isKnownScope)).toBe(true);
    expect(Object.values(ROLE_SCOPES).flat().every(isKnownScope)).toBe(true);
  });

  it('narrows validated input to Scope', () => {
    const input: string[] = ['read:keys', 'wirte:keys'];
    const scopes: Scope[] = input.filter(isKnownScope);
    expect(scopes).toEqual(['read:keys']);
  });
});
