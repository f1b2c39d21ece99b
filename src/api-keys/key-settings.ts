import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { RateLimitConfig, rateLimitConfig } from '../rate-limit/rate-limit.config';
import { validationFailed } from '../core/errors/app.exception';
import { QuotaDto, RateLimitDto } from './dto/create-api-key.dto';
import { QuotaSetting, RateLimitSetting } from './entities/api-key.entity';

/** The limits a key is issued or updated with, checked against the configured ceiling. */
@Injectable()
export class KeySettings {
  constructor(@Inject(rateLimitConfig.KEY) private readonly rateLimits: RateLimitConfig) {}

  /** Owners may not set a key faster than the configured ceiling; admins may. */
  assertWithinCeiling(caller: Principal, rateLimit: RateLimitDto | undefined): void {
    if (!rateLimit || caller.role === 'admin') return;
    const ceiling = this.rateLimits.keyCeiling;
    if (rateLimit.limit / rateLimit.windowSeconds > ceiling.limit / ceiling.windowSeconds) {
      throw validationFailed([
        { field: 'rateLimit', messages: [`rateLimit may not exceed ${ceiling.limit} requests per ${ceiling.windowSeconds} seconds`] },
      ]);
    }
  }
}

export function toRateLimitSetting(dto: RateLimitDto | null | undefined): RateLimitSetting | null {
  if (!dto) return null;
  return {
    limit: dto.limit,
    windowSeconds: dto.windowSeconds,
    ...(dto.strategy ? { strategy: dto.strategy } : {}),
    ...(dto.burst ? { burst: dto.burst } : {}),
  };
}

export function toQuotaSetting(dto: QuotaDto | null | undefined): QuotaSetting | null {
  return dto ? { limit: dto.limit, period: dto.period } : null;
}
