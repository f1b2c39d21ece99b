import { Module } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitService } from './rate-limit.service';

/**
 * Rate limits and quotas (SPEC §7): RateLimitGuard applies the limits of the calling kind (key,
 * user or anonymous IP, defaults from configuration) with Argus's strategies and stores.
 */
@Module({
  providers: [RateLimitService, RateLimitGuard],
  exports: [RateLimitService, RateLimitGuard],
})
export class RateLimitModule {}
