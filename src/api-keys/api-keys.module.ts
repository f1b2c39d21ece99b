import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { ApiKeyBearerStrategy, ApiKeyHeaderStrategy } from './api-key.strategies';
import { KeyAdmission } from './key-admission';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeyMapper } from './api-key.mapper';
import { ApiKeyRepository } from './api-key.repository';
import { ExpiryNotifier } from './expiry-notifier';
import { KeyAdministration } from './key-administration.service';
import { KeyDelegation } from './key-delegation';
import { KeyIssuingService } from './key-issuing.service';
import { KeyLifecycleService } from './key-lifecycle.service';
import { KeySettings } from './key-settings';
import { KeyUnitOfWork } from './key-unit-of-work';
import { OrganizationKeysService } from './organization-keys.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { BoundKeysRegistrar } from './bound-keys.registrar';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyRotationService } from './key-rotation.service';
import { LastUsedTracker } from './last-used.tracker';
import { ManageableKeys } from './manageable-keys';
import { OrganizationKeysController } from './organization-keys.controller';
import { RotationScheduler } from './rotation-scheduler';

/** API keys: issuing, lifecycle, verification, and their Passport strategies (the `X-API-Key` and `Bearer argus_…` credentials). */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), UsersModule, RateLimitModule, OrganizationsModule, EventsModule],
  controllers: [ApiKeysController, OrganizationKeysController],
  providers: [
    ApiKeyRepository,
    KeyUnitOfWork,
    ApiKeyMapper,
    KeySettings,
    KeyDelegation,
    KeyIssuingService,
    KeyLifecycleService,
    OrganizationKeysService,
    KeyAdministration,
    ExpiryNotifier,
    ApiKeysService,
    ApiKeyVerifier,
    LastUsedTracker,
    KeyRotationService,
    RotationScheduler,
    ManageableKeys,
    KeyAdmission,
    ApiKeyHeaderStrategy,
    ApiKeyBearerStrategy,
    BoundKeysRegistrar,
  ],
  exports: [ApiKeysService, KeyAdministration, ApiKeyVerifier, LastUsedTracker, RotationScheduler, KeyAdmission],
})
export class ApiKeysModule {}
