import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as QRCode from 'qrcode';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../core/crypto/secret-box';
import { AppException, conflict, notFound, validationFailed } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { Clock } from '../../core/time/clock';
import { AuditContext } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { PasswordService } from '../../users/password.service';
import { UserEntity } from '../../users/user.entity';
import { UserAccessService } from '../../users/user-access.service';
import { UserRepository } from '../../users/user.repository';
import { AuthConfig, authConfig } from '../auth.config';
import { deriveKey } from '../device-token';
import { LoginClient, LoginThrottleService } from '../login-throttle.service';
import { MfaMethod, MfaProofDto, MfaStatusDto, RecoveryCodesDto, TotpEnrolmentDto } from './dto/mfa.dto';
import { MfaRepository } from './mfa.repository';
import { TOTP_CODE_PATTERN, hashRecoveryCode, matchTotpStep, newRecoveryCodes, newTotpSecret, otpauthUri } from './totp';

export const MFA_SECRET_PURPOSE = 'mfa-totp-secrets';

/**
 * TOTP two-factor of one's own account: set-up (a secret, confirmed by its first code, which
 * returns the recovery codes once), turning it off, new recovery codes, and checking a code at
 * sign-in. The secret is sealed with SecretBox under its own purpose; recovery codes are kept as
 * keyed hashes. A TOTP step is accepted once (replay), a recovery code once.
 */
@Injectable()
export class MfaService {
  private readonly box: SecretBox;
  private readonly recoveryKey: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mfa: MfaRepository,
    private readonly users: UserRepository,
    private readonly userAccess: UserAccessService,
    private readonly passwords: PasswordService,
    private readonly audit: AuditRecorder,
    private readonly loginThrottle: LoginThrottleService,
    private readonly clock: Clock,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    this.box = new SecretBox(config.jwt.secret, MFA_SECRET_PURPOSE);
    this.recoveryKey = deriveKey(config.jwt.secret, 'mfa recovery codes v1');
  }

  async status(userId: string): Promise<MfaStatusDto> {
    const user = await this.users.getByIdOrFail(userId);
    const totp = await this.mfa.getTotp(userId);
    const enabled = user.mfaEnabled && !!totp?.confirmedAt;
    return {
      enabled,
      enabledAt: enabled && totp?.confirmedAt ? totp.confirmedAt.toISOString() : null,
      pending: !!totp && !totp.confirmedAt,
      recoveryCodesLeft: enabled ? await this.mfa.countUnusedRecoveryCodes(userId) : 0,
      required: !enabled && user.role === 'admin' && this.config.requireMfaForAdmins,
    };
  }

  /** Starts a set-up: a new secret, waiting for its first code. 409 when two-factor is already on. */
  async startTotp(userId: string): Promise<TotpEnrolmentDto> {
    const user = await this.users.getByIdOrFail(userId);
    if (user.mfaEnabled) throw conflict('Two-factor authentication is already on; turn it off first to set up a new app');
    const secret = newTotpSecret();
    await this.mfa.savePending(userId, this.box.seal(secret), new Date(this.clock.now()));
    const uri = otpauthUri(secret, user.email);
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUri: uri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /** Confirms the pending set-up with a code from the app: two-factor is on, and the recovery codes are returned (once). */
  async confirmTotp(userId: string, code: string, audit: AuditContext): Promise<RecoveryCodesDto> {
    const user = await this.users.getByIdOrFail(userId);
    if (user.mfaEnabled) throw conflict('Two-factor authentication is already on');
    const totp = await this.mfa.getTotp(userId);
    if (!totp || totp.confirmedAt) throw conflict('No set-up is waiting for a code: start one with POST /api/auth/mfa/totp');
    const now = this.clock.now();
    const step = matchTotpStep(this.box.open(totp.secret), code, now);
    if (step === null) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.InvalidMfaCode,
        'That code is not right: enter the current 6-digit code from the app (and check the device’s clock)',
      );
    }
    const codes = newRecoveryCodes();
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.mfa.confirm(manager, userId, step, new Date(now)))) throw conflict('Two-factor authentication is already on');
      await this.mfa.replaceRecoveryCodes(manager, userId, this.hashAll(userId, codes));
      await this.users.setMfaEnabled(userId, true, manager);
      await this.audit.record(manager, audit, {
        action: 'mfa.enabled',
        targetType: 'user',
        targetId: userId,
        changes: { mfaEnabled: { from: false, to: true } },
      });
    });
    this.userAccess.invalidate(userId);
    return { recoveryCodes: codes };
  }

  /** Turns two-factor off (or drops a pending set-up) after proof of the password or a code. */
  async disable(userId: string, proof: MfaProofDto, audit: AuditContext, client: LoginClient): Promise<void> {
    const user = await this.users.getByIdOrFail(userId);
    if (user.mfaEnabled) await this.requireProof(user, proof, audit, client);
    await this.dataSource.transaction(async (manager) => {
      await this.mfa.removeAll(manager, userId);
      if (!user.mfaEnabled) return;
      await this.users.setMfaEnabled(userId, false, manager);
      await this.audit.record(manager, audit, {
        action: 'mfa.disabled',
        targetType: 'user',
        targetId: userId,
        changes: { mfaEnabled: { from: true, to: false } },
      });
    });
    this.userAccess.invalidate(userId);
  }

  /** New recovery codes in place of every old one, after proof of the password or a code. */
  async regenerateRecoveryCodes(userId: string, proof: MfaProofDto, audit: AuditContext, client: LoginClient): Promise<RecoveryCodesDto> {
    const user = await this.users.getByIdOrFail(userId);
    if (!user.mfaEnabled) throw conflict('Two-factor authentication is not on');
    await this.requireProof(user, proof, audit, client);
    const codes = newRecoveryCodes();
    await this.dataSource.transaction(async (manager) => {
      await this.mfa.replaceRecoveryCodes(manager, userId, this.hashAll(userId, codes));
      await this.audit.record(manager, audit, { action: 'mfa.recovery_codes_regenerated', targetType: 'user', targetId: userId });
    });
    return { recoveryCodes: codes };
  }

  /** An admin turns a user's two-factor off (a lost device). Idempotent; 404 for an unknown user. */
  async reset(userId: string, audit: AuditContext): Promise<void> {
    const user = await this.users.getAccess(userId);
    if (!user) throw notFound('User');
    await this.dataSource.transaction(async (manager) => {
      const locked = await this.users.getForUpdate(userId, manager);
      const had = await this.mfa.removeAll(manager, userId);
      if (!locked?.mfaEnabled && !had) return;
      await this.users.setMfaEnabled(userId, false, manager);
      await this.audit.record(manager, audit, {
        action: 'mfa.reset',
        targetType: 'user',
        targetId: userId,
        changes: { mfaEnabled: { from: locked?.mfaEnabled ?? false, to: false } },
      });
    });
    this.userAccess.invalidate(userId);
  }

  /**
   * Checks a second-factor code of a user with two-factor on and spends it: a 6-digit TOTP code
   * (its step once), or a recovery code (once, audited). The method that matched, or null.
   */
  async verifyCode(user: UserEntity, code: string, audit: AuditContext): Promise<MfaMethod | null> {
    const trimmed = code.trim();
    if (TOTP_CODE_PATTERN.test(trimmed)) {
      const totp = await this.mfa.getTotp(user.id);
      if (!totp?.confirmedAt) return null;
      const step = matchTotpStep(this.box.open(totp.secret), trimmed, this.clock.now());
      return step !== null && (await this.mfa.useStep(user.id, step)) ? 'totp' : null;
    }
    const hash = hashRecoveryCode(this.recoveryKey, user.id, trimmed);
    const used = await this.dataSource.transaction(async (manager) => {
      if (!(await this.mfa.useRecoveryCode(manager, user.id, hash, new Date(this.clock.now())))) return false;
      await this.audit.record(
        manager,
        { ...audit, actorType: 'user', actorId: user.id },
        { action: 'mfa.recovery_code_used', targetType: 'user', targetId: user.id },
      );
      return true;
    });
    return used ? 'recovery_code' : null;
  }

  /** The password or a code, under the login limits (a wrong one spends an attempt like a wrong password); 403 when wrong. */
  private async requireProof(user: UserEntity, proof: MfaProofDto, audit: AuditContext, client: LoginClient): Promise<void> {
    if (!proof.password && !proof.code) {
      throw validationFailed(
        [{ field: 'password', messages: ['password or code is required'] }],
        'Confirm with your password or an authentication code',
      );
    }
    await this.loginThrottle.admit(user.email, user.id, client);
    let ok = false;
    if (proof.password) {
      const withPassword = await this.users.getByEmailWithPassword(user.email);
      ok = !!withPassword && (await this.passwords.verify(withPassword.passwordHash, proof.password));
    } else if (proof.code) {
      ok = (await this.verifyCode(user, proof.code, audit)) !== null;
    }
    if (!ok) throw new AppException(HttpStatus.FORBIDDEN, ErrorCode.InvalidCredentials, 'Wrong password or authentication code');
  }

  private hashAll(userId: string, codes: string[]): string[] {
    return codes.map((code) => hashRecoveryCode(this.recoveryKey, userId, code));
  }
}
