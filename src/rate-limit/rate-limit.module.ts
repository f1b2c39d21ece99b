import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig, RateSetting } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ANONYMOUS_BURST_THROTTLER, ANONYMOUS_THROTTLER, API_KEY_THROTTLER, JWT_THROTTLER, RateLimitGuard } from './rate-limit.guard';
import { RateLimitService } from './rate-limit.service';

const throttler = (name: string, setting: RateSetting) => ({ name, limit: setting.limit, ttl: setting.windowSeconds * 1000 });

/**
 * Rate limits and quotas (SPEC §7) on @nestjs/throttler: one named throttler per kind of caller,
 * with their defaults from configuration; RateLimitGuard applies those of the calling kind (key,
 * user or anonymous IP) with our strategies and store.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const limits = config.rateLimit;
        return {
          throttlers: [
            throttler(API_KEY_THROTTLER, limits.apiKey),
            throttler(JWT_THROTTLER, limits.jwt),
            throttler(ANONYMOUS_BURST_THROTTLER, limits.anonymousBurst),
            throttler(ANONYMOUS_THROTTLER, limits.anonymous),
          ],
        };
      },
    }),
  ],
  providers: [RateLimitService, RateLimitGuard],
  exports: [RateLimitService, RateLimitGuard],
})
export class RateLimitModule {}
