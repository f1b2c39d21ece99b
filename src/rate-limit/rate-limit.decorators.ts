import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const RATE_LIMIT_COST = 'argus:rateLimitCost';
export const SKIP_RATE_LIMIT = 'argus:skipRateLimit';

/** This route spends `cost` units of the caller's limit (and quota) per call instead of one. */
export const RateLimitCost = (cost: number): MethodDecorator =>
  applyDecorators(SetMetadata(RATE_LIMIT_COST, cost), ApiExtension('x-rate-limit-cost', cost));

/** Not rate limited (health checks). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT, true);
