import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
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

/** The throttler of API keys is the key policy itself, so the guard and the verify API share one bucket. */
export const API_KEY_THROTTLER = API_KEY_POLICY;
export const JWT_THROTTLER = 'jwt';
export const ANONYMOUS_BURST_THROTTLER = 'anonymous-burst';
export const ANONYMOUS_THROTTLER = 'anonymous';

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
  return principal.keyId ? `key:${principal.keyId}` : `user:${principal.userId}`;
}

/**
 * Runs after authentication (it needs the caller) and applies, per caller rather than per route,
 * the named throttlers configured in RateLimitModule: a key's own limit and quota, a user's, or an
 * anonymous client IP's. Every limited response carries the limit headers; a 429 also Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {
    super(options, storage, reflector);
  }

  private readonly throttlersByCaller = new Map<string, ThrottlerOptions[]>();
  /** Route settings read once per handler, not on every request. */
  private readonly routeSettings = new WeakMap<object, RouteSettings>();

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    const named = (...names: string[]) => this.throttlers.filter((throttler) => names.includes(throttler.name as string));
    this.throttlersByCaller.set('api_key', named(API_KEY_THROTTLER));
    this.throttlersByCaller.set('jwt', named(JWT_THROTTLER));
    this.throttlersByCaller.set('anonymous', named(ANONYMOUS_BURST_THROTTLER, ANONYMOUS_THROTTLER));
  }

  /**
   * Applies only the throttlers of this kind of caller (throttler's own loop would visit all four
   * and resolve each one's route metadata on every request).
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.settingsFor(context);
    if (route.skip || !this.limits.enabled) return true;
    const principal = context.switchToHttp().getRequest<LimitedRequest>().user;
    for (const throttler of this.throttlersByCaller.get(principal?.method ?? 'anonymous') ?? []) {
      await this.handleRequest({
        context,
        limit: throttler.limit as number,
        ttl: throttler.ttl as number,
        throttler,
        blockDuration: 0,
        getTracker: () => Promise.resolve(''),
        generateKey: () => '',
      });
    }
    if (route.extra) {
      const request = context.switchToHttp().getRequest<LimitedRequest>();
      const policy = this.limits.routePolicy(route.extra);
      await this.enforce(
        request,
        context.switchToHttp().getResponse<FastifyReply>(),
        `${policy.name}:${trackerOf(request)}`,
        policy,
        route.cost,
        this.consumeOptions(request, route),
      );
    }
    return true;
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

  protected override async handleRequest({ context, limit, ttl, throttler }: ThrottlerRequest): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<LimitedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const principal = request.user;
    const route = this.settingsFor(context);
    const { cost } = route;
    const options = this.consumeOptions(request, route);
    const name = throttler.name as string;

    if (name === API_KEY_THROTTLER && principal?.keyId) {
      await this.enforce(request, reply, this.limits.keyBucket(principal.keyId), this.limits.keyPolicy(principal.rateLimit), cost, options);
    } else {
      await this.enforce(
        request,
        reply,
        `${name}:${trackerOf(request)}`,
        this.limits.policy(name, { limit, windowSeconds: ttl / 1000 }),
        cost,
        options,
      );
    }

    if (name === API_KEY_THROTTLER && principal?.quota && principal.keyId) {
      const quotaPolicy = this.limits.quotaPolicy(principal.quota);
      const result = await this.limits.consume(`quota:${principal.keyId}`, quotaPolicy, cost, options);
      const headers = quotaHeaders(result);
      if (!result.allowed) throw quotaExceeded(headers, result);
      reply.headers(headers);
    }
    return true;
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
