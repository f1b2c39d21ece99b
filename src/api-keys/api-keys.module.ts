import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyEntity } from './entities/api-key.entity';
import { LastUsedTracker } from './last-used.tracker';
import { RateLimitModule } from '../rate-limit/rate-limit.module';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), RateLimitModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyVerifier, LastUsedTracker],
  exports: [ApiKeysService, ApiKeyVerifier, LastUsedTracker],
})
export class ApiKeysModule {}
