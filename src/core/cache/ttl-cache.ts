import { LRUCache } from 'lru-cache';

interface Entry<V> {
  value: V;
  expiresAt: number;
  /** Until when the value may stand in for a failed reload (stale-if-error); 0 when it may not. */
  staleUntil: number;
  /** Set once a reload failed and the value is served stale: no reload is tried before this time. */
  retryAt: number;
}

/** Stale-if-error: keep serving an expired value while its reload fails for a reason `serveStaleOn` accepts. */
export interface StaleIfError {
  /** How long after it was loaded a value may still be served (0 turns stale serving off). */
  maxAgeMs: number;
  /** Which load failures the stale value may cover (an outage), as opposed to ones it must not (a bug). */
  serveStaleOn: (error: unknown) => boolean;
  /** How long a failed reload is not retried for a stale entry, so an outage costs one attempt per key per interval. */
  retryAfterMs?: number;
  /** Bounds every load: a server that does not answer at all (frozen, blackholed) counts as a failure after this. */
  loadTimeoutMs?: number;
  /** The error a load that timed out fails with. */
  timeoutError?: (ms: number) => Error;
}

const DEFAULT_STALE_RETRY_MS = 1000;

/**
 * A bounded map whose entries expire, with concurrent misses for one key coalesced into a single
 * load (so a burst of requests for a cold key costs one query, not one each). Storage and eviction
 * are `lru-cache`'s: when full, the least recently used entry goes first. Each key has its own
 * in-flight load, so invalidating one key never discards another's. With `staleIfError`, an
 * expired value is kept (up to its max age) and served only when reloading it fails with an
 * accepted error; `delete` and `clear` still drop it at once.
 */
export class TtlCache<K extends NonNullable<unknown>, V> {
  private readonly entries: LRUCache<K, Entry<V>>;
  /** The load in flight per key; a load only fills the cache while it is still the one recorded here. */
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    maxEntries: number,
    private readonly now: () => number = Date.now,
    private readonly staleIfError?: StaleIfError,
  ) {
    this.entries = new LRUCache<K, Entry<V>>({ max: maxEntries });
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (entry.expiresAt <= now) {
      if (entry.staleUntil <= now) this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, ttlMs = this.ttlMs): void {
    if (ttlMs <= 0) return;
    const now = this.now();
    const maxAge = this.staleIfError?.maxAgeMs ?? 0;
    this.entries.set(key, { value, expiresAt: now + ttlMs, staleUntil: maxAge > ttlMs ? now + maxAge : 0, retryAt: 0 });
  }

  /** Forget one key: its entry, and its in-flight load (which then does not refill it); other keys are untouched. */
  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  /** Make loads already in flight not fill the cache (their data may predate a change). */
  discardPendingLoads(): void {
    this.loading.clear();
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }

  /**
   * The cached value, or the result of `load` (shared by every concurrent caller). With
   * `staleIfError`, a failed reload of an expired value within its max age answers that value.
   */
  async getOrLoad(key: K, load: () => Promise<V>, ttlFor: (value: V) => number | undefined = () => undefined): Promise<V> {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      const now = this.now();
      if (entry.expiresAt > now) return entry.value;
      if (entry.staleUntil <= now) {
        this.entries.delete(key);
      } else if (entry.retryAt !== 0) {
        // Its last refresh failed (an outage): answer at once, and retry in the background at most once per interval.
        if (entry.retryAt <= now && !this.loading.has(key)) this.load(key, load, ttlFor).catch(() => undefined);
        return entry.value;
      }
    }
    return this.loading.get(key) ?? this.load(key, load, ttlFor);
  }

  private load(key: K, load: () => Promise<V>, ttlFor: (value: V) => number | undefined): Promise<V> {
    const promise = this.bounded(load).then(
      (value) => {
        if (this.loading.get(key) === promise) {
          this.loading.delete(key);
          this.set(key, value, ttlFor(value) ?? this.ttlMs);
        }
        return value;
      },
      (error: unknown) => {
        const current = this.loading.get(key) === promise;
        if (current) this.loading.delete(key);
        const stale = this.staleFor(key, error, current);
        if (stale === undefined) throw error;
        return stale.value;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }

  /**
   * The entry that may stand in for a reload that failed with `error`, if any (a delete removed it
   * for good). Only the key's current load postpones its next retry.
   */
  private staleFor(key: K, error: unknown, current: boolean): Entry<V> | undefined {
    const options = this.staleIfError;
    if (!options) return undefined;
    const entry = this.entries.get(key);
    const now = this.now();
    if (!entry || entry.staleUntil <= now || !options.serveStaleOn(error)) return undefined;
    if (current) entry.retryAt = now + (options.retryAfterMs ?? DEFAULT_STALE_RETRY_MS);
    return entry;
  }

  private bounded(load: () => Promise<V>): Promise<V> {
    const timeoutMs = this.staleIfError?.loadTimeoutMs;
    if (!timeoutMs) return load();
    const makeError = this.staleIfError?.timeoutError ?? ((ms: number) => new Error(`Load timed out after ${ms} ms`));
    return new Promise<V>((resolve, reject) => {
      const timer = setTimeout(() => reject(makeError(timeoutMs)), timeoutMs);
      timer.unref();
      load().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
