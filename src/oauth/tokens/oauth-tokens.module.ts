import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../../auth/auth.module';
import { OrganizationsModule } from '../../organizations/organizations.module';
import { RateLimitModule } from '../../rate-limit/rate-limit.module';
import { UsersModule } from '../../users/users.module';
import { OAuthApplicationEntity } from '../applications/oauth-application.entity';
import { OAuthApplicationsRepository } from '../applications/oauth-applications.repository';
import { OAuthApplicationAccess } from './application-access';
import { OAuthTokenAdmission } from './oauth-token-admission';
import { OAuthStrategy } from './oauth.strategy';
import { OAuthRevokedTokenEntity } from './revoked-token.entity';
import { OAuthRevokedTokensRepository } from './revoked-tokens.repository';
import { OAuthTokenRevocations } from './token-revocations';

/** The OAuth access token as an Argus credential: its deny list, the application cache and the Passport strategy. */
@Module({
  imports: [
    TypeOrmModule.forFeature([OAuthRevokedTokenEntity, OAuthApplicationEntity]),
    AuthModule,
    UsersModule,
    OrganizationsModule,
    RateLimitModule,
  ],
  providers: [
    OAuthRevokedTokensRepository,
    OAuthTokenRevocations,
    OAuthApplicationsRepository,
    OAuthApplicationAccess,
    OAuthTokenAdmission,
    OAuthStrategy,
  ],
  exports: [OAuthTokenRevocations, OAuthApplicationAccess, OAuthTokenAdmission],
})
export class OAuthTokensModule {}
