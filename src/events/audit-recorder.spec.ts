import { diff } from './audit-recorder';

describe('diff', () => {
  it('lists only the fields whose values changed', () => {
    expect(
      diff({ name: 'a', scopes: ['x'], isActive: true }, { name: 'b', scopes: ['x'], isActive: true }, ['name', 'scopes', 'isActive']),
    ).toEqual({
      name: { from: 'a', to: 'b' },
    });
  });

  it('returns null when nothing changed', () => {
    expect(diff({ name: 'a' }, { name: 'a' }, ['name'])).toBeNull();
  });

  it('treats objects that differ only in key order as equal (jsonb sorts keys)', () => {
    const before = { rateLimit: { limit: 5, windowSeconds: 60, strategy: 'sliding', burst: 3 } };
    const after = { rateLimit: { burst: 3, limit: 5, strategy: 'sliding', windowSeconds: 60 } };
    expect(diff(before, after, ['rateLimit'])).toBeNull();
    expect(diff(before, { rateLimit: { ...after.rateLimit, limit: 6 } }, ['rateLimit'])).toEqual({
      rateLimit: { from: before.rateLimit, to: { ...after.rateLimit, limit: 6 } },
    });
  });

  it('sees array order and nulls', () => {
    expect(diff({ scopes: ['a', 'b'] }, { scopes: ['b', 'a'] }, ['scopes'])).not.toBeNull();
    expect(diff({ quota: null as null | object }, { quota: { limit: 1 } }, ['quota'])).toEqual({ quota: { from: null, to: { limit: 1 } } });
  });
});
