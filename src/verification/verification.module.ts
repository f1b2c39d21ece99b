import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OAuthTokensModule } from '../oauth/tokens/oauth-tokens.module';
import { KeyVerificationService } from './key-verification.service';
import { VerificationController } from './verification.controller';

/** Verification for other services: the verify API and the gateway forward-auth endpoint. */
@Module({
  imports: [ApiKeysModule, OAuthTokensModule],
  controllers: [VerificationController],
  providers: [KeyVerificationService],
})
export class VerificationModule {}
