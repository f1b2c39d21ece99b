import {
  ALL_SCOPES,
  ROLE_SCOPES,
  defaultKeyScopes,
  effectiveKeyScopes,
  holdsScope,
  intersectScopes,
  isKnownScope,
  missingScopes,
  scopeCovers,
} from './scopes';

describe('scopes', () => {
  it('leaves the mfa and applications scopes out of a key created without scopes, and admin:all as it is', () => {
    expect(defaultKeyScopes(ROLE_SCOPES.user)).toEqual(
      ROLE_SCOPES.user.filter((scope) => !scope.endsWith(':mfa') && !scope.endsWith(':applications')),
    );
    expect(defaultKeyScopes(ROLE_SCOPES.user)).not.toContain('write:mfa');
    expect(defaultKeyScopes(ROLE_SCOPES.user)).not.toContain('write:applications');
    expect(defaultKeyScopes(['admin:all'])).toEqual(['admin:all']);
  });

  describe('scopeCovers', () => {
    it('grants an exact match', () => {
      expect(scopeCovers('read:keys', 'read:keys')).toBe(true);
      expect(scopeCovers('write:users', 'write:users')).toBe(true);
    });

    it('does not grant a different action or resource', () => {
      expect(scopeCovers('read:keys', 'write:keys')).toBe(false);
      expect(scopeCovers('read:keys', 'read:users')).toBe(false);
    });

    it('lets action:* cover every resource of that action only', () => {
      expect(scopeCovers('read:*', 'read:keys')).toBe(true);
      expect(scopeCovers('read:*', 'read:projects')).toBe(true);
      expect(scopeCovers('read:*', 'write:keys')).toBe(false);
      expect(scopeCovers('delete:*', 'read:keys')).toBe(false);
    });

    it('lets admin:all cover everything', () => {
      for (const required of ['read:keys', 'write:users', 'delete:*', 'execute:projects', 'admin:organizations', ALL_SCOPES]) {
        expect(scopeCovers(ALL_SCOPES, required)).toBe(true);
      }
    });

    it('never lets a wildcard reach admin:all', () => {
      expect(scopeCovers('read:*', ALL_SCOPES)).toBe(false);
      expect(scopeCovers('admin:*', ALL_SCOPES)).toBe(false);
    });

    it('does not let a specific scope cover the wildcard', () => {
      expect(scopeCovers('read:keys', 'read:*')).toBe(false);
    });
  });

  describe('holdsScope and missingScopes', () => {
    it('holds a scope when any held scope covers it', () => {
      expect(holdsScope(['write:keys', 'read:*'], 'read:users')).toBe(true);
      expect(holdsScope(['write:keys', 'read:*'], 'delete:users')).toBe(false);
      expect(holdsScope([], 'read:keys')).toBe(false);
    });

    it('lists exactly the required scopes that are not granted, in order', () => {
      expect(missingScopes(['read:*', 'write:keys'], ['read:keys', 'write:users', 'write:keys', 'admin:all'])).toEqual([
        'write:users',
        'admin:all',
      ]);
      expect(missingScopes([ALL_SCOPES], ['read:keys', 'admin:all', 'delete:*'])).toEqual([]);
      expect(missingScopes(['read:keys'], [])).toEqual([]);
    });
  });

  describe('isKnownScope', () => {
    it.each(['read:keys', 'write:users', 'delete:projects', 'execute:organizations', 'admin:keys', 'read:*', 'admin:all'])(
      'accepts %s',
      (scope) => {
        expect(isKnownScope(scope)).toBe(true);
      },
    );

    it.each([
      'read:nope',
      'foo:keys',
      'read',
      '',
      'read:',
      ':keys',
      'READ:keys',
      'read:keys ',
      ' read:keys',
      'read:keys:extra',
      '*:*',
      'admin:everything',
    ])('rejects %p', (scope) => {
      expect(isKnownScope(scope)).toBe(false);
    });
  });

  describe('effectiveKeyScopes', () => {
    it('keeps every scope of a key whose owner is an admin', () => {
      const keyScopes = ['admin:all', 'write:users', 'read:keys'];
      expect(effectiveKeyScopes(keyScopes, 'admin')).toEqual(keyScopes);
    });

    it("narrows a demoted admin's key to what the user role holds", () => {
      const keyScopes = ['write:users', 'read:keys', 'delete:keys', 'read:*'];
      const effective = effectiveKeyScopes(keyScopes, 'user');
      expect(effective.sort()).toEqual([
        'delete:keys',
        'read:applications',
        'read:keys',
        'read:mfa',
        'read:organizations',
        'read:projects',
        'read:sessions',
        'read:users',
        'read:webhooks',
      ]);
      for (const scope of effective) expect(holdsScope(ROLE_SCOPES.user, scope)).toBe(true);
      expect(effective).not.toContain('write:users');
    });

    it("turns a demoted admin's admin:all key into exactly the user role's scopes", () => {
      const effective = effectiveKeyScopes(['admin:all'], 'user');
      expect(effective.sort()).toEqual([...ROLE_SCOPES.user].sort());
    });

    it('bounds a key further by a role inside an organisation', () => {
      const member = ['read:organizations', 'read:projects', 'read:keys', 'write:keys'];
      expect(effectiveKeyScopes(['read:*', 'write:projects', 'write:keys'], 'user', member).sort()).toEqual([
        'read:keys',
        'read:organizations',
        'read:projects',
        'write:keys',
      ]);
      expect(effectiveKeyScopes(['write:projects'], 'user', member)).toEqual([]);
    });

    it('does not mutate the key scopes it is given', () => {
      const keyScopes = ['admin:all', 'read:keys'];
      effectiveKeyScopes(keyScopes, 'user');
      expect(keyScopes).toEqual(['admin:all', 'read:keys']);
    });
  });

  describe('intersectScopes', () => {
    it.each([
      [['read:*'], ['read:keys', 'write:keys'], ['read:keys']],
      [['admin:all'], ['read:keys', 'write:*'], ['read:keys', 'write:*']],
      [['read:*', 'read:keys'], ['read:*'], ['read:*']],
      [['write:keys'], ['read:*'], []],
      [['read:keys'], [], []],
    ])('%p ∩ %p = %p', (a, b, expected) => {
      expect(intersectScopes(a, b).sort()).toEqual([...expected].sort());
      expect(intersectScopes(b, a).sort()).toEqual([...expected].sort());
    });

    it('never grants what either side lacks (delegation cannot escalate)', () => {
      const parent = ['read:projects', 'write:keys'];
      for (const wanted of [['admin:all'], ['write:projects'], ['read:*'], ['delete:keys']]) {
        const granted = intersectScopes(wanted, parent);
        expect(missingScopes(parent, granted)).toEqual([]);
        expect(granted).not.toContain(wanted[0]);
      }
    });
  });
});
