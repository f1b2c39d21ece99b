import { createHash, randomBytes } from 'node:crypto';
import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException, unauthorized } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { Clock } from '../../core/time/clock';
import { AuditContext } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { UserEntity } from '../../users/user.entity';
import { UserRepository } from '../../users/user.repository';
import { LoginClient, LoginThrottleService } from '../login-throttle.service';
import { MFA_METHODS, MfaChallengeDto, MfaLoginDto } from './dto/mfa.dto';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';

/** How long the second step of a login may wait for its code. */
export const MFA_TOKEN_TTL_MS = 5 * 60_000;
/** Wrong codes one `mfaToken` takes before it is used up. */
export const MFA_TOKEN_MAX_ATTEMPTS = 5;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The second step of a login for an account with two-factor on: the password step answers with an
 * `mfaToken` (random, stored as its hash) instead of a credential; the code step trades it and a
 * code for the account. A token is single-use, lasts MFA_TOKEN_TTL_MS and dies after
 * MFA_TOKEN_MAX_ATTEMPTS wrong codes; every code attempt also spends a login attempt of the
 * account's login limits, as a password does.
 */
@Injectable()
export class MfaChallengeService {
  private readonly logger = new Logger(MfaChallengeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly challenges: MfaRepository,
    private readonly users: UserRepository,
    private readonly mfa: MfaService,
    private readonly loginThrottle: LoginThrottleService,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async issue(user: UserEntity): Promise<MfaChallengeDto> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now + MFA_TOKEN_TTL_MS);
    await this.challenges.createChallenge(user.id, hashToken(token), expiresAt, new Date(now));
    return { mfaRequired: true, mfaToken: token, mfaTokenExpiresAt: expiresAt.toISOString(), methods: [...MFA_METHODS] };
  }

  /** The account a token and a right code open; 401 `invalid_token` for a spent, expired or unknown token, 401 `invalid_mfa_code` for a wrong code. */
  async redeem(dto: MfaLoginDto, audit: AuditContext, client: LoginClient): Promise<UserEntity> {
    const now = new Date(this.clock.now());
    const challenge = await this.challenges.attemptChallenge(hashToken(dto.mfaToken), now, MFA_TOKEN_MAX_ATTEMPTS);
    if (!challenge) throw this.tokenGone();
    const user = await this.users.getActive(challenge.userId);
    if (!user || !user.mfaEnabled) {
      await this.challenges.consumeChallenge(challenge.id, now);
      throw this.tokenGone();
    }
    await this.loginThrottle.admit(user.email, user.id, client);
    const method = await this.mfa.verifyCode(user, dto.code, audit);
    if (!method) {
      const attemptsLeft = MFA_TOKEN_MAX_ATTEMPTS - challenge.attempts;
      if (attemptsLeft <= 0) await this.challenges.consumeChallenge(challenge.id, now);
      this.logger.log({ event: 'login_failed', userId: user.id }, 'Login failed: wrong authentication code');
      await this.audit.record(this.dataSource.manager, audit, {
        action: 'user.login_failed',
        targetType: 'user',
        targetId: user.id,
        changes: { reason: { from: null, to: 'wrong_mfa_code' } },
      });
      throw new AppException(
        HttpStatus.UNAUTHORIZED,
        ErrorCode.InvalidMfaCode,
        attemptsLeft > 0 ? 'Invalid authentication code' : 'Invalid authentication code; too many tries: sign in again with your password',
        undefined,
        undefined,
        { attemptsLeft },
      );
    }
    if (!(await this.challenges.consumeChallenge(challenge.id, now))) throw this.tokenGone();
    return user;
  }

  private tokenGone(): AppException {
    return unauthorized(ErrorCode.InvalidToken, 'This sign-in has expired or was already used; sign in again with your password');
  }
}
