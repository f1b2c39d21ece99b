import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException, conflict, unauthorized, validationFailed } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { isUniqueViolation } from '../../core/errors/database-errors';
import { Clock } from '../../core/time/clock';
import { Principal } from '../../access/principal';
import { AuditContext } from '../../events/audit-context';
import { AuditRecorder, diff } from '../../events/audit-recorder';
import { PasswordService } from '../../users/password.service';
import { UserAccessService } from '../../users/user-access.service';
import { UserEntity } from '../../users/user.entity';
import { UserRepository } from '../../users/user.repository';
import { UserResponseDto } from '../dto/auth-response.dto';
import { LoginClient, LoginThrottleService } from '../login-throttle.service';
import { SessionsService } from '../sessions/sessions.service';
import { toUserResponse } from '../user.mapper';
import { ChangePasswordDto, UpdateProfileDto } from './account.dto';
import { assertPerson } from './person';

/**
 * A signed-in person's own credentials and profile. Every check of the current password runs
 * under the login limits (LoginThrottleService), so a stolen session cannot guess it faster than
 * the sign-in form could.
 */
@Injectable()
export class AccountSecurityService {
  private readonly logger = new Logger(AccountSecurityService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly passwords: PasswordService,
    private readonly loginThrottle: LoginThrottleService,
    private readonly sessions: SessionsService,
    private readonly userAccess: UserAccessService,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  /**
   * The caller's account once `password` is proven to be its password. Wrong: 403
   * `invalid_credentials` (not 401: the request's own credential is fine, and a client that
   * treats 401 as "signed out" must not drop its session over a typo).
   */
  async confirmPassword(caller: Principal, password: string, client: LoginClient): Promise<UserEntity> {
    assertPerson(caller);
    const user = await this.users.getByIdWithPassword(caller.userId);
    if (!user) throw unauthorized(ErrorCode.InvalidToken, 'This account no longer exists');
    await this.loginThrottle.admit(user.email, user.id, client);
    if (!(await this.passwords.verify(user.passwordHash, password))) {
      this.logger.log({ event: 'password_confirmation_failed', userId: user.id }, 'Password confirmation failed');
      throw new AppException(HttpStatus.FORBIDDEN, ErrorCode.InvalidCredentials, 'The current password is incorrect');
    }
    return user;
  }

  /** Name (any time) and email (with the current password; 409 when another account has it). */
  async updateProfile(caller: Principal, dto: UpdateProfileDto, client: LoginClient, audit: AuditContext): Promise<UserResponseDto> {
    assertPerson(caller);
    if (dto.name === undefined && dto.email === undefined) {
      throw validationFailed([{ field: 'body', messages: ['give name and/or email'] }]);
    }
    const current = await this.users.getByIdOrFail(caller.userId);
    if (dto.email !== undefined && dto.email !== current.email) {
      if (!dto.currentPassword) {
        throw validationFailed([{ field: 'currentPassword', messages: ['currentPassword is required to change email'] }]);
      }
      await this.confirmPassword(caller, dto.currentPassword, client);
    }
    try {
      const saved = await this.dataSource.transaction(async (manager) => {
        const user = await this.users.getForUpdate(caller.userId, manager);
        if (!user) throw unauthorized(ErrorCode.InvalidToken, 'This account no longer exists');
        const before = { ...user };
        if (dto.name !== undefined) user.name = dto.name;
        if (dto.email !== undefined) user.email = dto.email;
        const after = await this.users.save(user, manager);
        const changes = diff(before, after, ['name', 'email']);
        if (changes) await this.audit.record(manager, audit, { action: 'user.updated', targetType: 'user', targetId: user.id, changes });
        return after;
      });
      return toUserResponse(saved);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('An account with this email already exists');
      throw error;
    }
  }

  /**
   * A new password, under the registration policy. Every other browser session and every refresh
   * token end; access JWTs issued before now are refused from the next request on (the user's
   * `passwordChangedAt`, checked by JwtStrategy), on every instance. The browser session that
   * asked stays signed in; a JWT caller logs in again with the new password.
   */
  async changePassword(caller: Principal, dto: ChangePasswordDto, client: LoginClient, audit: AuditContext): Promise<void> {
    assertPerson(caller);
    if (dto.newPassword === dto.currentPassword) {
      throw validationFailed([{ field: 'newPassword', messages: ['newPassword must differ from the current password'] }]);
    }
    const user = await this.confirmPassword(caller, dto.currentPassword, client);
    const passwordHash = await this.passwords.hash(dto.newPassword);
    await this.dataSource.transaction(async (manager) => {
      await this.users.setPassword(user.id, passwordHash, this.clock.date(), manager);
      await this.sessions.revokeAllBut(manager, user.id, caller.sessionId, audit);
      await this.audit.record(manager, audit, { action: 'user.password_changed', targetType: 'user', targetId: user.id });
    });
    this.userAccess.invalidate(user.id);
  }
}
