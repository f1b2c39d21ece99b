import { defineConfig } from '../core/config/define-config';
import type { RateSetting } from '../core/config/parsers';
import { RATE_LIMIT_STRATEGIES, RateLimitStrategy } from './rate-limit.types';

/** Default limits, login budgets and the Redis failure policy (Redis itself is core: invalidation uses it too). */
export interface RateLimitConfig {
  enabled: boolean;
  strategy: RateLimitStrategy;
  apiKey: RateSetting;
  jwt: RateSetting;
  anonymous: RateSetting;
  anonymousBurst: RateSetting;
  /** Requests per OAuth client (access tokens it holds, and its calls to the token endpoints), hourly and burst. */
  oauth: RateSetting;
  oauthBurst: RateSetting;
  /** Login attempts per account by clients it does not trust (no device token, unknown address). */
  loginPerAccount: RateSetting;
  /** Login attempts per client address by untrusted clients, whatever the account. */
  loginPerAddress: RateSetting;
  /** Login attempts per device token, and per known address of an account. */
  loginTrusted: RateSetting;
  /** How long a device token, and an address's standing as known for an account, last. */
  loginDeviceTtlSeconds: number;
  /** The fastest per-key rate an owner may set (requests per window); admins may exceed it. */
  keyCeiling: RateSetting;
  /** Extra limits that single routes declare (`@RouteRateLimit(name)`), per caller. */
  routes: { register: RateSetting };
  /** What to do while Redis is unreachable: per-instance limits (open) or 503 (closed). */
  redisFailure: 'open' | 'closed';
}

export const rateLimitConfig = defineConfig('rate-limit', (reader): RateLimitConfig => ({
  enabled: reader.boolean('RATE_LIMIT_ENABLED', true),
  strategy: reader.oneOf('RATE_LIMIT_STRATEGY', RATE_LIMIT_STRATEGIES, 'sliding'),
  apiKey: reader.rate('RATE_LIMIT_API_KEY', '100/1m'),
  jwt: reader.rate('RATE_LIMIT_JWT', '1000/1m'),
  anonymous: reader.rate('RATE_LIMIT_ANONYMOUS', '100/1h'),
  anonymousBurst: reader.rate('RATE_LIMIT_ANONYMOUS_BURST', '5/1s'),
  oauth: reader.rate('RATE_LIMIT_OAUTH', '5000/1h'),
  oauthBurst: reader.rate('RATE_LIMIT_OAUTH_BURST', '50/1s'),
  loginPerAccount: reader.rate('RATE_LIMIT_LOGIN', '10/5m'),
  loginPerAddress: reader.rate('RATE_LIMIT_LOGIN_IP', '30/5m'),
  loginTrusted: reader.rate('RATE_LIMIT_LOGIN_TRUSTED', '5/5m'),
  loginDeviceTtlSeconds: reader.duration('LOGIN_DEVICE_TTL', '30d', 3600, 400 * 86_400),
  keyCeiling: reader.rate('RATE_LIMIT_KEY_CEILING', '10000/1m'),
  routes: { register: reader.rate('RATE_LIMIT_REGISTER', '20/1h') },
  redisFailure: reader.oneOf('RATE_LIMIT_REDIS_FAILURE', ['open', 'closed'] as const, 'open'),
}));
