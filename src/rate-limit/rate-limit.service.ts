import { HttpStatus, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppException } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { CoreConfig, coreConfig } from '../core/config/core.config';
import type { RateSetting } from '../core/config/parsers';
import type { RateLimitSetting } from '../access/principal';
import { RateLimitConfig, rateLimitConfig } from './rate-limit.config';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { CircuitBreaker } from './circuit-breaker';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import { rateLimitExceeded, rateLimitHeaders } from './rate-limit.headers';
import { RateLimitPolicy, RateLimitResult, RateLimitStrategy } from './rate-limit.types';

/** A check's outcome with the headers that describe it (the tightest limit), for callers outside the guard chain. */
export interface RateLimitVerdict extends RateLimitResult {
  headers: Record<string, string>;
}

export interface KeyQuota {
  limit: number;
  period: 'day' | 'month';
}

/** How a check behaves when Redis cannot answer. */
export interface ConsumeOptions {
  /**
   * Count on this instance alone even under the `closed` policy: for requests that only take
   * access away (revocation, deactivation, logout), which must never wait for Redis.
   */
  failOpen?: boolean;
}

const WARN_EVERY_MS = 30_000;
export const API_KEY_POLICY = 'api-key';
const COMMAND_TIMEOUT_MS = 250;
/** A check that reaches Redis later than this after it was sent is not counted (its caller gave up). */
const CHECK_DEADLINE_MS = 200;
/** Timeouts in a row after which Redis is not asked for a while (then 1 s, 2 s, ... up to 10 s). */
export const BREAKER = { failureThreshold: 3, openMs: 1000, maxOpenMs: 10_000 };

/**
 * Counts requests against limits: in this process, or in Redis when REDIS_URL is set so every
 * instance shares one count. A Redis call never waits long (no offline queue, a command timeout);
 * while Redis is unreachable the configured failure policy applies, and it recovers by itself.
 */
@Injectable()
export class RateLimitService implements OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly memory = new MemoryRateLimitStore();
  private readonly redisClient?: Redis;
  private readonly redis?: RedisRateLimitStore;
  private readonly breaker?: CircuitBreaker;
  private lastWarning = 0;

  constructor(
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
    @Inject(coreConfig.KEY) core: CoreConfig,
    private readonly clock: Clock,
  ) {
    const redisUrl = core.redis.url;
    if (redisUrl) {
      this.redisClient = new Redis(redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectTimeout: 1000,
        // A check cut off by a lost connection was answered by the failure policy: never resend it.
        autoResendUnfulfilledCommands: false,
        // Reconnect forever, at most every 2 s: limits become shared again as soon as Redis returns.
        retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      });
      this.redisClient.on('error', (error: Error) => this.warn(`Redis: ${error.message}`));
      const redis = new RedisRateLimitStore(this.redisClient, undefined, CHECK_DEADLINE_MS);
      this.redis = redis;
      // A Redis that connects but stalls (frozen, overloaded) times out: stop asking it for a while.
      const breaker = new CircuitBreaker({
        ...BREAKER,
        probe: () => redis.syncClock(),
        onChange: (state, openMs) => {
          if (state === 'open') this.warn(`Redis keeps timing out; not asking it for ${openMs} ms`, true);
          if (state === 'closed') this.logger.log('Redis answers again; limits are shared again');
        },
      });
      this.breaker = breaker;
      this.redisClient.on(
        'ready',
        () =>
          void redis.syncClock().then(
            () => breaker.success(),
            () => breaker.failure(),
          ),
      );
    }
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Whether counts are currently shared through Redis. */
  get shared(): boolean {
    return this.redisUsable();
  }

  onApplicationShutdown(): Promise<void> {
    this.breaker?.stop();
    this.redisClient?.disconnect();
    return Promise.resolve();
  }

  policy(name: string, setting: RateSetting, strategy: RateLimitStrategy = this.config.strategy, burst?: number): RateLimitPolicy {
    return { name, limit: setting.limit, windowMs: setting.windowSeconds * 1000, strategy, ...(burst ? { burst } : {}) };
  }

  /** A key's own limit, or the default for keys; shared by the guard and the verification API. */
  keyPolicy(own: RateLimitSetting | null | undefined): RateLimitPolicy {
    return own ? this.policy(API_KEY_POLICY, own, own.strategy, own.burst) : this.policy(API_KEY_POLICY, this.config.apiKey);
  }

  /** An extra limit a route declares (`@RouteRateLimit(name)`). */
  routePolicy(name: keyof RateLimitConfig['routes']): RateLimitPolicy {
    return this.policy(`route-${name}`, this.config.routes[name]);
  }

  /** The bucket a key's requests count in, however the key is presented. */
  keyBucket(keyId: string): string {
    return `${API_KEY_POLICY}:key:${keyId}`;
  }

  /** The calendar window (UTC day or month) that a quota counts in. */
  quotaPolicy(quota: KeyQuota): RateLimitPolicy {
    const now = new Date(this.clock.now());
    const start =
      quota.period === 'day'
        ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
        : Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const end = quota.period === 'day' ? start + 86_400_000 : Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    return { name: 'quota', limit: quota.limit, windowMs: end - start, strategy: 'fixed', window: { start, end } };
  }

  /** One request of a key against its own limit: the guard chain and the verify API count through here alike. */
  consumeForKey(keyId: string, own: RateLimitSetting | null | undefined, cost = 1, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    return this.consume(this.keyBucket(keyId), this.keyPolicy(own), cost, options);
  }

  /**
   * Counts on this instance first: alone, that is the limit; with Redis it is this instance's own
   * share, a floor of the shared count, so a request it refuses is refused without asking Redis,
   * and a fallback starts from it rather than from zero. That bounds an outage, its start and its
   * end included, to N× the limit per window for N instances.
   */
  async consume(key: string, policy: RateLimitPolicy, cost = 1, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    const now = this.clock.now();
    const local = await this.memory.consume(key, policy, cost, now);
    if (!this.redis || !local.allowed) return local;
    if (this.redisUsable()) {
      try {
        const shared = await this.redis.consume(key, policy, cost, now);
        this.breaker?.success();
        if (!shared.allowed) this.memory.refund(key, policy, cost, now);
        return shared;
      } catch (error) {
        this.breaker?.failure();
        this.warn(`Redis rate-limit check failed: ${(error as Error).message}`);
      }
    }
    if (this.config.redisFailure === 'closed' && !options.failOpen) {
      this.memory.refund(key, policy, cost, now);
      throw new AppException(
        HttpStatus.SERVICE_UNAVAILABLE,
        ErrorCode.ServiceUnavailable,
        'Rate limiting is unavailable; try again shortly',
      );
    }
    return local;
  }

  /** The limits of unauthenticated callers, counted per client IP. */
  anonymousPolicies(): RateLimitPolicy[] {
    return [this.policy('anonymous-burst', this.config.anonymousBurst), this.policy('anonymous', this.config.anonymous)];
  }

  /** Spends one anonymous request for `ip` (a failed authentication); 429 once the IP is over. */
  async chargeAnonymous(ip: string, options: ConsumeOptions = {}): Promise<void> {
    if (!this.enabled) return;
    for (const policy of this.anonymousPolicies()) {
      await this.enforce(`${policy.name}:ip:${ip}`, policy, 1, options);
    }
  }

  /** The limits of an OAuth client (kind `oauth`), burst then hourly, counted per client ID. */
  oauthPolicies(): RateLimitPolicy[] {
    return [this.policy('oauth-burst', this.config.oauthBurst), this.policy('oauth', this.config.oauth)];
  }

  /** The bucket of an OAuth client for one of its policies, whichever way the client shows up. */
  oauthBucket(policy: RateLimitPolicy, clientId: string): string {
    return `${policy.name}:client:${clientId}`;
  }

  /**
   * One request of an OAuth client (a token endpoint call, or a request with one of its access
   * tokens) against the `oauth` kind. Does not throw on a refusal: the verdict says `allowed`, and
   * carries the X-RateLimit-* headers (and `retryAfterMs`) of the tightest limit, so a caller with
   * its own response format (the OAuth endpoints) can answer 429 itself.
   */
  async chargeOAuthClient(clientId: string, cost = 1, options: ConsumeOptions = {}): Promise<RateLimitVerdict> {
    let verdict: RateLimitVerdict | undefined;
    for (const policy of this.oauthPolicies()) {
      const result = this.enabled
        ? await this.consume(this.oauthBucket(policy, clientId), policy, cost, options)
        : { allowed: true, limit: policy.limit, remaining: policy.limit, resetAt: this.clock.now() + policy.windowMs, retryAfterMs: 0 };
      if (!verdict || !result.allowed || result.remaining < verdict.remaining) {
        verdict = { ...result, headers: rateLimitHeaders(policy, result, this.clock.now()) };
      }
      if (!result.allowed) break;
    }
    return verdict!;
  }

  /** Consumes and throws the contract's 429 when over; returns the headers to show otherwise. */
  async enforce(
    key: string,
    policy: RateLimitPolicy,
    cost = 1,
    options: ConsumeOptions = {},
  ): Promise<{ headers: Record<string, string>; result: RateLimitResult }> {
    const result = await this.consume(key, policy, cost, options);
    const headers = rateLimitHeaders(policy, result, this.clock.now());
    if (!result.allowed) throw rateLimitExceeded(headers, result);
    return { headers, result };
  }

  /** Units of a fixed window (a quota) used so far. */
  async used(key: string, policy: RateLimitPolicy): Promise<number> {
    const now = this.clock.now();
    if (this.redis && this.redisUsable()) {
      try {
        return await this.redis.peekFixed(key, policy, now);
      } catch (error) {
        this.breaker?.failure();
        this.warn(`Redis quota read failed: ${(error as Error).message}`);
      }
    }
    return this.memory.peekFixed(key, policy, now);
  }

  /** Redis is connected and not skipped by the circuit breaker. */
  private redisUsable(): boolean {
    return (this.redis?.ready ?? false) && (this.breaker?.allows() ?? true);
  }

  private warn(message: string, always = false): void {
    const now = Date.now();
    if (!always && now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    const fallback = this.config.redisFailure === 'open' ? 'limits are per instance until it returns' : 'limited requests get 503';
    this.logger.warn(`${message}; ${fallback}`);
  }
}
