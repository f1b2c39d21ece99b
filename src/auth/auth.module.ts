import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { UserEntity } from '../users/user.entity';
import { KnownLoginAddressEntity } from './entities/known-login-address.entity';
import { LoginThrottleService } from './login-throttle.service';
import { AuthenticationGuard } from './authentication.guard';
import { ScopesGuard } from '../access/scopes.guard';
import { OrganizationAccessModule } from '../organizations/organization-access.module';
import { PasswordService } from '../users/password.service';
import { ApiKeyAuthenticator, ApiKeyBearerStrategy, ApiKeyHeaderStrategy } from '../api-keys/api-key.strategies';
import { JwtStrategy } from './jwt.strategy';
import { TokenService } from './token.service';
import { UserAccessService } from '../users/user-access.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, RefreshTokenEntity, KnownLoginAddressEntity]),
    PassportModule,
    JwtModule.register({}),
    ApiKeysModule,
    RateLimitModule,
    OrganizationAccessModule,
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    LoginThrottleService,
    PasswordService,
    TokenService,
    UserAccessService,
    JwtStrategy,
    ApiKeyAuthenticator,
    ApiKeyHeaderStrategy,
    ApiKeyBearerStrategy,
    AuthenticationGuard,
    ScopesGuard,
  ],
  exports: [UserAccessService, TokenService, PasswordService, AuthenticationGuard, ScopesGuard],
})
export class AuthModule {}
