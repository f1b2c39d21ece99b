import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../../auth/auth.module';
import { UsersModule } from '../../users/users.module';
import { OAuthTokensModule } from '../tokens/oauth-tokens.module';
import { OAuthRecordEntity } from './oauth-record.entity';
import { OAuthRecordsRepository } from './oauth-records.repository';
import { OidcProviderHost } from './oidc-provider.host';

/** Argus as an OAuth 2.0 / OpenID Connect authorization server: oidc-provider, its PostgreSQL state, its mount (app.factory). */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthRecordEntity]), AuthModule, UsersModule, OAuthTokensModule],
  providers: [OAuthRecordsRepository, OidcProviderHost],
  exports: [OidcProviderHost, OAuthRecordsRepository],
})
export class OAuthProviderModule {}
