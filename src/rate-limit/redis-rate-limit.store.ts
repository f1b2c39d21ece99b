import Redis from 'ioredis';
import { RateLimitPolicy, RateLimitResult, RateLimitStore, fixedWindow } from './rate-limit.types';

/**
 * All three strategies in one script: a check is one atomic round trip, so a limit holds exactly
 * however many instances share the Redis. Window keys carry their window start; the sliding window
 * reads the previous window's key too (keys derived in the script: not for Redis Cluster).
 */
const CONSUME = `
local base = KEYS[1]
local strategy = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local now = tonumber(ARGV[6])
local wstart = tonumber(ARGV[7])
local wend = tonumber(ARGV[8])
local deadline = tonumber(ARGV[9])

-- A check that reaches Redis after its caller gave up on it (a stalled Redis, or a resend after a
-- reconnect) was answered by the failure policy instead: it must not count.
if deadline > 0 then
  local time = redis.call('TIME')
  if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > deadline then
    return {-1, 0, 0, 0}
  end
end

if strategy == 'fixed' then
  local start = wstart
  local finish = wend
  if finish == 0 then
    start = math.floor(now / window) * window
    finish = start + window
  end
  local key = base .. ':' .. start
  local count = tonumber(redis.call('GET', key) or '0')
  local allowed = 0
  if count + cost <= limit then
    count = redis.call('INCRBY', key, cost)
    redis.call('PEXPIRE', key, finish - now + 1000)
    allowed = 1
  end
  local retry = 0
  if allowed == 0 then retry = finish - now end
  return {allowed, math.max(0, limit - count), finish, retry}
end

if strategy == 'sliding' then
  local start = math.floor(now / window) * window
  local key = base .. ':' .. start
  local count = tonumber(redis.call('GET', key) or '0')
  local previous = tonumber(redis.call('GET', base .. ':' .. (start - window)) or '0')
  local elapsed = now - start
  local weight = (window - elapsed) / window
  local allowed = 0
  if previous * weight + count + cost <= limit then
    count = redis.call('INCRBY', key, cost)
    redis.call('PEXPIRE', key, 2 * window - elapsed + 1000)
    allowed = 1
  end
  local retry = 0
  if allowed == 0 then
    local left = window - elapsed
    if count + cost > limit then
      if cost > limit then
        retry = left + window
      else
        local need = 1
        if count > 0 then need = math.min(1, (limit - cost) / count) end
        retry = math.max(1, math.ceil(left + window * (1 - need)))
      end
    else
      local need = (limit - count - cost) / previous
      retry = math.max(1, math.ceil(window * (1 - need) - elapsed))
    end
  end
  return {allowed, math.max(0, math.floor(limit - (previous * weight + count))), start + window, retry}
end

-- token bucket
local capacity = limit
if burst > 0 then capacity = burst end
local rate = limit / window
local state = redis.call('HMGET', base, 't', 'u')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens + 1e-9 >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', base, 't', string.format('%.17g', tokens), 'u', tostring(now))
local untilFull = math.ceil((capacity - tokens) / rate)
redis.call('PEXPIRE', base, untilFull + 1000)
local retry = 0
if allowed == 0 then retry = math.ceil((cost - tokens) / rate) end
return {allowed, math.floor(tokens), now + untilFull, retry}
`;

type ConsumeReply = [number, number, number, number];

/** A clock reading that took longer than this to come back is not precise enough for a deadline. */
const MAX_SYNC_ROUND_TRIP_MS = 50;

interface ArgusRedis extends Redis {
  argusRateLimit(key: string, ...args: Array<string | number>): Promise<ConsumeReply>;
}

/** A check Redis ran too late to count (see the script); its caller has had its answer already. */
export class LateRateLimitCheck extends Error {
  constructor() {
    super('Redis ran the rate-limit check after its deadline; it was not counted');
  }
}

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: ArgusRedis;
  /** Redis's clock minus ours (ms), so deadlines are set in Redis time; unknown until measured. */
  private clockOffsetMs?: number;
  private lastSync = 0;

  /**
   * `deadlineMs`: how long after it is sent a check may still run and count; keep it below the
   * client's command timeout by more than a round trip, so a check that counts is answered in time.
   */
  constructor(
    redis: Redis,
    private readonly prefix = 'argus:rl:',
    private readonly deadlineMs = 0,
  ) {
    redis.defineCommand('argusRateLimit', { numberOfKeys: 1, lua: CONSUME });
    this.redis = redis as ArgusRedis;
  }

  /**
   * Measures the offset between Redis's clock and ours (after each connect, and as a health probe).
   * Redis read its clock between `sent` and `received`: taking `sent` errs towards later deadlines
   * (a late check counted, never a timely one refused), and a slow answer (a busy event loop) is
   * not trusted.
   */
  async syncClock(): Promise<void> {
    this.lastSync = Date.now();
    const sent = Date.now();
    const [seconds, micros] = await this.redis.time();
    const received = Date.now();
    if (received - sent <= MAX_SYNC_ROUND_TRIP_MS) this.clockOffsetMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - sent;
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async consume(key: string, policy: RateLimitPolicy, cost: number, now: number): Promise<RateLimitResult> {
    if (this.deadlineMs > 0 && this.clockOffsetMs === undefined && Date.now() - this.lastSync > 5000) {
      this.syncClock().catch(() => undefined);
    }
    const [allowed, remaining, resetAt, retryAfterMs] = await this.redis.argusRateLimit(
      `${this.prefix}${policy.strategy}:${key}`,
      policy.strategy,
      policy.limit,
      policy.windowMs,
      policy.burst ?? 0,
      cost,
      now,
      policy.window?.start ?? 0,
      policy.window?.end ?? 0,
      this.deadlineMs > 0 && this.clockOffsetMs !== undefined ? Math.floor(Date.now() + this.clockOffsetMs + this.deadlineMs) : 0,
    );
    if (allowed === -1) throw new LateRateLimitCheck();
    return {
      allowed: allowed === 1,
      limit: policy.strategy === 'token_bucket' ? (policy.burst ?? policy.limit) : policy.limit,
      remaining,
      resetAt,
      retryAfterMs,
    };
  }

  async peekFixed(key: string, policy: RateLimitPolicy, now: number): Promise<number> {
    const { start } = fixedWindow(policy.windowMs, now, policy.window);
    return Number((await this.redis.get(`${this.prefix}fixed:${key}:${start}`)) ?? 0);
  }
}
