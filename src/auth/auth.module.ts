import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { UserEntity } from './entities/user.entity';
import { AuthenticationGuard } from './guards/authentication.guard';
import { PasswordService } from './password.service';
import { ApiKeyAuthenticator, ApiKeyBearerStrategy, ApiKeyHeaderStrategy } from './strategies/api-key.strategies';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenService } from './token.service';
import { UserAccessService } from './user-access.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, RefreshTokenEntity]), PassportModule, JwtModule.register({}), ApiKeysModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    PasswordService,
    TokenService,
    UserAccessService,
    JwtStrategy,
    ApiKeyAuthenticator,
    ApiKeyHeaderStrategy,
    ApiKeyBearerStrategy,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
  ],
  exports: [UserAccessService, TokenService, PasswordService],
})
export class AuthModule {}
