import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { CoreModule } from './common/core.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { createValidationPipe } from './common/errors/validation';
import { createRootLogger, loggerParams } from './common/logging/logging';
import type { Logger } from 'pino';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { AuthenticationGuard } from './auth/guards/authentication.guard';
import { ScopesGuard } from './auth/guards/scopes.guard';
import { OrganizationsModule } from './organizations/organizations.module';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { AuditModule } from './audit/audit.module';
import { InvalidationModule } from './common/invalidation/invalidation.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { VerificationModule } from './verification/verification.module';
import { Clock } from './common/time/clock';

/** Seams for tests and embedding: the clock, where logs go (stdout by default), a database to start from. */
export interface AppOptions {
  clock?: Clock;
  logDestination?: NodeJS.WritableStream;
  /** A migrated embedded database (`EmbeddedPostgres.dumpDataDir`) to start from instead of initdb. */
  embeddedSnapshot?: Blob;
  /** Set by createApp: the root logger shared by Nest and the request log. */
  logger?: Logger;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(options.logger ?? createRootLogger(config, options.logDestination))),
        CoreModule.forRoot(options.clock),
        AuditModule,
        InvalidationModule,
        WebhooksModule,
        DatabaseModule.forRoot(config, options.embeddedSnapshot),
        AuthModule,
        ApiKeysModule,
        AdminModule,
        HealthModule,
        RateLimitModule,
        VerificationModule,
        OrganizationsModule,
      ],
      providers: [
        // Global guards run in this order: who is calling, how often they may, then what they may do.
        { provide: APP_GUARD, useExisting: AuthenticationGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_GUARD, useExisting: ScopesGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
