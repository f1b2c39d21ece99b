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
import { AdminMfaGuard } from './mfa/admin-mfa.guard';
import { MfaChallengeEntity, MfaRecoveryCodeEntity, MfaTotpEntity } from './mfa/mfa.entities';
import { MfaChallengeService } from './mfa/mfa-challenge.service';
import { MfaController } from './mfa/mfa.controller';
import { MfaRepository } from './mfa/mfa.repository';
import { MfaService } from './mfa/mfa.service';
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
    TypeOrmModule.forFeature([
      RefreshTokenEntity,
      KnownLoginAddressEntity,
      SessionEntity,
      MfaTotpEntity,
      MfaRecoveryCodeEntity,
      MfaChallengeEntity,
      SigningKeyEntity,
    ]),
    PassportModule,
    JwtModule.register({}),
    UsersModule,
    RateLimitModule,
    EventsModule,
  ],
  controllers: [AuthController, SessionsController, AccountSecurityController, MfaController, JwksController],
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
    MfaRepository,
    MfaService,
    MfaChallengeService,
    AdminMfaGuard,
    SigningKeyRepository,
    SigningKeyStore,
    SigningKeysService,
    JwtSigner,
    JwtVerifier,
  ],
  exports: [
    TokenService,
    AuthenticationGuard,
    AuthService,
    AccountSecurityService,
    SessionsService,
    AdminMfaGuard,
    MfaService,
    SigningKeysService,
    JwtSigner,
    JwtVerifier,
    SigningKeyStore,
    MfaChallengeService,
  ],
})
export class AuthModule {}
