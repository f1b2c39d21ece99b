import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { RateLimitPolicy } from './rate-limit.types';

const MINUTE = 60_000;
const A = Math.floor(1_700_000_000_000 / MINUTE) * MINUTE;

describe('MemoryRateLimitStore.refund', () => {
  it.each<[RateLimitPolicy['strategy']]>([['fixed'], ['sliding'], ['token_bucket']])(
    '%s: gives back what consume took, so the unit is spendable again',
    async (strategy) => {
      const store = new MemoryRateLimitStore();
      const policy: RateLimitPolicy = { name: 'p', limit: 3, windowMs: MINUTE, strategy };
      const now = A + 1000;
      for (let i = 0; i < 3; i++) await store.consume('k', policy, 1, now);
      expect((await store.consume('k', policy, 1, now)).allowed).toBe(false);
      store.refund('k', policy, 2, now);
      expect(await store.consume('k', policy, 1, now)).toMatchObject({ allowed: true, remaining: 1 });
    },
  );

  it('a sliding refund after the window rolled over comes off the previous window', async () => {
    const store = new MemoryRateLimitStore();
    const policy: RateLimitPolicy = { name: 'p', limit: 4, windowMs: MINUTE, strategy: 'sliding' };
    for (let i = 0; i < 4; i++) await store.consume('k', policy, 1, A + 59_000);
    // Another request rolled the window; the refund is for a request counted at A + 59 s.
    expect((await store.consume('k', policy, 1, A + MINUTE)).allowed).toBe(false);
    store.refund('k', policy, 4, A + 59_000);
    expect((await store.consume('k', policy, 4, A + MINUTE)).allowed).toBe(true);
  });

  it('does not refund into a bucket beyond its capacity, nor touch an unknown key', async () => {
    const store = new MemoryRateLimitStore();
    const policy: RateLimitPolicy = { name: 'p', limit: 2, windowMs: MINUTE, strategy: 'token_bucket' };
    await store.consume('k', policy, 1, A);
    store.refund('k', policy, 5, A);
    store.refund('other', policy, 5, A);
    expect(await store.consume('k', policy, 1, A)).toMatchObject({ allowed: true, remaining: 1 });
    expect(store.size).toBe(1);
  });
});
