import { TtlCache } from './ttl-cache';

/** A promise the test settles by hand. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

class ManualClock {
  time = 1_000_000;
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

describe('TtlCache', () => {
  let clock: ManualClock;

  beforeEach(() => {
    clock = new ManualClock();
  });

  const makeCache = <V = string>(ttlMs = 1000, maxEntries = 100) => new TtlCache<string, V>(ttlMs, maxEntries, clock.now);

  describe('expiry', () => {
    it('serves an entry until its ttl has elapsed, then forgets it', () => {
      const cache = makeCache();
      cache.set('a', 'A');
      clock.advance(999);
      expect(cache.get('a')).toBe('A');
      clock.advance(1);
      expect(cache.get('a')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('honours a per-entry ttl given to set()', () => {
      const cache = makeCache();
      cache.set('long', 'L', 5000);
      clock.advance(4999);
      expect(cache.get('long')).toBe('L');
      clock.advance(1);
      expect(cache.get('long')).toBeUndefined();
    });

    it('does not store a value whose ttl is zero or negative', () => {
      const cache = makeCache();
      cache.set('zero', 'Z', 0);
      cache.set('negative', 'N', -5);
      expect(cache.get('zero')).toBeUndefined();
      expect(cache.get('negative')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('re-setting a key restarts its ttl', () => {
      const cache = makeCache();
      cache.set('a', 'old');
      clock.advance(800);
      cache.set('a', 'new');
      clock.advance(800);
      expect(cache.get('a')).toBe('new');
    });
  });

  describe('max entries (least recently used goes first)', () => {
    it('evicts the least recently read entry, not the oldest insertion', () => {
      const cache = makeCache(1000, 2);
      cache.set('a', 'A');
      cache.set('b', 'B');
      expect(cache.get('a')).toBe('A'); // a is now the most recently used
      cache.set('c', 'C');
      expect(cache.size).toBe(2);
      expect(cache.get('b')).toBeUndefined();
      expect(cache.get('a')).toBe('A');
      expect(cache.get('c')).toBe('C');
    });

    it('counts a hit through getOrLoad as a use', async () => {
      const cache = makeCache(1000, 2);
      await cache.getOrLoad('a', async () => 'A');
      await cache.getOrLoad('b', async () => 'B');
      const loader = jest.fn(async () => 'unused');
      await expect(cache.getOrLoad('a', loader)).resolves.toBe('A');
      expect(loader).not.toHaveBeenCalled();
      cache.set('c', 'C');
      expect(cache.get('b')).toBeUndefined();
      expect(cache.get('a')).toBe('A');
    });

    it('counts a re-set key as used', () => {
      const cache = makeCache(1000, 2);
      cache.set('a', 'A');
      cache.set('b', 'B');
      cache.set('a', 'A2');
      cache.set('c', 'C');
      expect(cache.get('b')).toBeUndefined();
      expect(cache.get('a')).toBe('A2');
      expect(cache.get('c')).toBe('C');
    });
  });

  describe('delete and clear', () => {
    it('delete removes one key and clear removes all', () => {
      const cache = makeCache();
      cache.set('a', 'A');
      cache.set('b', 'B');
      cache.delete('a');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('b')).toBe('B');
      cache.clear();
      expect(cache.size).toBe(0);
    });
  });

  describe('getOrLoad', () => {
    it('coalesces concurrent misses into one load', async () => {
      const cache = makeCache();
      const pending = deferred<string>();
      const loader = jest.fn(() => pending.promise);

      const calls = Array.from({ length: 10 }, () => cache.getOrLoad('k', loader));
      expect(loader).toHaveBeenCalledTimes(1);
      pending.resolve('value');

      await expect(Promise.all(calls)).resolves.toEqual(Array(10).fill('value'));
      expect(loader).toHaveBeenCalledTimes(1);
    });

    it('serves a loaded value from the cache until it expires', async () => {
      const cache = makeCache();
      let loads = 0;
      const loader = jest.fn(async () => `v${++loads}`);

      await expect(cache.getOrLoad('k', loader)).resolves.toBe('v1');
      await expect(cache.getOrLoad('k', loader)).resolves.toBe('v1');
      expect(loader).toHaveBeenCalledTimes(1);

      clock.advance(1000);
      await expect(cache.getOrLoad('k', loader)).resolves.toBe('v2');
      expect(loader).toHaveBeenCalledTimes(2);
    });

    it('caches a null result (it is a value, not a miss)', async () => {
      const cache = makeCache<string | null>();
      const loader = jest.fn(async (): Promise<string | null> => null);
      await expect(cache.getOrLoad('k', loader)).resolves.toBeNull();
      await expect(cache.getOrLoad('k', loader)).resolves.toBeNull();
      expect(loader).toHaveBeenCalledTimes(1);
    });

    it('does not cache a failed load, and the next call retries', async () => {
      const cache = makeCache();
      const pending = deferred<string>();
      const loader = jest.fn(() => pending.promise);

      const first = cache.getOrLoad('k', loader);
      const second = cache.getOrLoad('k', loader);
      pending.reject(new Error('database down'));
      await expect(first).rejects.toThrow('database down');
      await expect(second).rejects.toThrow('database down');
      expect(cache.size).toBe(0);

      loader.mockImplementation(async () => 'recovered');
      await expect(cache.getOrLoad('k', loader)).resolves.toBe('recovered');
      expect(loader).toHaveBeenCalledTimes(2);
      expect(cache.get('k')).toBe('recovered');
    });

    it('does not let a load that was in flight during delete() fill the cache', async () => {
      const cache = makeCache();
      const stale = deferred<string>();
      const staleCall = cache.getOrLoad('k', () => stale.promise);

      cache.delete('k');

      // A caller after the delete does not join the stale load.
      const fresh = jest.fn(async () => 'fresh');
      await expect(cache.getOrLoad('k', fresh)).resolves.toBe('fresh');
      expect(fresh).toHaveBeenCalledTimes(1);

      stale.resolve('stale');
      await expect(staleCall).resolves.toBe('stale');
      expect(cache.get('k')).toBe('fresh');
    });

    it('delete() of one key does not discard the in-flight loads of other keys', async () => {
      const cache = makeCache();
      const other = deferred<string>();
      const otherCall = cache.getOrLoad('other', () => other.promise);

      cache.delete('k');

      // A second caller for the other key still joins its load, and the load fills the cache.
      const joined = jest.fn(async () => 'second load');
      const joinedCall = cache.getOrLoad('other', joined);
      expect(joined).not.toHaveBeenCalled();
      other.resolve('O');
      await expect(otherCall).resolves.toBe('O');
      await expect(joinedCall).resolves.toBe('O');
      expect(cache.get('other')).toBe('O');
    });

    it('keeps a load in flight per key: a slow key does not hold up or share with another', async () => {
      const cache = makeCache();
      const slow = deferred<string>();
      const slowCall = cache.getOrLoad('slow', () => slow.promise);
      await expect(cache.getOrLoad('fast', async () => 'F')).resolves.toBe('F');
      expect(cache.get('fast')).toBe('F');
      slow.resolve('S');
      await expect(slowCall).resolves.toBe('S');
      expect(cache.get('slow')).toBe('S');
    });

    it('leaves the cache empty when the only in-flight load was invalidated', async () => {
      const cache = makeCache();
      const stale = deferred<string>();
      const staleCall = cache.getOrLoad('k', () => stale.promise);
      cache.delete('k');
      stale.resolve('stale');
      await expect(staleCall).resolves.toBe('stale');
      expect(cache.get('k')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('discardPendingLoads() stops in-flight loads from filling the cache but keeps cached entries', async () => {
      const cache = makeCache();
      cache.set('kept', 'K');
      const pending = deferred<string>();
      const inFlight = cache.getOrLoad('k', () => pending.promise);

      cache.discardPendingLoads();

      const next = jest.fn(async () => 'next');
      const nextCall = cache.getOrLoad('k', next);
      expect(next).toHaveBeenCalledTimes(1);

      pending.resolve('old');
      await expect(inFlight).resolves.toBe('old');
      await expect(nextCall).resolves.toBe('next');
      expect(cache.get('k')).toBe('next');
      expect(cache.get('kept')).toBe('K');
    });

    it('uses the ttl chosen by ttlFor for the loaded value', async () => {
      const cache = makeCache<string>(1000);
      const loader = jest.fn(async () => 'long-lived');
      await cache.getOrLoad('k', loader, () => 5000);
      clock.advance(4999);
      await expect(cache.getOrLoad('k', loader)).resolves.toBe('long-lived');
      expect(loader).toHaveBeenCalledTimes(1);
      clock.advance(1);
      await cache.getOrLoad('k', loader);
      expect(loader).toHaveBeenCalledTimes(2);
    });

    it('falls back to the default ttl when ttlFor returns undefined', async () => {
      const cache = makeCache<string>(1000);
      const loader = jest.fn(async () => 'v');
      const ttlFor = jest.fn((): number | undefined => undefined);
      await cache.getOrLoad('k', loader, ttlFor);
      expect(ttlFor).toHaveBeenCalledWith('v');
      clock.advance(999);
      expect(cache.get('k')).toBe('v');
      clock.advance(1);
      expect(cache.get('k')).toBeUndefined();
    });

    it('does not cache a value whose ttlFor is 0', async () => {
      const cache = makeCache<string | null>(1000);
      const loader = jest.fn(async (): Promise<string | null> => null);
      const ttlFor = (value: string | null) => (value === null ? 0 : undefined);
      await expect(cache.getOrLoad('k', loader, ttlFor)).resolves.toBeNull();
      await expect(cache.getOrLoad('k', loader, ttlFor)).resolves.toBeNull();
      expect(loader).toHaveBeenCalledTimes(2);
      expect(cache.size).toBe(0);
    });
  });

  describe('stale-if-error', () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const isOutage = (error: unknown) => error === outage;
    const makeStaleCache = (maxAgeMs = 5000, extra: { loadTimeoutMs?: number } = {}) =>
      new TtlCache<string, string>(1000, 100, clock.now, { maxAgeMs, serveStaleOn: isOutage, retryAfterMs: 500, ...extra });

    it('serves the last value when its reload fails with an accepted error, within the max age', async () => {
      const cache = makeStaleCache();
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(1000);
      expect(cache.get('k')).toBeUndefined(); // expired: get() never answers stale
      const failing = jest.fn(async (): Promise<string> => {
        throw outage;
      });
      await expect(cache.getOrLoad('k', failing)).resolves.toBe('v1');
      expect(failing).toHaveBeenCalledTimes(1);
    });

    it('shares one failed reload among concurrent callers, and does not retry within the retry interval', async () => {
      const cache = makeStaleCache();
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(1000);
      const pending = deferred<string>();
      const failing = jest.fn(() => pending.promise);
      const calls = Array.from({ length: 5 }, () => cache.getOrLoad('k', failing));
      pending.reject(outage);
      await expect(Promise.all(calls)).resolves.toEqual(Array(5).fill('v1'));
      await expect(cache.getOrLoad('k', failing)).resolves.toBe('v1');
      expect(failing).toHaveBeenCalledTimes(1);

      // After the interval, the stale value still answers at once while one retry runs in the background.
      clock.advance(500);
      const retry = deferred<string>();
      const retrying = jest.fn(() => retry.promise);
      await expect(cache.getOrLoad('k', retrying)).resolves.toBe('v1');
      await expect(cache.getOrLoad('k', retrying)).resolves.toBe('v1');
      expect(retrying).toHaveBeenCalledTimes(1);
      retry.resolve('v2');
      await retry.promise;
      await Promise.resolve();
      expect(cache.get('k')).toBe('v2');
    });

    it('fails once the value is older than the max age (counted from when it was loaded)', async () => {
      const cache = makeStaleCache(5000);
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(4999);
      await expect(cache.getOrLoad('k', () => Promise.reject(outage))).resolves.toBe('v1');
      clock.advance(1);
      await expect(cache.getOrLoad('k', () => Promise.reject(outage))).rejects.toBe(outage);
      expect(cache.size).toBe(0);
    });

    it('never covers an error it does not accept (a bug is not an outage)', async () => {
      const cache = makeStaleCache();
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(1000);
      const bug = new TypeError('bug');
      await expect(cache.getOrLoad('k', () => Promise.reject(bug))).rejects.toBe(bug);
    });

    it('delete() drops the stale value at once: the next failure is an error', async () => {
      const cache = makeStaleCache();
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(1000);
      await expect(cache.getOrLoad('k', () => Promise.reject(outage))).resolves.toBe('v1');
      cache.delete('k');
      await expect(cache.getOrLoad('k', () => Promise.reject(outage))).rejects.toBe(outage);
    });

    it('delete() during a failing reload: the reload neither answers stale nor refills', async () => {
      const cache = makeStaleCache();
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(1000);
      const pending = deferred<string>();
      const reload = cache.getOrLoad('k', () => pending.promise);
      cache.delete('k');
      pending.reject(outage);
      await expect(reload).rejects.toBe(outage);
      expect(cache.size).toBe(0);
    });

    it('clear() drops stale values too', async () => {
      const cache = makeStaleCache();
      await cache.getOrLoad('k', async () => 'v1');
      clock.advance(1000);
      cache.clear();
      await expect(cache.getOrLoad('k', () => Promise.reject(outage))).rejects.toBe(outage);
    });

    it('keeps nothing stale when the max age is 0, or not above the ttl', async () => {
      for (const maxAgeMs of [0, 1000]) {
        const cache = makeStaleCache(maxAgeMs);
        await cache.getOrLoad('k', async () => 'v1');
        clock.advance(1000);
        await expect(cache.getOrLoad('k', () => Promise.reject(outage))).rejects.toBe(outage);
      }
    });

    it('fails a load that does not settle within loadTimeoutMs, and serves the stale value instead', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick'] });
      try {
        const timedOut = new Error('timed out');
        const cache = new TtlCache<string, string>(1000, 100, clock.now, {
          maxAgeMs: 5000,
          serveStaleOn: (error) => error === timedOut,
          loadTimeoutMs: 200,
          timeoutError: () => timedOut,
        });
        await cache.getOrLoad('k', async () => 'v1');
        clock.advance(1000);
        const hanging = cache.getOrLoad('k', () => new Promise<string>(() => undefined));
        jest.advanceTimersByTime(200);
        await expect(hanging).resolves.toBe('v1');

        cache.delete('k');
        const cold = cache.getOrLoad('k', () => new Promise<string>(() => undefined));
        jest.advanceTimersByTime(200);
        await expect(cold).rejects.toBe(timedOut);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
