import { MemoryRateLimitStore, slidingRetryAfter } from './memory-rate-limit.store';
import { RateLimitPolicy } from './rate-limit.types';

const MINUTE = 60_000;
/** Start of an aligned one-minute window (a multiple of 60 000), so window boundaries are easy to read. */
const A = 100 * MINUTE;
const B = A + MINUTE;
const C = B + MINUTE;

const fixed: RateLimitPolicy = { name: 'fixed', limit: 3, windowMs: MINUTE, strategy: 'fixed' };
const sliding: RateLimitPolicy = { name: 'sliding', limit: 10, windowMs: MINUTE, strategy: 'sliding' };
/** 10 tokens per 10 s: one token a second (0.001 per ms), at most 5 banked. */
const bucket: RateLimitPolicy = { name: 'bucket', limit: 10, windowMs: 10_000, strategy: 'token_bucket', burst: 5 };

type Op = [now: number, cost: number];

/** A fresh store with `ops` applied to key `k`. */
async function storeAfter(policy: RateLimitPolicy, ops: Op[]): Promise<MemoryRateLimitStore> {
  const store = new MemoryRateLimitStore();
  for (const [now, cost] of ops) await store.consume('k', policy, cost, now);
  return store;
}

describe('MemoryRateLimitStore', () => {
  describe('fixed window', () => {
    it('allows the limit, then denies until the aligned window ends', async () => {
      const store = new MemoryRateLimitStore();
      const now = A + 10_000;
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await store.consume('k', fixed, 1, now));
      expect(results).toEqual([
        { allowed: true, limit: 3, remaining: 2, resetAt: B, retryAfterMs: 0 },
        { allowed: true, limit: 3, remaining: 1, resetAt: B, retryAfterMs: 0 },
        { allowed: true, limit: 3, remaining: 0, resetAt: B, retryAfterMs: 0 },
      ]);

      expect(await store.consume('k', fixed, 1, A + 20_000)).toEqual({
        allowed: false,
        limit: 3,
        remaining: 0,
        resetAt: B,
        retryAfterMs: 40_000,
      });
      expect(await store.consume('k', fixed, 1, B - 1)).toEqual({ allowed: false, limit: 3, remaining: 0, resetAt: B, retryAfterMs: 1 });
    });

    it('aligns windows to floor(now / windowMs) * windowMs', async () => {
      const store = new MemoryRateLimitStore();
      expect(await store.consume('k', fixed, 1, A + 59_999)).toMatchObject({ allowed: true, remaining: 2, resetAt: B });
      // One millisecond later is a new window: the count starts again.
      expect(await store.consume('k', fixed, 1, B)).toMatchObject({ allowed: true, remaining: 2, resetAt: C });
    });

    it('allows again in the next window (now + windowMs)', async () => {
      const store = new MemoryRateLimitStore();
      const now = A + 10_000;
      for (let i = 0; i < 3; i++) await store.consume('k', fixed, 1, now);
      expect(await store.consume('k', fixed, 1, now)).toMatchObject({ allowed: false, retryAfterMs: 50_000 });

      expect(await store.consume('k', fixed, 1, now + MINUTE)).toEqual({
        allowed: true,
        limit: 3,
        remaining: 2,
        resetAt: C,
        retryAfterMs: 0,
      });
    });

    it('counts a cost of 2 as two units', async () => {
      const store = new MemoryRateLimitStore();
      expect(await store.consume('k', fixed, 2, A)).toEqual({ allowed: true, limit: 3, remaining: 1, resetAt: B, retryAfterMs: 0 });
      expect(await store.consume('k', fixed, 1, A)).toEqual({ allowed: true, limit: 3, remaining: 0, resetAt: B, retryAfterMs: 0 });
      expect(await store.consume('k', fixed, 1, A)).toEqual({ allowed: false, limit: 3, remaining: 0, resetAt: B, retryAfterMs: MINUTE });
      expect(await store.peekFixed('k', fixed, A)).toBe(3);
    });

    it('denies a cost larger than what remains without consuming any of it', async () => {
      const store = new MemoryRateLimitStore();
      await store.consume('k', fixed, 2, A + 1000);
      expect(await store.consume('k', fixed, 2, A + 1000)).toEqual({
        allowed: false,
        limit: 3,
        remaining: 1,
        resetAt: B,
        retryAfterMs: 59_000,
      });
      expect(await store.peekFixed('k', fixed, A + 1000)).toBe(2);
      // The unit that remained is still there.
      expect(await store.consume('k', fixed, 1, A + 1000)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('denies a cost above the limit even in an empty window', async () => {
      const store = new MemoryRateLimitStore();
      expect(await store.consume('k', fixed, 4, A + 15_000)).toEqual({
        allowed: false,
        limit: 3,
        remaining: 3,
        resetAt: B,
        retryAfterMs: 45_000,
      });
      expect(await store.peekFixed('k', fixed, A + 15_000)).toBe(0);
    });

    it('honours an explicit window (calendar quota) and peekFixed reports the units used in it', async () => {
      const store = new MemoryRateLimitStore();
      const DAY = 86_400_000;
      const start = 1_000_123; // deliberately not aligned to windowMs
      const quota: RateLimitPolicy = { ...fixed, name: 'quota', windowMs: DAY, window: { start, end: start + DAY } };

      expect(await store.peekFixed('k', quota, start + 1)).toBe(0);
      expect(await store.consume('k', quota, 1, start + 5000)).toEqual({
        allowed: true,
        limit: 3,
        remaining: 2,
        resetAt: start + DAY,
        retryAfterMs: 0,
      });
      expect(await store.peekFixed('k', quota, start + 5000)).toBe(1);
      await store.consume('k', quota, 2, start + 6000);
      expect(await store.peekFixed('k', quota, start + 6000)).toBe(3);
      expect(await store.consume('k', quota, 1, start + 10_000)).toEqual({
        allowed: false,
        limit: 3,
        remaining: 0,
        resetAt: start + DAY,
        retryAfterMs: DAY - 10_000,
      });

      // The next calendar period: nothing used yet, and it allows again.
      const next: RateLimitPolicy = { ...quota, window: { start: start + DAY, end: start + 2 * DAY } };
      expect(await store.peekFixed('k', next, start + DAY + 1)).toBe(0);
      expect(await store.consume('k', next, 1, start + DAY + 1)).toEqual({
        allowed: true,
        limit: 3,
        remaining: 2,
        resetAt: start + 2 * DAY,
        retryAfterMs: 0,
      });
      expect(await store.peekFixed('k', next, start + DAY + 1)).toBe(1);
    });

    it('peekFixed reports the aligned window and 0 in a new window or for an unknown key', async () => {
      const store = new MemoryRateLimitStore();
      await store.consume('k', fixed, 2, A + 1000);
      expect(await store.peekFixed('k', fixed, A + 30_000)).toBe(2);
      expect(await store.peekFixed('k', fixed, B)).toBe(0);
      expect(await store.peekFixed('other', fixed, A + 30_000)).toBe(0);
      // Peeking consumes nothing.
      expect(await store.consume('k', fixed, 1, A + 30_000)).toMatchObject({ allowed: true, remaining: 0 });
    });
  });

  describe('sliding window', () => {
    it('allows the limit within one window, then denies', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 1; i <= 10; i++) {
        expect(await store.consume('k', sliding, 1, A + 1000)).toEqual({
          allowed: true,
          limit: 10,
          remaining: 10 - i,
          resetAt: B,
          retryAfterMs: 0,
        });
      }
      const denied = await store.consume('k', sliding, 1, A + 1000);
      expect(denied).toEqual({ allowed: false, limit: 10, remaining: 0, resetAt: B, retryAfterMs: 65_000 });
    });

    it('weights the previous window by its remaining overlap', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 0; i < 10; i++) await store.consume('k', sliding, 1, A + 30_000);

      // 25% into B: the previous 10 weigh 0.75 → 7.5 used. 7.5 + 2 = 9.5 fits, 7.5 + 3 does not.
      const at25 = B + 15_000;
      expect(await store.consume('k', sliding, 1, at25)).toEqual({ allowed: true, limit: 10, remaining: 1, resetAt: C, retryAfterMs: 0 });
      expect(await store.consume('k', sliding, 1, at25)).toEqual({ allowed: true, limit: 10, remaining: 0, resetAt: C, retryAfterMs: 0 });
      // Mathematically 3000 ms (weight 0.7 → 7 + 2 + 1 = 10); 60000 * (1 - 0.7) is 18000.000000000004 in doubles, so 3001.
      expect(await store.consume('k', sliding, 1, at25)).toEqual({
        allowed: false,
        limit: 10,
        remaining: 0,
        resetAt: C,
        retryAfterMs: 3001,
      });

      // 50% into B: the previous 10 weigh 0.5 → 5, plus the 2 of this window: 3 more fit.
      const at50 = B + 30_000;
      expect(await store.consume('k', sliding, 1, at50)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await store.consume('k', sliding, 1, at50)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await store.consume('k', sliding, 1, at50)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await store.consume('k', sliding, 1, at50)).toMatchObject({ allowed: false, remaining: 0 });
    });

    it('allows exactly 5 more at 50% into the next window after a full window', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 0; i < 10; i++) await store.consume('k', sliding, 1, A + 59_000);
      const allowed = [];
      for (let i = 0; i < 7; i++) allowed.push((await store.consume('k', sliding, 1, B + 30_000)).allowed);
      expect(allowed).toEqual([true, true, true, true, true, false, false]);
    });

    it('reports remaining as the floor of the weighted headroom', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 0; i < 7; i++) await store.consume('k', sliding, 1, A);
      // 10% into B: 7 * 0.9 = 6.3 used → remaining floor(3.7) = 3 before, 9.3 → 0 after 3.
      expect(await store.consume('k', sliding, 3, B + 6000)).toEqual({
        allowed: true,
        limit: 10,
        remaining: 0,
        resetAt: C,
        retryAfterMs: 0,
      });
      // 10.3 > 10: denied; 6/7 of the previous window must slide out: 60000 / 7 - 6000 = 2571.4 → 2572.
      expect(await store.consume('k', sliding, 1, B + 6000)).toEqual({
        allowed: false,
        limit: 10,
        remaining: 0,
        resetAt: C,
        retryAfterMs: 2572,
      });
    });

    it('ignores a previous window two windows back', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 0; i < 10; i++) await store.consume('k', sliding, 1, A + 59_000);
      // Nothing happened in B; at the start of C the weight would be 1 if A counted.
      for (let i = 1; i <= 10; i++) {
        expect(await store.consume('k', sliding, 1, C)).toEqual({
          allowed: true,
          limit: 10,
          remaining: 10 - i,
          resetAt: C + MINUTE,
          retryAfterMs: 0,
        });
      }
      expect(await store.consume('k', sliding, 1, C)).toMatchObject({ allowed: false });
    });

    /** States (operations on one key, then a denied probe) whose retryAfterMs is checked by replaying them. */
    const retryCases: Array<{ name: string; ops: Op[]; now: number; cost: number; retryAfterMs: number }> = [
      {
        name: 'previous 10, count 2 at 25% (weighted case)',
        ops: [
          [A, 10],
          [B + 15_000, 2],
        ],
        now: B + 15_000,
        cost: 1,
        retryAfterMs: 3001,
      },
      { name: 'previous 10, nothing yet at 5%, cost 3', ops: [[A, 10]], now: B + 3000, cost: 3, retryAfterMs: 15_001 },
      {
        name: 'previous 7, count 3 at 10%',
        ops: [
          [A, 7],
          [B + 6000, 3],
        ],
        now: B + 6000,
        cost: 1,
        retryAfterMs: 2572,
      },
      {
        name: 'full current window at 50% (needs the next window)',
        ops: [[A + 10_000, 10]],
        now: A + 30_000,
        cost: 1,
        retryAfterMs: 36_000,
      },
      {
        name: 'previous 5, count 5 at 50%, cost 3',
        ops: [
          [A, 5],
          [B + 30_000, 5],
        ],
        now: B + 30_000,
        cost: 3,
        retryAfterMs: 6000,
      },
      {
        name: 'previous 5, count 7 at 50%, cost 4 (needs the next window)',
        ops: [
          [A, 5],
          [B + 30_000, 7],
        ],
        now: B + 30_000,
        cost: 4,
        retryAfterMs: 38_572,
      },
      { name: 'previous 10, count 0 at the window start, cost 10', ops: [[A, 10]], now: B, cost: 10, retryAfterMs: MINUTE },
      {
        name: 'previous 10, count 9 near the window end',
        ops: [
          [A, 10],
          [B + 54_000, 9],
        ],
        now: B + 58_000,
        cost: 1,
        retryAfterMs: 2000,
      },
    ];

    it.each(retryCases)('retryAfterMs is exact: $name', async ({ ops, now, cost, retryAfterMs }) => {
      const denied = await (await storeAfter(sliding, ops)).consume('k', sliding, cost, now);
      expect(denied).toMatchObject({ allowed: false, retryAfterMs });

      // At now + retryAfterMs the same request passes...
      expect(await (await storeAfter(sliding, ops)).consume('k', sliding, cost, now + retryAfterMs)).toMatchObject({ allowed: true });
      // ...and a second earlier it does not.
      if (retryAfterMs - 1000 > 0) {
        expect(await (await storeAfter(sliding, ops)).consume('k', sliding, cost, now + retryAfterMs - 1000)).toMatchObject({
          allowed: false,
        });
      }
    });

    it('retryAfterMs for a cost above the limit is the rest of this window plus a whole window', async () => {
      const store = new MemoryRateLimitStore();
      expect(await store.consume('k', sliding, 11, A + 40_000)).toEqual({
        allowed: false,
        limit: 10,
        remaining: 10,
        resetAt: B,
        retryAfterMs: 80_000,
      });
    });
  });

  describe('token bucket', () => {
    const T = 1_000_000;

    it('allows the burst at once, then one token a second', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 1; i <= 5; i++) {
        expect(await store.consume('k', bucket, 1, T)).toEqual({
          allowed: true,
          limit: 5,
          remaining: 5 - i,
          resetAt: T + i * 1000,
          retryAfterMs: 0,
        });
      }
      expect(await store.consume('k', bucket, 1, T)).toEqual({
        allowed: false,
        limit: 5,
        remaining: 0,
        resetAt: T + 5000,
        retryAfterMs: 1000,
      });

      // One second later exactly one more.
      expect(await store.consume('k', bucket, 1, T + 1000)).toEqual({
        allowed: true,
        limit: 5,
        remaining: 0,
        resetAt: T + 6000,
        retryAfterMs: 0,
      });
      expect(await store.consume('k', bucket, 1, T + 1000)).toEqual({
        allowed: false,
        limit: 5,
        remaining: 0,
        resetAt: T + 6000,
        retryAfterMs: 1000,
      });
      // Half a token is not enough; the other half arrives 500 ms later.
      expect(await store.consume('k', bucket, 1, T + 1500)).toEqual({
        allowed: false,
        limit: 5,
        remaining: 0,
        resetAt: T + 6000,
        retryAfterMs: 500,
      });
      expect(await store.consume('k', bucket, 1, T + 2000)).toMatchObject({ allowed: true, remaining: 0, resetAt: T + 7000 });
    });

    it('caps the bucket at burst after a long idle', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 0; i < 5; i++) await store.consume('k', bucket, 1, T);
      const later = T + 1_000_000; // 1000 tokens' worth of time
      const allowed = [];
      for (let i = 0; i < 7; i++) allowed.push((await store.consume('k', bucket, 1, later)).allowed);
      expect(allowed).toEqual([true, true, true, true, true, false, false]);
    });

    it('reports remaining as floor(tokens) and resetAt as when the bucket is full again', async () => {
      const store = new MemoryRateLimitStore();
      await store.consume('k', bucket, 5, T);
      // 2.5 tokens, minus 1 → 1.5: remaining 1, full after 3.5 s.
      expect(await store.consume('k', bucket, 1, T + 2500)).toEqual({
        allowed: true,
        limit: 5,
        remaining: 1,
        resetAt: T + 2500 + 3500,
        retryAfterMs: 0,
      });
      // A cost of 2 needs half a token more, and takes nothing while denied.
      expect(await store.consume('k', bucket, 2, T + 2500)).toEqual({
        allowed: false,
        limit: 5,
        remaining: 1,
        resetAt: T + 6000,
        retryAfterMs: 500,
      });
      expect(await store.consume('k', bucket, 2, T + 3000)).toEqual({
        allowed: true,
        limit: 5,
        remaining: 0,
        resetAt: T + 8000,
        retryAfterMs: 0,
      });
    });

    it('uses limit as the capacity when burst is not set', async () => {
      const store = new MemoryRateLimitStore();
      const plain: RateLimitPolicy = { name: 'plain', limit: 10, windowMs: 10_000, strategy: 'token_bucket' };
      expect(await store.consume('k', plain, 1, T)).toEqual({ allowed: true, limit: 10, remaining: 9, resetAt: T + 1000, retryAfterMs: 0 });
      expect(await store.consume('k', plain, 9, T)).toEqual({
        allowed: true,
        limit: 10,
        remaining: 0,
        resetAt: T + 10_000,
        retryAfterMs: 0,
      });
      expect(await store.consume('k', plain, 3, T)).toEqual({
        allowed: false,
        limit: 10,
        remaining: 0,
        resetAt: T + 10_000,
        retryAfterMs: 3000,
      });
    });
  });

  describe('state', () => {
    it('keeps keys independent', async () => {
      const store = new MemoryRateLimitStore();
      for (let i = 0; i < 3; i++) await store.consume('a', fixed, 1, A);
      expect(await store.consume('a', fixed, 1, A)).toMatchObject({ allowed: false, remaining: 0 });
      expect(await store.consume('b', fixed, 1, A)).toEqual({ allowed: true, limit: 3, remaining: 2, resetAt: B, retryAfterMs: 0 });
      expect(await store.peekFixed('a', fixed, A)).toBe(3);
      expect(await store.peekFixed('b', fixed, A)).toBe(1);

      await store.consume('s1', sliding, 10, A);
      expect(await store.consume('s2', sliding, 1, A)).toMatchObject({ allowed: true, remaining: 9 });
      await store.consume('t1', bucket, 5, A);
      expect(await store.consume('t2', bucket, 1, A)).toMatchObject({ allowed: true, remaining: 4 });
      expect(store.size).toBe(6);
    });

    it('sweeps expired state at most once a second, on a later consume', async () => {
      const store = new MemoryRateLimitStore();
      await store.consume('a', fixed, 1, A + 1000); // first sweep runs here (nothing to drop)
      await store.consume('b', fixed, 1, A + 1000);
      await store.consume('c', fixed, 1, A + 1000);
      await store.consume('x', fixed, 1, B - 500); // sweeps again; a, b, c, x all expire at B
      expect(store.size).toBe(4);

      // B + 200 is past their expiry but under a second since the last sweep: nothing dropped.
      await store.consume('y', fixed, 1, B + 200);
      expect(store.size).toBe(5);

      // B + 500 is a second after the last sweep: the four finished windows go, y (until C) stays, z is added.
      await store.consume('z', fixed, 1, B + 500);
      expect(store.size).toBe(2);
      expect(await store.peekFixed('y', fixed, B + 500)).toBe(1);
      expect(await store.peekFixed('z', fixed, B + 500)).toBe(1);
    });

    it('sweeps sliding windows after two windows and full buckets a second after they fill', async () => {
      const store = new MemoryRateLimitStore();
      await store.consume('s', sliding, 1, A); // kept until C: it is B's previous window
      await store.consume('t', bucket, 1, A); // full again at A + 1000, expires at A + 2000
      expect(store.size).toBe(2);
      await store.consume('n', fixed, 1, A + 1999); // sweeps: t not yet expired
      expect(store.size).toBe(3);
      await store.consume('n', fixed, 1, A + 3000); // sweeps: t dropped
      expect(store.size).toBe(2);
      await store.consume('n', fixed, 1, C - 1000); // sweeps: n's window A dropped (and n recreated for B), s kept
      expect(store.size).toBe(2);
      expect(await store.peekFixed('n', fixed, C - 1000)).toBe(1);
      await store.consume('m', fixed, 1, C); // sweeps: s and n (window B) expire at C; m added
      expect(store.size).toBe(1);
    });

    it('evicts the oldest entry beyond maxEntries', async () => {
      const store = new MemoryRateLimitStore(2);
      await store.consume('a', fixed, 1, A);
      await store.consume('b', fixed, 2, A);
      await store.consume('c', fixed, 3, A);
      expect(store.size).toBe(2);
      expect(await store.peekFixed('a', fixed, A)).toBe(0);
      expect(await store.peekFixed('b', fixed, A)).toBe(2);
      expect(await store.peekFixed('c', fixed, A)).toBe(3);
      // 'a' starts over; that evicts 'b', now the oldest.
      expect(await store.consume('a', fixed, 1, A)).toMatchObject({ allowed: true, remaining: 2 });
      expect(store.size).toBe(2);
      expect(await store.peekFixed('b', fixed, A)).toBe(0);
      expect(await store.peekFixed('c', fixed, A)).toBe(3);
    });
  });
});

describe('slidingRetryAfter', () => {
  it.each([
    // [previous, count, cost, limit, windowMs, elapsed, expected]
    // Weighted previous window: 10 * w + 0 + 1 <= 10 once w <= 0.9, i.e. 6000 ms into the window.
    [10, 0, 1, 10, 60_000, 0, 6000],
    [10, 0, 1, 10, 60_000, 1000, 5000],
    // Half the previous window must go: 10 * 0.5 + 5 <= 10 at 30 000 ms.
    [10, 0, 5, 10, 60_000, 10_000, 20_000],
    // The current window is already too full: wait for the next one, where it becomes "previous".
    [0, 10, 1, 10, 60_000, 30_000, 36_000],
    [0, 5, 10, 10, 60_000, 15_000, 105_000],
    // A cost above the limit: the rest of this window plus a whole window.
    [0, 0, 11, 10, 60_000, 15_000, 105_000],
    // Never below 1 ms.
    [10, 1, 1, 10, 60_000, 12_001, 1],
  ])(
    '(previous %d, count %d, cost %d, limit %d, window %d, elapsed %d) → %d',
    (previous, count, cost, limit, windowMs, elapsed, expected) => {
      expect(slidingRetryAfter(previous, count, cost, limit, windowMs, elapsed)).toBe(expected);
    },
  );
});
