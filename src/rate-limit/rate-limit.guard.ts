import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../access/principal';
import { RateLimitConfig, rateLimitConfig } from './rate-limit.config';
import { quotaExceeded, quotaHeaders } from './rate-limit.headers';
import {
  RATE_LIMIT_COST,
  REDUCES_ACCESS,
  ROUTE_RATE_LIMIT,
  ReducesAccessWhen,
  RouteLimitName,
  SKIP_RATE_LIMIT,
} from './rate-limit.decorators';
import { API_KEY_POLICY, ConsumeOptions, RateLimitService } from './rate-limit.service';
import { RateLimitPolicy } from './rate-limit.types';

type LimitedRequest = FastifyRequest & { user?: Principal; rateLimitShown?: number };

interface RouteSettings {
  skip: boolean;
  cost: number;
  /** An extra limit this route declares on top of the caller's own. */
  extra?: RouteLimitName;
  /** Whether (or for which bodies) the route takes access away: never 503 for Redis. */
  reducesAccess?: true | ReducesAccessWhen;
}

/** Which caller a request counts against: its key, its user, or its client IP. */
export function trackerOf(request: LimitedRequest): string {
  const principal = request.user;
  if (!principal) return `ip:${request.ip}`;
  if (principal.keyId) return `key:${principal.keyId}`;
  return principal.method === 'oauth' && principal.clientId ? `client:${principal.clientId}` : `user:${principal.userId}`;
}

/**
 * Runs after authentication (it needs the caller) and applies, per caller rather than per route,
 * the limits of its kind from configuration (RATE_LIMIT_*): a key's own limit (or the default for
 * keys) and its quota, an OAuth client's burst and hourly limits, a user's, or an anonymous client IP's burst and hourly limits; then the
 * route's own `@RouteRateLimit`. Every limited response carries the limit headers; a 429 also
 * Retry-After. A plain guard over RateLimitService, not `@nestjs/throttler` (README, Decisions).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  /** Route settings read once per handler, not on every request. */
  private readonly routeSettings = new WeakMap<object, RouteSettings>();

  constructor(
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.settingsFor(context);
    if (route.skip || !this.limits.enabled) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<LimitedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const options = this.consumeOptions(request, route);
    const principal = request.user;

    if (principal?.method === 'api_key' && principal.keyId) {
      const { keyId } = principal;
      await this.enforce(request, reply, this.limits.keyBucket(keyId), this.limits.keyPolicy(principal.rateLimit), route.cost, options);
      if (principal.quota) {
        const result = await this.limits.consume(`quota:${keyId}`, this.limits.quotaPolicy(principal.quota), route.cost, options);
        const headers = quotaHeaders(result);
        if (!result.allowed) throw quotaExceeded(headers, result);
        reply.headers(headers);
      }
    } else if (principal?.method === 'oauth' && principal.clientId) {
      // An OAuth access token counts against its client (kind `oauth`), whichever user it acts for.
      for (const policy of this.limits.oauthPolicies()) {
        await this.enforce(request, reply, this.limits.oauthBucket(policy, principal.clientId), policy, route.cost, options);
      }
    } else {
      for (const policy of this.callerPolicies(principal)) {
        await this.enforce(request, reply, `${policy.name}:${trackerOf(request)}`, policy, route.cost, options);
      }
    }

    if (route.extra) {
      const policy = this.limits.routePolicy(route.extra);
      await this.enforce(request, reply, `${policy.name}:${trackerOf(request)}`, policy, route.cost, options);
    }
    return true;
  }

  /** The limits of a caller that is not a key: a user's (JWT), or an anonymous IP's burst then hourly. */
  private callerPolicies(principal: Principal | undefined): RateLimitPolicy[] {
    const limits = this.config;
    if (!principal) return this.limits.anonymousPolicies();
    // A browser session is the user signed in, like a JWT: the same per-user limit.
    if (principal.method === 'jwt' || principal.method === 'session') return [this.limits.policy('jwt', limits.jwt)];
    return [this.limits.policy(API_KEY_POLICY, limits.apiKey)];
  }

  private settingsFor(context: ExecutionContext): RouteSettings {
    const handler = context.getHandler();
    let settings = this.routeSettings.get(handler);
    if (!settings) {
      const targets = [handler, context.getClass()];
      settings = {
        skip: this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, targets) === true,
        cost: this.reflector.getAllAndOverride<number>(RATE_LIMIT_COST, targets) ?? 1,
        extra: this.reflector.getAllAndOverride<RouteLimitName | undefined>(ROUTE_RATE_LIMIT, targets),
        reducesAccess: this.reflector.getAllAndOverride<true | ReducesAccessWhen | undefined>(REDUCES_ACCESS, targets),
      };
      this.routeSettings.set(handler, settings);
    }
    return settings;
  }

  /** A request that takes access away passes on this instance's counts when Redis cannot answer. */
  private consumeOptions(request: LimitedRequest, route: RouteSettings): ConsumeOptions {
    const when = route.reducesAccess;
    if (when === undefined) return {};
    const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    return { failOpen: when === true || when(body) };
  }

  private async enforce(
    request: LimitedRequest,
    reply: FastifyReply,
    key: string,
    policy: RateLimitPolicy,
    cost: number,
    options: ConsumeOptions = {},
  ): Promise<void> {
    const { headers, result } = await this.limits.enforce(key, policy, cost, options);
    // Several limits can apply (burst and hourly); the headers describe the tightest.
    if (request.rateLimitShown === undefined || result.remaining < request.rateLimitShown) {
      request.rateLimitShown = result.remaining;
      reply.headers(headers);
    }
  }
}
