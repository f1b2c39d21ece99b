import { HttpException, Logger } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AppException } from '../core/errors/app.exception';
import { AppConfig, loadConfig } from '../app.config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { Clock } from '../core/time/clock';
import { AuthService } from './auth.service';
import { UserEntity } from '../users/user.entity';
import { NewUser, UserRepository } from '../users/user.repository';
import { PasswordService } from '../users/password.service';
import { IssuedTokens, TokenService } from './token.service';
import { UserAccessService } from '../users/user-access.service';
import { LoginClient, LoginThrottleService } from './login-throttle.service';
import { KnownLoginAddressRepository } from './known-login-address.repository';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { FakeAuditRecorder, FakeTransactions } from '../../test/support/unit-fakes';
import { MfaChallengeService } from './mfa/mfa-challenge.service';
import type { LoginResponseDto } from './dto/auth-response.dto';

const CHALLENGE = {
  mfaRequired: true as const,
  mfaToken: 'mfa-token',
  mfaTokenExpiresAt: '2026-01-01T00:05:00.000Z',
  methods: ['totp' as const, 'recovery_code' as const],
};
const mfaChallenges = { issue: jest.fn(async () => CHALLENGE), redeem: jest.fn() };

/** The users table behind UserRepository's interface, in memory. */
class FakeUsers implements Pick<UserRepository, 'getByEmail' | 'getByEmailWithPassword' | 'getByIdOrFail' | 'create' | 'setRole'> {
  readonly rows: UserEntity[] = [];
  /** What `create` rejects with, once set. */
  createError?: unknown;
  /** Stored as `create` fails: the account another instance created at the same moment. */
  racedBy?: Partial<UserEntity> & Pick<UserEntity, 'email'>;
  private nextId = 1;

  readonly getByEmail = jest.fn(async (email: string) => this.rows.find((row) => row.email === email) ?? null);
  readonly getByEmailWithPassword = jest.fn(async (email: string) => this.rows.find((row) => row.email === email) ?? null);
  readonly getByIdOrFail = jest.fn(async (id: string) => {
    const user = this.rows.find((row) => row.id === id);
    if (!user) throw new Error(`no user ${id}`);
    return user;
  });

  readonly create = jest.fn(async (user: NewUser, _manager?: EntityManager): Promise<UserEntity> => {
    if (this.racedBy) this.seed(this.racedBy);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the failure a test injects, thrown as given
    if (this.createError) throw this.createError;
    const now = new Date('2026-01-01T00:00:00.000Z');
    const created = Object.assign(new UserEntity(), {
      ...user,
      id: `user-${this.nextId++}`,
      isActive: true,
      mfaEnabled: false,
      createdAt: now,
      updatedAt: now,
    });
    this.rows.push(created);
    return created;
  });

  readonly setRole = jest.fn(async (id: string, role: UserEntity['role']): Promise<void> => {
    for (const row of this.rows) if (row.id === id) row.role = role;
  });

  seed(user: Partial<UserEntity> & Pick<UserEntity, 'email'>): UserEntity {
    const now = new Date('2025-01-01T00:00:00.000Z');
    const row = Object.assign(new UserEntity(), {
      id: `seed-${this.rows.length + 1}`,
      name: null,
      passwordHash: 'hash:right-password',
      role: 'user',
      isActive: true,
      mfaEnabled: false,
      createdAt: now,
      updatedAt: now,
      ...user,
    });
    this.rows.push(row);
    return row;
  }
}

type FakePasswords = { [K in 'hash' | 'verify' | 'verifyAgainstDummy']: jest.MockedFunction<PasswordService[K]> };
type FakeTokens = { [K in 'issue' | 'rotate' | 'revokeFamily']: jest.MockedFunction<TokenService[K]> };
type FakeUserAccess = { [K in 'get' | 'invalidate']: jest.MockedFunction<UserAccessService[K]> };
type FakeKnownAddresses = { [K in 'isKnown' | 'remember' | 'forgetOlderThan']: jest.MockedFunction<KnownLoginAddressRepository[K]> };

const fakePasswords = (): FakePasswords => ({
  hash: jest.fn(async (password: string) => `hash:${password}`),
  verify: jest.fn(async (hash: string, password: string) => hash === `hash:${password}`),
  verifyAgainstDummy: jest.fn(async (_password: string) => false as const),
});

const ISSUED: IssuedTokens = {
  accessToken: 'access-token',
  expiresIn: 3600,
  expiresAt: new Date('2026-01-01T01:00:00.000Z'),
  refreshToken: 'refresh-token',
  refreshExpiresAt: new Date('2026-01-08T00:00:00.000Z'),
};

const fakeTokens = (): FakeTokens => ({
  issue: jest.fn<Promise<IssuedTokens>, Parameters<TokenService['issue']>>(async () => ISSUED),
  rotate: jest.fn(),
  revokeFamily: jest.fn(),
});

/** No address is known yet: every login spends the untrusted budgets. */
const fakeKnownAddresses = (): FakeKnownAddresses => ({
  isKnown: jest.fn<Promise<boolean>, Parameters<KnownLoginAddressRepository['isKnown']>>(async () => false),
  remember: jest.fn<Promise<void>, Parameters<KnownLoginAddressRepository['remember']>>(async () => undefined),
  forgetOlderThan: jest.fn<Promise<void>, Parameters<KnownLoginAddressRepository['forgetOlderThan']>>(async () => undefined),
});

/** The configuration the app would load, with per-test overrides. */
function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48) }), ...overrides };
}

/** A client with no device token, from the address of ANONYMOUS. */
const CLIENT: LoginClient = { ip: '127.0.0.1', deviceTokens: [] };

/** A request with nobody signed in, as register and login see it. */
const ANONYMOUS: AuditContext = {
  actorType: 'anonymous',
  actorId: null,
  actorKeyId: null,
  ip: '127.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
};

const uniqueViolation = (): QueryFailedError =>
  new QueryFailedError('INSERT INTO "users" ...', [], Object.assign(new Error('duplicate key value'), { code: '23505' }));

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

describe('AuthService', () => {
  let transactions: FakeTransactions;
  let users: FakeUsers;
  let audit: FakeAuditRecorder;
  let passwords: FakePasswords;
  let tokens: FakeTokens;
  let userAccess: FakeUserAccess;
  let knownAddresses: FakeKnownAddresses;

  const makeService = (config: AppConfig = testConfig()): AuthService =>
    new AuthService(
      transactions as unknown as DataSource,
      users as unknown as UserRepository,
      passwords as unknown as PasswordService,
      tokens as unknown as TokenService,
      userAccess as unknown as UserAccessService,
      config,
      new LoginThrottleService(
        config,
        config.rateLimit,
        new RateLimitService(config.rateLimit, config, new Clock()),
        knownAddresses as unknown as KnownLoginAddressRepository,
        new Clock(),
      ),
      audit as unknown as AuditRecorder,
      mfaChallenges as unknown as MfaChallengeService,
    );

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation();
    transactions = new FakeTransactions();
    users = new FakeUsers();
    audit = new FakeAuditRecorder(transactions);
    passwords = fakePasswords();
    tokens = fakeTokens();
    userAccess = { get: jest.fn(), invalidate: jest.fn() };
    knownAddresses = fakeKnownAddresses();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('register', () => {
    const register = (service = makeService()) =>
      service.register({ email: 'ada@example.com', password: 'a-long-enough-password' }, ANONYMOUS);

    it('stores a user with the hashed password and the user role, and never returns the hash', async () => {
      const response = await register();

      expect(passwords.hash).toHaveBeenCalledWith('a-long-enough-password');
      expect(users.create).toHaveBeenCalledWith(
        { email: 'ada@example.com', name: null, passwordHash: 'hash:a-long-enough-password', role: 'user' },
        transactions.transactional,
      );
      expect(response).toMatchObject({ email: 'ada@example.com', name: null, role: 'user', isActive: true });
      expect(response).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(response)).not.toContain('a-long-enough-password');
    });

    it('records user.registered, acted by the new user, in the transaction that stores the user', async () => {
      const response = await register();

      expect(transactions.transaction).toHaveBeenCalledTimes(1);
      expect(response.id).toBe(users.rows[0].id);
      expect(audit.calls).toEqual([
        {
          manager: transactions.transactional,
          inTransaction: true,
          context: { ...ANONYMOUS, actorType: 'user', actorId: response.id },
          event: {
            action: 'user.registered',
            targetType: 'user',
            targetId: response.id,
            changes: { email: { from: null, to: 'ada@example.com' } },
          },
        },
      ]);
      const recorded = JSON.stringify(audit.calls);
      expect(recorded).not.toContain('a-long-enough-password');
      expect(recorded).not.toContain('hash:');
    });

    it('maps a unique violation to 409 conflict', async () => {
      users.createError = uniqueViolation();
      const error = await rejection(register());
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(audit.calls).toEqual([]);
    });

    it('rethrows any other database error unchanged', async () => {
      const notNull = new QueryFailedError('INSERT ...', [], Object.assign(new Error('null value'), { code: '23502' }));
      users.createError = notNull;
      await expect(register()).rejects.toBe(notNull);
      expect(audit.calls).toEqual([]);
    });

    it('is refused with 403 forbidden when registration is closed, before any hashing or write', async () => {
      const error = await rejection(register(makeService(testConfig({ allowRegistration: false }))));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('forbidden');
      expect(passwords.hash).not.toHaveBeenCalled();
      expect(users.create).not.toHaveBeenCalled();
      expect(audit.calls).toEqual([]);
    });
  });

  describe('login', () => {
    const expectInvalidCredentials = async (promise: Promise<unknown>): Promise<string> => {
      const error = await rejection(promise);
      expect(error.getStatus()).toBe(401);
      expect(error.code).toBe('invalid_credentials');
      expect(tokens.issue).not.toHaveBeenCalled();
      return error.message;
    };

    /**
     * Exactly one user.login_failed, recorded (and awaited) before the 401 through the connection's
     * manager, outside any transaction, acted by the anonymous caller, and without the password
     * tried or the submitted email.
     */
    const expectLoginFailed = (targetId: string | null, reason: string, email: string, password: string): void => {
      expect(audit.calls).toEqual([
        {
          manager: transactions.manager,
          inTransaction: false,
          context: ANONYMOUS,
          event: { action: 'user.login_failed', targetType: 'user', targetId, changes: { reason: { from: null, to: reason } } },
        },
      ]);
      expect(transactions.transaction).not.toHaveBeenCalled();
      const recorded = JSON.stringify(audit.calls);
      expect(recorded).not.toContain(password);
      expect(recorded).not.toContain('hash:');
      // The submitted email is never kept: one that matches no account may be a mistyped password.
      expect(recorded).not.toContain(email);
    };

    it('issues tokens for the right password', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      const pair = (await makeService().login(
        { email: 'ada@example.com', password: 'right-password' },
        ANONYMOUS,
        CLIENT,
      )) as LoginResponseDto;

      expect(users.getByEmailWithPassword).toHaveBeenCalledWith('ada@example.com');
      expect(tokens.issue).toHaveBeenCalledWith(user.id, transactions.transactional);
      expect(pair).toMatchObject({
        accessToken: 'access-token',
        tokenType: 'Bearer',
        expiresIn: 3600,
        expiresAt: '2026-01-01T01:00:00.000Z',
        refreshToken: 'refresh-token',
        refreshExpiresAt: '2026-01-08T00:00:00.000Z',
        user: { id: user.id, email: 'ada@example.com' },
      });
      expect(pair.user).not.toHaveProperty('passwordHash');
    });

    it('answers an mfa challenge instead of tokens when two-factor is on', async () => {
      const user = users.seed({ email: 'ada@example.com', mfaEnabled: true });
      const answer = await makeService().login({ email: 'ada@example.com', password: 'right-password' }, ANONYMOUS, CLIENT);

      expect(answer).toEqual(CHALLENGE);
      expect(mfaChallenges.issue).toHaveBeenCalledWith(user);
      expect(tokens.issue).not.toHaveBeenCalled();
    });

    it('issues tokens once the code step has redeemed the challenge', async () => {
      const user = users.seed({ email: 'ada@example.com', mfaEnabled: true });
      mfaChallenges.redeem.mockResolvedValueOnce(user);
      const pair = await makeService().loginWithMfa({ mfaToken: 'mfa-token', code: '123456' }, ANONYMOUS, CLIENT);

      expect(tokens.issue).toHaveBeenCalledWith(user.id, transactions.transactional);
      expect(pair).toMatchObject({ accessToken: 'access-token', user: { id: user.id, mfaEnabled: true } });
    });

    it('records user.login_succeeded, acted by the user, in the transaction that issues the tokens', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      let issuedInTransaction = false;
      tokens.issue.mockImplementation(async () => {
        issuedInTransaction = transactions.inTransaction;
        return ISSUED;
      });
      await makeService().login({ email: 'ada@example.com', password: 'right-password' }, ANONYMOUS, CLIENT);

      expect(tokens.issue).toHaveBeenCalledTimes(1);
      expect(tokens.issue.mock.calls[0][1]).toBe(transactions.transactional);
      expect(issuedInTransaction).toBe(true);
      expect(transactions.transaction).toHaveBeenCalledTimes(1);
      expect(audit.calls).toEqual([
        {
          manager: transactions.transactional,
          inTransaction: true,
          context: { ...ANONYMOUS, actorType: 'user', actorId: user.id },
          event: { action: 'user.login_succeeded', targetType: 'user', targetId: user.id },
        },
      ]);
      const recorded = JSON.stringify(audit.calls);
      expect(recorded).not.toContain('right-password');
      expect(recorded).not.toContain('access-token');
      expect(recorded).not.toContain('refresh-token');
    });

    it('remembers the address of a successful login', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      await makeService().login({ email: 'ada@example.com', password: 'right-password' }, ANONYMOUS, CLIENT);
      expect(knownAddresses.remember).toHaveBeenCalledWith(user.id, expect.stringMatching(/^[0-9a-f]{64}$/), expect.any(Date));
      expect(JSON.stringify(knownAddresses.remember.mock.calls)).not.toContain(CLIENT.ip);
    });

    it('spends the time of a real verification on an unknown email, then fails with 401', async () => {
      const message = await expectInvalidCredentials(
        makeService().login({ email: 'nobody@example.com', password: 'whatever-pass' }, ANONYMOUS, CLIENT),
      );
      expect(passwords.verifyAgainstDummy).toHaveBeenCalledWith('whatever-pass');
      expect(passwords.verify).not.toHaveBeenCalled();
      expect(message).toBe('Invalid email or password');
      expectLoginFailed(null, 'unknown_account', 'nobody@example.com', 'whatever-pass');
    });

    it('fails a wrong password with the same 401', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      const message = await expectInvalidCredentials(
        makeService().login({ email: 'ada@example.com', password: 'wrong-password' }, ANONYMOUS, CLIENT),
      );
      expect(passwords.verify).toHaveBeenCalledWith('hash:right-password', 'wrong-password');
      expect(passwords.verifyAgainstDummy).not.toHaveBeenCalled();
      expect(message).toBe('Invalid email or password');
      expectLoginFailed(user.id, 'wrong_password', 'ada@example.com', 'wrong-password');
    });

    it('fails a deactivated user with the right password with the same 401', async () => {
      const user = users.seed({ email: 'ada@example.com', isActive: false });
      const message = await expectInvalidCredentials(
        makeService().login({ email: 'ada@example.com', password: 'right-password' }, ANONYMOUS, CLIENT),
      );
      expect(passwords.verify).toHaveBeenCalledTimes(1);
      expect(message).toBe('Invalid email or password');
      expectLoginFailed(user.id, 'inactive', 'ada@example.com', 'right-password');
    });
  });

  describe('refresh', () => {
    it('answers the rotated pair with the user it belongs to', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      tokens.rotate.mockResolvedValue({ ...ISSUED, userId: user.id });
      const pair = await makeService().refresh('refresh-token');
      expect(tokens.rotate).toHaveBeenCalledWith('refresh-token');
      expect(users.getByIdOrFail).toHaveBeenCalledWith(user.id);
      expect(pair).toMatchObject({ accessToken: 'access-token', tokenType: 'Bearer', user: { id: user.id, email: 'ada@example.com' } });
    });
  });

  describe('ensureBootstrapAdmin', () => {
    it('creates the admin with a normalised email and a hashed password when missing', async () => {
      await makeService().ensureBootstrapAdmin('  Root@Example.COM ', 'admin-password-0123');

      expect(users.getByEmail).toHaveBeenCalledWith('root@example.com');
      expect(users.create).toHaveBeenCalledTimes(1);
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0]).toMatchObject({ email: 'root@example.com', role: 'admin', passwordHash: 'hash:admin-password-0123' });
    });

    it('promotes an existing user and invalidates their cached access, without a second account', async () => {
      const existing = users.seed({ email: 'root@example.com', role: 'user' });
      await makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123');

      expect(users.setRole).toHaveBeenCalledWith(existing.id, 'admin');
      expect(userAccess.invalidate).toHaveBeenCalledWith(existing.id);
      expect(users.create).not.toHaveBeenCalled();
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0].role).toBe('admin');
      // The configured password does not overwrite the account's own.
      expect(users.rows[0].passwordHash).toBe('hash:right-password');
    });

    it('leaves an existing admin alone', async () => {
      users.seed({ email: 'root@example.com', role: 'admin' });
      await makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123');

      expect(users.setRole).not.toHaveBeenCalled();
      expect(users.create).not.toHaveBeenCalled();
      expect(userAccess.invalidate).not.toHaveBeenCalled();
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0].role).toBe('admin');
    });

    it('promotes instead of failing when another instance created the account at the same moment', async () => {
      users.racedBy = { email: 'root@example.com', role: 'user' };
      users.createError = uniqueViolation();
      await expect(makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123')).resolves.toBeUndefined();

      expect(users.rows).toEqual([expect.objectContaining({ email: 'root@example.com', role: 'admin' })]);
      expect(users.setRole).toHaveBeenCalledWith(users.rows[0].id, 'admin');
      expect(userAccess.invalidate).toHaveBeenCalledWith(users.rows[0].id);
    });

    it('rethrows a database error that is not a race', async () => {
      const failure = new Error('connection lost');
      users.createError = failure;
      await expect(makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123')).rejects.toBe(failure);
      expect(users.setRole).not.toHaveBeenCalled();
    });

    it('runs at bootstrap only when configured', async () => {
      await makeService().onApplicationBootstrap();
      expect(users.getByEmail).not.toHaveBeenCalled();

      const config = testConfig({ bootstrapAdmin: { email: 'root@example.com', password: 'admin-password-0123' } });
      await makeService(config).onApplicationBootstrap();
      expect(users.rows).toEqual([expect.objectContaining({ email: 'root@example.com', role: 'admin' })]);
    });
  });

  describe('logout', () => {
    it('fails with 401 invalid_token for an unknown refresh token', async () => {
      tokens.revokeFamily.mockResolvedValue(false);
      const error = await rejection(makeService().logout('unknown'));
      expect(error).toBeInstanceOf(HttpException);
      expect(error.getStatus()).toBe(401);
      expect(error.code).toBe('invalid_token');
    });

    it('revokes the family of a known token', async () => {
      tokens.revokeFamily.mockResolvedValue(true);
      await expect(makeService().logout('known')).resolves.toBeUndefined();
      expect(tokens.revokeFamily).toHaveBeenCalledWith('known');
    });
  });
});
