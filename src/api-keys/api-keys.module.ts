import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyRotationService } from './key-rotation.service';
import { LastUsedTracker } from './last-used.tracker';
import { RotationScheduler } from './rotation-scheduler';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { OrganizationAccessModule } from '../organizations/organization-access.module';
import { ManageableKeys } from './manageable-keys';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), RateLimitModule, OrganizationAccessModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyVerifier, LastUsedTracker, KeyRotationService, RotationScheduler, ManageableKeys],
  exports: [ApiKeysService, ApiKeyVerifier, LastUsedTracker, RotationScheduler],
})
export class ApiKeysModule {}
