import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OAuthRevokedTokenEntity } from './revoked-token.entity';
import { OAuthRevokedTokensRepository } from './revoked-tokens.repository';
import { OAuthTokenRevocations } from './token-revocations';

/** The OAuth access token as an Argus credential: its deny list, the application cache and the Passport strategy. */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthRevokedTokenEntity])],
  providers: [OAuthRevokedTokensRepository, OAuthTokenRevocations],
  exports: [OAuthTokenRevocations],
})
export class OAuthTokensModule {}
