import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { KnownLoginAddressEntity } from './entities/known-login-address.entity';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { JwtStrategy } from './jwt.strategy';
import { KnownLoginAddressRepository } from './known-login-address.repository';
import { LoginThrottleService } from './login-throttle.service';
import { RefreshTokenRepository } from './refresh-token.repository';
import { TokenService } from './token.service';
import { AccountSecurityController } from './account/account-security.controller';
import { AccountSecurityService } from './account/account-security.service';
import { SessionEntity } from './sessions/session.entity';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';

/**
 * Sign-up, login, tokens and browser sessions, and the global authentication guard. The guard dispatches to the
 * Passport strategy each credential's own module registers (the JWT one here, API keys' in theirs).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([RefreshTokenEntity, KnownLoginAddressEntity, SessionEntity]),
    PassportModule,
    JwtModule.register({}),
    UsersModule,
    RateLimitModule,
    EventsModule,
  ],
  controllers: [AuthController, SessionsController, AccountSecurityController],
  providers: [
    RefreshTokenRepository,
    KnownLoginAddressRepository,
    SessionsRepository,
    AuthService,
    LoginThrottleService,
    TokenService,
    SessionsService,
    AccountSecurityService,
    JwtStrategy,
    AuthenticationGuard,
  ],
  exports: [TokenService, AuthenticationGuard, AuthService, AccountSecurityService, SessionsService],
})
export class AuthModule {}
