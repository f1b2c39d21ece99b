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
