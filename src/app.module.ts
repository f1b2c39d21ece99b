import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { CoreModule } from './core/core.module';
import { AllExceptionsFilter } from './core/errors/all-exceptions.filter';
import { createValidationPipe } from './core/errors/validation';
import { createRootLogger, loggerParams } from './core/logging/logging';
import type { Logger } from 'pino';
import { AppConfig, configProviders } from './app.config';
import { ConfigModule } from './core/config/config.module';
import { DatabaseModule } from './core/database/database.module';
import { HealthModule } from './health/health.module';
import { ENTITIES, MIGRATIONS } from './schema';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AdminMfaGuard } from './auth/mfa/admin-mfa.guard';
import { ScopesGuard } from './access/scopes.guard';
import { OrganizationAccessGuard } from './organizations/organization-access.guard';
import { OrganizationsModule } from './organizations/organizations.module';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { AuditModule } from './audit/audit.module';
import { InvalidationModule } from './core/invalidation/invalidation.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { VerificationModule } from './verification/verification.module';
import { OAuthTokensModule } from './oauth/tokens/oauth-tokens.module';
import { OAuthProviderModule } from './oauth/provider/oauth-provider.module';
import { OAuthInteractionModule } from './oauth/interaction/interaction.module';
import { OAuthApplicationsModule } from './oauth/applications/oauth-applications.module';
import { ClientRegistrationModule } from './oauth/registration/client-registration.module';
import { OAuthConsentsModule } from './oauth/consents/consents.module';
import { Clock } from './core/time/clock';
import { PasswordHashCost } from './core/crypto/password-hash-cost';

/** Seams for tests and embedding: the clock, where logs go (stdout by default), a database to start from. */
export interface AppOptions {
  clock?: Clock;
  logDestination?: NodeJS.WritableStream;
  /** A migrated embedded database (`EmbeddedPostgres.dumpDataDir`) to start from instead of initdb. */
  embeddedSnapshot?: Blob;
  /** The argon2id cost of password hashes (default OWASP's baseline); the tests pass a cheap one. */
  passwordHashCost?: PasswordHashCost;
  /** Set by createApp: the root logger shared by Nest and the request log. */
  logger?: Logger;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(configProviders(config)),
        LoggerModule.forRoot(loggerParams(options.logger ?? createRootLogger(config, options.logDestination))),
        CoreModule.forRoot(options.clock, options.passwordHashCost),
        AuditModule,
        InvalidationModule,
        WebhooksModule,
        DatabaseModule.forRoot(config, { entities: ENTITIES, migrations: MIGRATIONS }, options.embeddedSnapshot),
        AuthModule,
        ApiKeysModule,
        AdminModule,
        AccountModule,
        HealthModule,
        RateLimitModule,
        VerificationModule,
        OrganizationsModule,
        OAuthTokensModule,
        OAuthProviderModule,
        OAuthInteractionModule,
        OAuthApplicationsModule,
        OAuthConsentsModule,
        // RFC 7591 registration exists only when switched on (and Argus is an authorization server at all).
        ...(config.oauth.dynamicRegistration && config.jwt.algorithm !== 'HS256' ? [ClientRegistrationModule] : []),
      ],
      providers: [
        // Global guards run in this order: who is calling, how often they may, what their credential
        // may do, then what their role inside the organisation a route acts in allows.
        ScopesGuard,
        { provide: APP_GUARD, useExisting: AuthenticationGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_GUARD, useExisting: ScopesGuard },
        { provide: APP_GUARD, useExisting: AdminMfaGuard },
        { provide: APP_GUARD, useExisting: OrganizationAccessGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
