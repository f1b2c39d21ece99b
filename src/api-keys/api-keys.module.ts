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

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), RateLimitModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyVerifier, LastUsedTracker, KeyRotationService, RotationScheduler],
  exports: [ApiKeysService, ApiKeyVerifier, LastUsedTracker, RotationScheduler],
})
export class ApiKeysModule {}
