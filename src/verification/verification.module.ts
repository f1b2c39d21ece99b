import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { KeyVerificationService } from './key-verification.service';
import { VerificationController } from './verification.controller';

/** Verification for other services: the verify API and the gateway forward-auth endpoint. */
@Module({
  imports: [ApiKeysModule, UsersModule, RateLimitModule, OrganizationsModule],
  controllers: [VerificationController],
  providers: [KeyVerificationService],
})
export class VerificationModule {}
