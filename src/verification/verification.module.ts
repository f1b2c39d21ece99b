import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { OrganizationAccessModule } from '../organizations/organization-access.module';
import { KeyVerificationService } from './key-verification.service';
import { VerificationController } from './verification.controller';

/** Verification for other services: the verify API and the gateway forward-auth endpoint. */
@Module({
  imports: [ApiKeysModule, AuthModule, RateLimitModule, OrganizationAccessModule],
  controllers: [VerificationController],
  providers: [KeyVerificationService],
})
export class VerificationModule {}
