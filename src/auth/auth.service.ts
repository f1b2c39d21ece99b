import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { conflict, forbidden, unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { AuthConfig, authConfig } from './auth.config';
import { LoginDto, RegisterDto } from './dto/auth.dto';
import { LoginResponseDto, TokenPairDto, UserResponseDto } from './dto/auth-response.dto';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { PasswordService } from '../users/password.service';
import { IssuedTokens, TokenService } from './token.service';
import { UserAccessService } from '../users/user-access.service';
import { toUserResponse } from './user.mapper';
import { LoginClient, LoginThrottleService } from './login-throttle.service';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { isUniqueViolation } from '../core/errors/database-errors';
import { MfaChallengeDto, MfaLoginDto } from './mfa/dto/mfa.dto';
import { MfaChallengeService } from './mfa/mfa-challenge.service';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly userAccess: UserAccessService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly loginThrottle: LoginThrottleService,
    private readonly audit: AuditRecorder,
    private readonly mfaChallenges: MfaChallengeService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (admin) await this.ensureBootstrapAdmin(admin.email, admin.password);
  }

  async register(dto: RegisterDto, audit: AuditContext): Promise<UserResponseDto> {
    if (!this.config.allowRegistration) throw forbidden('Registration is closed on this server');
    const passwordHash = await this.passwords.hash(dto.password);
    try {
      const user = await this.dataSource.transaction(async (manager) => {
        const created = await this.users.create({ email: dto.email, name: dto.name ?? null, passwordHash, role: 'user' }, manager);
        await this.audit.record(
          manager,
          { ...audit, actorType: 'user', actorId: created.id },
          {
            action: 'user.registered',
            targetType: 'user',
            targetId: created.id,
            changes: { email: { from: null, to: created.email } },
          },
        );
        return created;
      });
      return toUserResponse(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('An account with this email already exists');
      throw error;
    }
  }

  /**
   * The account these credentials open, under the login limits; unknown email, wrong password and
   * deactivated account all give the same 401 in similar time, and are audited as a failed login.
   * Shared by the token login and the browser session sign-in.
   */
  async checkCredentials(dto: LoginDto, audit: AuditContext, client: LoginClient): Promise<UserEntity> {
    const user = await this.users.getByEmailWithPassword(dto.email);
    // Before the password is checked: a trusted client (device token, known address) spends its own
    // budget, anyone else the per-account and per-address ones (LoginThrottleService).
    await this.loginThrottle.admit(dto.email, user?.id ?? null, client);
    const valid = user
      ? await this.passwords.verify(user.passwordHash, dto.password)
      : await this.passwords.verifyAgainstDummy(dto.password);
    if (!user || !valid || !user.isActive) {
      this.logger.log({ event: 'login_failed', userId: user?.id }, 'Login failed');
      // Never the submitted email: one that matched no account may be a password typed in the wrong field.
      const reason = !user ? 'unknown_account' : !valid ? 'wrong_password' : 'inactive';
      await this.audit.record(this.dataSource.manager, audit, {
        action: 'user.login_failed',
        targetType: 'user',
        targetId: user?.id ?? null,
        changes: { reason: { from: null, to: reason } },
      });
      throw unauthorized(ErrorCode.InvalidCredentials, 'Invalid email or password');
    }
    return user;
  }

  /** Tokens for the right password; for an account with two-factor on, the `mfaToken` of the code step instead. */
  async login(dto: LoginDto, audit: AuditContext, client: LoginClient): Promise<LoginResponseDto | MfaChallengeDto> {
    const user = await this.checkCredentials(dto, audit, client);
    if (user.mfaEnabled) return this.mfaChallenges.issue(user);
    return this.finishLogin(user, audit, client);
  }

  /** The code step of a login with two-factor on: the `mfaToken` and a code for the login shape. */
  async loginWithMfa(dto: MfaLoginDto, audit: AuditContext, client: LoginClient): Promise<LoginResponseDto> {
    const user = await this.mfaChallenges.redeem(dto, audit, client);
    return this.finishLogin(user, audit, client);
  }

  private async finishLogin(user: UserEntity, audit: AuditContext, client: LoginClient): Promise<LoginResponseDto> {
    const issued = await this.dataSource.transaction(async (manager) => {
      const tokens = await this.tokens.issue(user.id, manager);
      await this.audit.record(
        manager,
        { ...audit, actorType: 'user', actorId: user.id },
        { action: 'user.login_succeeded', targetType: 'user', targetId: user.id },
      );
      return tokens;
    });
    const device = await this.loginThrottle.trust(user.id, client.ip);
    return { ...this.toTokenPair(issued, user), deviceToken: device.token, deviceTokenExpiresAt: new Date(device.expiresAt).toISOString() };
  }

  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const issued = await this.tokens.rotate(refreshToken);
    const user = await this.users.getByIdOrFail(issued.userId);
    return this.toTokenPair(issued, user);
  }

  async logout(refreshToken: string): Promise<void> {
    if (!(await this.tokens.revokeFamily(refreshToken))) {
      throw unauthorized(ErrorCode.InvalidToken, 'Invalid refresh token');
    }
  }

  /** Creates the configured bootstrap admin, or promotes that account; never duplicates or demotes. */
  async ensureBootstrapAdmin(email: string, password: string): Promise<void> {
    const normalised = email.trim().toLowerCase();
    const existing = await this.users.getByEmail(normalised);
    if (existing) {
      if (existing.role !== 'admin') {
        await this.users.setRole(existing.id, 'admin');
        this.userAccess.invalidate(existing.id);
        this.logger.warn({ userId: existing.id }, 'Bootstrap admin: existing account promoted to admin');
      }
      return;
    }
    try {
      const created = await this.users.create({
        email: normalised,
        name: 'Administrator',
        passwordHash: await this.passwords.hash(password),
        role: 'admin',
      });
      this.logger.log({ userId: created.id }, 'Bootstrap admin created');
    } catch (error) {
      // Another instance created it at the same moment: promote whatever is there.
      if (!isUniqueViolation(error)) throw error;
      const raced = await this.users.getByEmail(normalised);
      if (!raced) return;
      await this.users.setRole(raced.id, 'admin');
      this.userAccess.invalidate(raced.id);
    }
  }

  /** The caller's own account, for `GET /api/auth/me`. */
  async profile(userId: string): Promise<UserResponseDto> {
    return toUserResponse(await this.users.getByIdOrFail(userId));
  }

  get registrationOpen(): boolean {
    return this.config.allowRegistration;
  }

  private toTokenPair(issued: IssuedTokens, user: UserEntity): TokenPairDto {
    return {
      accessToken: issued.accessToken,
      tokenType: 'Bearer',
      expiresIn: issued.expiresIn,
      expiresAt: issued.expiresAt.toISOString(),
      refreshToken: issued.refreshToken,
      refreshExpiresAt: issued.refreshExpiresAt.toISOString(),
      user: toUserResponse(user),
    };
  }
}
