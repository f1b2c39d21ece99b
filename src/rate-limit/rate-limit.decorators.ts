import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const RATE_LIMIT_COST = 'argus:rateLimitCost';
export const SKIP_RATE_LIMIT = 'argus:skipRateLimit';
export const ROUTE_RATE_LIMIT = 'argus:routeRateLimit';

/** Names of the extra route limits configured in `rateLimit.routes`. */
export type RouteLimitName = 'register';

/** This route spends `cost` units of the caller's limit (and quota) per call instead of one. */
export const RateLimitCost = (cost: number): MethodDecorator =>
  applyDecorators(SetMetadata(RATE_LIMIT_COST, cost), ApiExtension('x-rate-limit-cost', cost));

/**
 * An extra limit for this route, on top of the caller's own: counted per caller (key, user or IP)
 * for this route only, with the setting configured under `name` (e.g. RATE_LIMIT_REGISTER).
 */
export const RouteRateLimit = (name: RouteLimitName): MethodDecorator =>
  applyDecorators(SetMetadata(ROUTE_RATE_LIMIT, name), ApiExtension('x-route-rate-limit', name));

/** Not rate limited (health checks). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT, true);

export const REDUCES_ACCESS = 'argus:reducesAccess';

/** Decides from the request body whether this call takes access away. */
export type ReducesAccessWhen = (body: Record<string, unknown>) => boolean;

/**
 * This route takes access away (revocation, deactivation, logout), or does when `when` holds for
 * the request body: it must go through while Redis is down, so under the `closed` failure policy
 * it is counted on this instance alone instead of answered 503.
 */
export const ReducesAccess = (when?: ReducesAccessWhen): MethodDecorator =>
  applyDecorators(SetMetadata(REDUCES_ACCESS, when ?? true), ApiExtension('x-rate-limit-fail-open', when ? 'conditional' : true));
