import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Principal } from '../auth/principal';
import { AppConfig, RateSetting } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ANONYMOUS_BURST_THROTTLER, ANONYMOUS_THROTTLER, API_KEY_THROTTLER, JWT_THROTTLER, RateLimitGuard } from './rate-limit.guard';
import { RateLimitService } from './rate-limit.service';

const principalOf = (context: { switchToHttp(): { getRequest(): { user?: Principal } } }): Principal | undefined =>
  context.switchToHttp().getRequest().user;

const throttler = (name: string, setting: RateSetting, applies: (principal: Principal | undefined) => boolean) => ({
  name,
  limit: setting.limit,
  ttl: setting.windowSeconds * 1000,
  skipIf: (context: Parameters<typeof principalOf>[0]) => !applies(principalOf(context)),
});

/**
 * Rate limits and quotas (SPEC §7) on @nestjs/throttler: one named throttler per kind of caller,
 * with their defaults from configuration; RateLimitGuard applies them with our strategies and store.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const limits = config.rateLimit;
        return {
          throttlers: [
            throttler(API_KEY_THROTTLER, limits.apiKey, (p) => p?.method === 'api_key'),
            throttler(JWT_THROTTLER, limits.jwt, (p) => p?.method === 'jwt'),
            throttler(ANONYMOUS_BURST_THROTTLER, limits.anonymousBurst, (p) => p === undefined),
            throttler(ANONYMOUS_THROTTLER, limits.anonymous, (p) => p === undefined),
          ],
        };
      },
    }),
  ],
  providers: [RateLimitService, RateLimitGuard],
  exports: [RateLimitService, RateLimitGuard],
})
export class RateLimitModule {}
