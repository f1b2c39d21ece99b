import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../app.config';
import { AppException } from '../../core/errors/app.exception';
import { Clock } from '../../core/time/clock';
import { AuditContext } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { PasswordService } from '../../users/password.service';
import { UserEntity } from '../../users/user.entity';
import { UserRepository } from '../../users/user.repository';
import { FakeAuditRecorder, FakeTransactions } from '../../../test/support/unit-fakes';
import { LoginThrottleService } from '../login-throttle.service';
import { MfaChallengeEntity } from './mfa.entities';
import { MfaRepository, TotpWithSecret } from './mfa.repository';
import { MFA_TOKEN_MAX_ATTEMPTS, MFA_TOKEN_TTL_MS, MfaChallengeService } from './mfa-challenge.service';
import { MfaService } from './mfa.service';
import { totpCode } from './totp';
import { UserAccessService } from '../../users/user-access.service';

/** The two-factor tables in memory, with the same one-time rules as the SQL. */
class FakeMfaRepository {
  totp = new Map<string, TotpWithSecret>();
  codes: Array<{ userId: string; codeHash: string; usedAt: Date | null }> = [];
  challenges: MfaChallengeEntity[] = [];

  getTotp = async (userId: string) => this.totp.get(userId) ?? null;
  savePending = async (userId: string, secret: string, now: Date) => {
    this.totp.set(userId, Object.assign(new MfaTotpStub(), { userId, secret, createdAt: now, confirmedAt: null, lastUsedStep: null }));
  };
  confirm = async (_m: unknown, userId: string, step: number, now: Date) => {
    const row = this.totp.get(userId);
    if (!row || row.confirmedAt) return false;
    Object.assign(row, { confirmedAt: now, lastUsedStep: String(step) });
    return true;
  };
  useStep = async (userId: string, step: number) => {
    const row = this.totp.get(userId);
    if (!row?.confirmedAt || (row.lastUsedStep !== null && Number(row.lastUsedStep) >= step)) return false;
    row.lastUsedStep = String(step);
    return true;
  };
  replaceRecoveryCodes = async (_m: unknown, userId: string, hashes: string[]) => {
    this.codes = [
      ...this.codes.filter((code) => code.userId !== userId),
      ...hashes.map((codeHash) => ({ userId, codeHash, usedAt: null })),
    ];
  };
  useRecoveryCode = async (_m: unknown, userId: string, codeHash: string, now: Date) => {
    const code = this.codes.find((row) => row.userId === userId && row.codeHash === codeHash && !row.usedAt);
    if (!code) return false;
    code.usedAt = now;
    return true;
  };
  countUnusedRecoveryCodes = async (userId: string) => this.codes.filter((row) => row.userId === userId && !row.usedAt).length;
  removeAll = async (_m: unknown, userId: string) => this.totp.delete(userId);
  createChallenge = async (userId: string, tokenHash: string, expiresAt: Date) => {
    this.challenges.push(
      Object.assign(new MfaChallengeEntity(), {
        id: `c${this.challenges.length}`,
        userId,
        tokenHash,
        expiresAt,
        attempts: 0,
        consumedAt: null,
      }),
    );
  };
  attemptChallenge = async (tokenHash: string, now: Date, max: number) => {
    const row = this.challenges.find((c) => c.tokenHash === tokenHash && !c.consumedAt && c.expiresAt > now && c.attempts < max);
    if (!row) return null;
    row.attempts += 1;
    return { ...row };
  };
  consumeChallenge = async (id: string, now: Date) => {
    const row = this.challenges.find((c) => c.id === id && !c.consumedAt);
    if (!row) return false;
    row.consumedAt = now;
    return true;
  };
}
class MfaTotpStub {}

class ManualClock extends Clock {
  at = Date.parse('2026-03-01T12:00:10.000Z');
  override now(): number {
    return this.at;
  }
}

const ANONYMOUS: AuditContext = {
  actorType: 'anonymous',
  actorId: null,
  actorKeyId: null,
  ip: '127.0.0.1',
  userAgent: null,
  requestId: null,
};
const CLIENT = { ip: '127.0.0.1', deviceTokens: [] };

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

describe('two-factor services', () => {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'mfa-unit-secret-'.padEnd(48, 'x') });
  let clock: ManualClock;
  let repo: FakeMfaRepository;
  let audit: FakeAuditRecorder;
  let user: UserEntity;
  let throttle: { admit: jest.Mock };
  let userAccess: { invalidate: jest.Mock };
  let mfa: MfaService;
  let challenges: MfaChallengeService;

  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));

  beforeEach(() => {
    clock = new ManualClock();
    repo = new FakeMfaRepository();
    const transactions = new FakeTransactions();
    audit = new FakeAuditRecorder(transactions);
    user = Object.assign(new UserEntity(), { id: 'user-1', email: 'ada@example.com', role: 'user', isActive: true, mfaEnabled: false });
    const users = {
      getByIdOrFail: jest.fn(async () => user),
      getActive: jest.fn(async () => (user.isActive ? user : null)),
      getAccess: jest.fn(async () => user),
      getForUpdate: jest.fn(async () => user),
      getByEmailWithPassword: jest.fn(async () => Object.assign(user, { passwordHash: 'hash' })),
      setMfaEnabled: jest.fn(async (_id: string, enabled: boolean) => {
        user.mfaEnabled = enabled;
      }),
    };
    throttle = { admit: jest.fn(async () => undefined) };
    userAccess = { invalidate: jest.fn() };
    const passwords = { verify: jest.fn(async (_hash: string, password: string) => password === 'right-password') };
    mfa = new MfaService(
      transactions as unknown as DataSource,
      repo as unknown as MfaRepository,
      users as unknown as UserRepository,
      userAccess as unknown as UserAccessService,
      passwords as unknown as PasswordService,
      audit as unknown as AuditRecorder,
      throttle as unknown as LoginThrottleService,
      clock,
      config,
    );
    challenges = new MfaChallengeService(
      transactions as unknown as DataSource,
      repo as unknown as MfaRepository,
      users as unknown as UserRepository,
      mfa,
      throttle as unknown as LoginThrottleService,
      audit as unknown as AuditRecorder,
      clock,
    );
  });

  async function enrol(): Promise<{ secret: string; recoveryCodes: string[] }> {
    const { secret } = await mfa.startTotp(user.id);
    const { recoveryCodes } = await mfa.confirmTotp(user.id, totpCode(secret, clock.now()), ANONYMOUS);
    // The cached access record (REQUIRE_MFA_FOR_ADMINS reads it) forgets the old state after commit.
    expect(userAccess.invalidate).toHaveBeenCalledWith(user.id);
    clock.at += 30_000;
    return { secret, recoveryCodes };
  }

  it('seals the secret at rest', async () => {
    const { secret } = await mfa.startTotp(user.id);
    const stored = repo.totp.get(user.id)?.secret as string;
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
  });

  it('turns on with a right code only, audited, and keeps recovery codes as hashes', async () => {
    const { secret } = await mfa.startTotp(user.id);
    expect((await rejection(mfa.confirmTotp(user.id, '000000', ANONYMOUS))).code).toBe('invalid_mfa_code');
    const { recoveryCodes } = await mfa.confirmTotp(user.id, totpCode(secret, clock.now()), ANONYMOUS);
    expect(user.mfaEnabled).toBe(true);
    expect(audit.actions).toEqual(['mfa.enabled']);
    expect(repo.codes.map((code) => code.codeHash)).not.toContain(recoveryCodes[0]);
    expect(repo.codes.map((code) => code.codeHash).join()).not.toContain(recoveryCodes[0].replace('-', ''));
  });

  it('refuses the code that confirmed the set-up at sign-in (the same step)', async () => {
    const { secret } = await mfa.startTotp(user.id);
    const code = totpCode(secret, clock.now());
    await mfa.confirmTotp(user.id, code, ANONYMOUS);
    expect(await mfa.verifyCode(user, code, ANONYMOUS)).toBeNull();
  });

  it('accepts a TOTP code once, and an older step after a newer one never', async () => {
    const { secret } = await enrol();
    const current = totpCode(secret, clock.now());
    const previous = totpCode(secret, clock.now() - 30_000);
    expect(await mfa.verifyCode(user, current, ANONYMOUS)).toBe('totp');
    expect(await mfa.verifyCode(user, current, ANONYMOUS)).toBeNull();
    expect(await mfa.verifyCode(user, previous, ANONYMOUS)).toBeNull();
  });

  it('accepts a recovery code once, audited', async () => {
    const { recoveryCodes } = await enrol();
    expect(await mfa.verifyCode(user, recoveryCodes[3], ANONYMOUS)).toBe('recovery_code');
    expect(await mfa.verifyCode(user, recoveryCodes[3], ANONYMOUS)).toBeNull();
    expect(audit.actions.filter((action) => action === 'mfa.recovery_code_used')).toHaveLength(1);
    expect(await mfa.status(user.id)).toMatchObject({ enabled: true, recoveryCodesLeft: 9 });
  });

  it('issues single-use tokens that redeem once for the account', async () => {
    const { secret } = await enrol();
    user.mfaEnabled = true;
    const { mfaToken, methods } = await challenges.issue(user);
    expect(methods).toEqual(['totp', 'recovery_code']);
    expect(repo.challenges[0].tokenHash).not.toBe(mfaToken);
    await expect(challenges.redeem({ mfaToken, code: totpCode(secret, clock.now()) }, ANONYMOUS, CLIENT)).resolves.toBe(user);
    clock.at += 30_000;
    const again = await rejection(challenges.redeem({ mfaToken, code: totpCode(secret, clock.now()) }, ANONYMOUS, CLIENT));
    expect(again.code).toBe('invalid_token');
  });

  it('expires a token after MFA_TOKEN_TTL_MS', async () => {
    const { secret } = await enrol();
    const { mfaToken } = await challenges.issue(user);
    clock.at += MFA_TOKEN_TTL_MS;
    expect((await rejection(challenges.redeem({ mfaToken, code: totpCode(secret, clock.now()) }, ANONYMOUS, CLIENT))).code).toBe(
      'invalid_token',
    );
  });

  it('spends a login attempt on every code, and kills the token after the last wrong one', async () => {
    const { secret } = await enrol();
    const { mfaToken } = await challenges.issue(user);
    for (let left = MFA_TOKEN_MAX_ATTEMPTS - 1; left >= 0; left -= 1) {
      const wrong = await rejection(challenges.redeem({ mfaToken, code: '000000' }, ANONYMOUS, CLIENT));
      expect(wrong.code).toBe('invalid_mfa_code');
      expect(wrong.extra).toEqual({ attemptsLeft: left });
    }
    expect(throttle.admit).toHaveBeenCalledTimes(MFA_TOKEN_MAX_ATTEMPTS);
    expect(throttle.admit).toHaveBeenCalledWith('ada@example.com', 'user-1', CLIENT);
    expect((await rejection(challenges.redeem({ mfaToken, code: totpCode(secret, clock.now()) }, ANONYMOUS, CLIENT))).code).toBe(
      'invalid_token',
    );
  });

  it('refuses a token of an account that turned two-factor off meanwhile', async () => {
    const { secret } = await enrol();
    const { mfaToken } = await challenges.issue(user);
    await mfa.disable(user.id, { password: 'right-password' }, ANONYMOUS, CLIENT);
    expect((await rejection(challenges.redeem({ mfaToken, code: totpCode(secret, clock.now()) }, ANONYMOUS, CLIENT))).code).toBe(
      'invalid_token',
    );
  });

  it('turns off and regenerates only with proof: the password or a code', async () => {
    const { secret, recoveryCodes } = await enrol();
    expect((await rejection(mfa.disable(user.id, {}, ANONYMOUS, CLIENT))).code).toBe('validation_failed');
    expect((await rejection(mfa.disable(user.id, { password: 'wrong' }, ANONYMOUS, CLIENT))).getStatus()).toBe(403);
    const fresh = await mfa.regenerateRecoveryCodes(user.id, { code: totpCode(secret, clock.now()) }, ANONYMOUS, CLIENT);
    expect(fresh.recoveryCodes).toHaveLength(10);
    expect(await mfa.verifyCode(user, recoveryCodes[0], ANONYMOUS)).toBeNull();
    await mfa.disable(user.id, { code: fresh.recoveryCodes[0] }, ANONYMOUS, CLIENT);
    expect(user.mfaEnabled).toBe(false);
    expect(audit.actions).toEqual(['mfa.enabled', 'mfa.recovery_codes_regenerated', 'mfa.recovery_code_used', 'mfa.disabled']);
  });
});
