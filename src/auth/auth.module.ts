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
import { SessionEntity } from './sessions/session.entity';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { JwksController } from './signing/jwks.controller';
import { JwtSigner } from './signing/jwt-signer';
import { JwtVerifier } from './signing/jwt-verifier';
import { SigningKeyEntity } from './signing/signing-key.entity';
import { SigningKeyRepository } from './signing/signing-key.repository';
import { SigningKeyStore } from './signing/signing-key.store';
import { SigningKeysService } from './signing/signing-keys.service';

/**
 * Sign-up, login, tokens (and the keys that sign them, published at /oauth/jwks) and browser sessions, and the global authentication guard. The guard dispatches to the
 * Passport strategy each credential's own module registers (the JWT one here, API keys' in theirs).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([RefreshTokenEntity, KnownLoginAddressEntity, SessionEntity, SigningKeyEntity]),
    PassportModule,
    JwtModule.register({}),
    UsersModule,
    RateLimitModule,
    EventsModule,
  ],
  controllers: [AuthController, SessionsController, JwksController],
  providers: [
    RefreshTokenRepository,
    KnownLoginAddressRepository,
    SessionsRepository,
    AuthService,
    LoginThrottleService,
    TokenService,
    SessionsService,
    JwtStrategy,
    AuthenticationGuard,
    SigningKeyRepository,
    SigningKeyStore,
    SigningKeysService,
    JwtSigner,
    JwtVerifier,
  ],
  exports: [TokenService, AuthenticationGuard, SigningKeysService, JwtSigner, JwtVerifier],
})
export class AuthModule {}
