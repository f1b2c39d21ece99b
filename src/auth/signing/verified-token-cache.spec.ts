import { VerifiedToken, VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  let now = 1_000_000;
  const entry = (fields: Partial<VerifiedToken> = {}): VerifiedToken => ({
    signingInput: 'header.payload',
    payload: { sub: 'user' },
    kid: 'kid-1',
    expiresAtMs: now + 60_000,
    ...fields,
  });

  it('answers only for the very bytes verified, never for the signature on another payload', () => {
    const cache = new VerifiedTokenCache(10, () => now);
    cache.set('sig', entry());
    expect(cache.get('sig', 'header.payload')?.payload).toEqual({ sub: 'user' });
    expect(cache.get('sig', 'header.other-payload')).toBeUndefined();
    expect(cache.get('other-sig', 'header.payload')).toBeUndefined();
  });

  it('never outlives the token: bounded by exp', () => {
    const cache = new VerifiedTokenCache(10, () => now);
    cache.set('sig', entry({ expiresAtMs: now + 1000 }));
    cache.set('already-expired', entry({ expiresAtMs: now }));
    expect(cache.size).toBe(1);
    now += 999;
    expect(cache.get('sig', 'header.payload')).toBeDefined();
    now += 1;
    expect(cache.get('sig', 'header.payload')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded in size, least recently used out first', () => {
    const cache = new VerifiedTokenCache(2, () => now);
    cache.set('a', entry());
    cache.set('b', entry());
    cache.get('a', 'header.payload');
    cache.set('c', entry());
    expect(cache.size).toBe(2);
    expect(cache.get('b', 'header.payload')).toBeUndefined();
    expect(cache.get('a', 'header.payload')).toBeDefined();
  });

  it('evicts one token (revocation) and every token of a key that stopped verifying', () => {
    const cache = new VerifiedTokenCache(10, () => now);
    cache.set('a', entry({ kid: 'old' }));
    cache.set('b', entry({ kid: 'old' }));
    cache.set('c', entry({ kid: 'new' }));
    cache.set('d', entry({ kid: 'new' }));
    cache.evictKid('old');
    cache.delete('d');
    expect(['a', 'b', 'c', 'd'].map((sig) => cache.get(sig, 'header.payload') !== undefined)).toEqual([false, false, true, false]);
  });
});
