import { HttpException, Logger } from '@nestjs/common';
import { QueryFailedError, Repository } from 'typeorm';
import { AppException } from '../core/errors/app.exception';
import { AppConfig, loadConfig } from '../app.config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { Clock } from '../core/time/clock';
import { AuthService } from './auth.service';
import { UserEntity } from '../users/user.entity';
import { PasswordService } from '../users/password.service';
import { IssuedTokens, TokenService } from './token.service';
import { UserAccessService } from '../users/user-access.service';
import { LoginClient, LoginThrottleService } from './login-throttle.service';
import { KnownLoginAddressEntity } from './entities/known-login-address.entity';
import { AuditContext } from '../events/audit-context';
import { AuditEventEntity } from '../events/audit-event.entity';
import { AuditRecorder } from '../events/audit-recorder';
import type { WebhookOutbox } from '../events/webhook-outbox';

type UserWhere = Partial<Pick<UserEntity, 'id' | 'email'>>;

/** The query builder chain `login` uses, over the fake's rows. */
class FakeUserQuery {
  private email?: string;

  constructor(private readonly rows: UserEntity[]) {}

  addSelect(_selection: string): this {
    return this;
  }

  where(_condition: string, parameters: { email: string }): this {
    this.email = parameters.email;
    return this;
  }

  async getOne(): Promise<UserEntity | null> {
    return this.rows.find((row) => row.email === this.email) ?? null;
  }
}

/** One row AuditRecorder.record inserted, with how it was written. */
interface AuditWrite {
  target: unknown;
  row: Record<string, unknown>;
  /** `transaction`: through the manager a transaction handed out; `repository`: through `repository.manager`. */
  via: 'transaction' | 'repository';
  /** Whether a transaction was still open when the insert completed (false for one that was not awaited). */
  inTransaction: boolean;
}

/**
 * `repository.manager` and the manager its transactions hand out, in memory: the transaction
 * manager's `getRepository` answers the same fake repository, and both record audit inserts.
 */
class FakeManagers {
  readonly writes: AuditWrite[] = [];
  private open = 0;

  readonly transactional = {
    getRepository: jest.fn((target: unknown) => {
      if (target !== this.entity) throw new Error('FakeManagers: unexpected repository requested');
      return this.repository;
    }),
    insert: jest.fn(async (target: unknown, row: Record<string, unknown>): Promise<void> => this.write('transaction', target, row)),
  };

  readonly manager = {
    transaction: jest.fn(async <T>(work: (manager: unknown) => Promise<T>): Promise<T> => {
      this.open++;
      try {
        return await work(this.transactional);
      } finally {
        this.open--;
      }
    }),
    insert: jest.fn(async (target: unknown, row: Record<string, unknown>): Promise<void> => this.write('repository', target, row)),
  };

  constructor(
    private readonly repository: object,
    private readonly entity: unknown,
  ) {}

  get inTransaction(): boolean {
    return this.open > 0;
  }

  /** The audit rows, in the order they were written. */
  get events(): Array<Record<string, unknown>> {
    return this.writes.map((write) => write.row);
  }

  private async write(via: AuditWrite['via'], target: unknown, row: Record<string, unknown>): Promise<void> {
    // A real insert is a round trip: a write the service does not await lands too late to be seen.
    await new Promise((resolve) => setImmediate(resolve));
    this.writes.push({ via, target, row: { ...row }, inTransaction: this.open > 0 });
  }
}

/** The part of Repository<UserEntity> that AuthService uses, in memory. */
class FakeUserRepository {
  readonly rows: UserEntity[] = [];
  readonly managers = new FakeManagers(this, UserEntity);
  readonly manager = this.managers.manager;
  saveError?: unknown;
  private nextId = 1;

  readonly create = jest.fn((input: Partial<UserEntity>): UserEntity => Object.assign(new UserEntity(), input));

  readonly save = jest.fn(async (user: UserEntity): Promise<UserEntity> => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the failure a test injects, thrown as given
    if (this.saveError) throw this.saveError;
    const now = new Date('2026-01-01T00:00:00.000Z');
    const saved = Object.assign(
      new UserEntity(),
      { isActive: true, createdAt: now, updatedAt: now, id: `user-${this.nextId++}` },
      defined(user),
    );
    this.rows.push(saved);
    return saved;
  });

  readonly findOneBy = jest.fn(
    async (where: UserWhere): Promise<UserEntity | null> => this.rows.find((row) => matches(row, where)) ?? null,
  );

  readonly update = jest.fn(async (where: UserWhere, patch: Partial<UserEntity>): Promise<void> => {
    for (const row of this.rows) if (matches(row, where)) Object.assign(row, patch);
  });

  readonly createQueryBuilder = jest.fn((_alias: string) => new FakeUserQuery(this.rows));

  seed(user: Partial<UserEntity> & Pick<UserEntity, 'email'>): UserEntity {
    const now = new Date('2025-01-01T00:00:00.000Z');
    const row = Object.assign(new UserEntity(), {
      id: `seed-${this.rows.length + 1}`,
      name: null,
      passwordHash: 'hash:right-password',
      role: 'user',
      isActive: true,
      createdAt: now,
      updatedAt: now,
      ...user,
    });
    this.rows.push(row);
    return row;
  }
}

/** The fields of an entity that are set (TypeScript's class fields start out as own `undefined` properties). */
function defined<T extends object>(entity: T): Partial<T> {
  return Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function matches(row: UserEntity, where: UserWhere): boolean {
  return Object.entries(where).every(([key, value]) => row[key as keyof UserEntity] === value);
}

type FakePasswords = { [K in 'hash' | 'verify' | 'verifyAgainstDummy']: jest.MockedFunction<PasswordService[K]> };
type FakeTokens = { [K in 'issue' | 'rotate' | 'revokeFamily']: jest.MockedFunction<TokenService[K]> };
type FakeKnownAddresses = { [K in 'existsBy' | 'upsert' | 'delete']: jest.Mock };
type FakeUserAccess = { [K in 'get' | 'invalidate']: jest.MockedFunction<UserAccessService[K]> };

/** These units' audit rows are what they assert; webhook fan-out is the outbox's own concern. */
const NO_WEBHOOKS = { enqueue: () => Promise.resolve() } as unknown as WebhookOutbox;

const ISSUED: IssuedTokens = {
  accessToken: 'access-token',
  expiresIn: 3600,
  expiresAt: new Date('2026-01-01T01:00:00.000Z'),
  refreshToken: 'refresh-token',
  refreshExpiresAt: new Date('2026-01-08T00:00:00.000Z'),
};

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

/** The whole row AuditRecorder writes for an event on a user. */
const userEvent = (
  action: string,
  actor: Pick<AuditContext, 'actorType' | 'actorId'>,
  targetId: string | null,
  changes: Record<string, { from: unknown; to: unknown }> | null,
) => ({
  action,
  ...actor,
  actorKeyId: null,
  targetType: 'user',
  targetId,
  ip: '127.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
  changes,
});

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
  let users: FakeUserRepository;
  let passwords: FakePasswords;
  let tokens: FakeTokens;
  let userAccess: FakeUserAccess;
  let knownAddresses: FakeKnownAddresses;

  const makeService = (config: AppConfig = testConfig()): AuthService =>
    new AuthService(
      users as unknown as Repository<UserEntity>,
      passwords as unknown as PasswordService,
      tokens as unknown as TokenService,
      userAccess as unknown as UserAccessService,
      config,
      new LoginThrottleService(
        config,
        config.rateLimit,
        new RateLimitService(config.rateLimit, config, new Clock()),
        knownAddresses as unknown as Repository<KnownLoginAddressEntity>,
        new Clock(),
      ),
      new AuditRecorder(NO_WEBHOOKS),
    );

  /** The audit rows written so far. */
  const events = (): Array<Record<string, unknown>> => users.managers.events;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation();
    users = new FakeUserRepository();
    passwords = {
      hash: jest.fn(async (password: string) => `hash:${password}`),
      verify: jest.fn(async (hash: string, password: string) => hash === `hash:${password}`),
      verifyAgainstDummy: jest.fn(async (_password: string) => false as const),
    };
    tokens = {
      issue: jest.fn(async (_userId: string) => ISSUED),
      rotate: jest.fn(),
      revokeFamily: jest.fn(),
    };
    userAccess = { get: jest.fn(), invalidate: jest.fn() };
    knownAddresses = {
      existsBy: jest.fn(async () => false),
      upsert: jest.fn(async () => undefined),
      delete: jest.fn(async () => undefined),
    };
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('register', () => {
    it('stores a user with the hashed password and the user role, and never returns the hash', async () => {
      const response = await makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' }, ANONYMOUS);

      expect(passwords.hash).toHaveBeenCalledWith('a-long-enough-password');
      expect(users.create).toHaveBeenCalledWith({
        email: 'ada@example.com',
        name: null,
        passwordHash: 'hash:a-long-enough-password',
        role: 'user',
      });
      expect(response).toMatchObject({ email: 'ada@example.com', name: null, role: 'user', isActive: true });
      expect(response).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(response)).not.toContain('a-long-enough-password');
    });

    it('records user.registered, acted by the new user, in the transaction that stores the user', async () => {
      const response = await makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' }, ANONYMOUS);

      expect(users.manager.transaction).toHaveBeenCalledTimes(1);
      expect(events()).toEqual([
        userEvent('user.registered', { actorType: 'user', actorId: response.id }, response.id, {
          email: { from: null, to: 'ada@example.com' },
        }),
      ]);
      expect(response.id).toBe(users.rows[0].id);
      expect(users.managers.writes).toEqual([
        expect.objectContaining({ target: AuditEventEntity, via: 'transaction', inTransaction: true }),
      ]);
      expect(users.manager.insert).not.toHaveBeenCalled();
      const recorded = JSON.stringify(users.managers.writes);
      expect(recorded).not.toContain('a-long-enough-password');
      expect(recorded).not.toContain('hash:');
    });

    it('maps a unique violation to 409 conflict', async () => {
      users.saveError = uniqueViolation();
      const error = await rejection(makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' }, ANONYMOUS));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(events()).toEqual([]);
    });

    it('rethrows any other database error unchanged', async () => {
      const notNull = new QueryFailedError('INSERT ...', [], Object.assign(new Error('null value'), { code: '23502' }));
      users.saveError = notNull;
      await expect(makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' }, ANONYMOUS)).rejects.toBe(
        notNull,
      );
      expect(events()).toEqual([]);
    });

    it('is refused with 403 forbidden when registration is closed, before any hashing or write', async () => {
      const service = makeService(testConfig({ allowRegistration: false }));
      const error = await rejection(service.register({ email: 'ada@example.com', password: 'a-long-enough-password' }, ANONYMOUS));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('forbidden');
      expect(passwords.hash).not.toHaveBeenCalled();
      expect(users.save).not.toHaveBeenCalled();
      expect(events()).toEqual([]);
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
     * Exactly one user.login_failed, written (and awaited) before the 401, outside any transaction,
     * acted by the anonymous caller, and without the password tried or the stored hash.
     */
    const expectLoginFailed = (targetId: string | null, reason: string, email: string, password: string): void => {
      expect(events()).toEqual([
        userEvent('user.login_failed', { actorType: 'anonymous', actorId: null }, targetId, { reason: { from: null, to: reason } }),
      ]);
      expect(users.managers.writes).toEqual([
        expect.objectContaining({ target: AuditEventEntity, via: 'repository', inTransaction: false }),
      ]);
      expect(users.manager.transaction).not.toHaveBeenCalled();
      const recorded = JSON.stringify(users.managers.writes);
      expect(recorded).not.toContain(password);
      expect(recorded).not.toContain('hash:');
      // The submitted email is never kept: one that matches no account may be a mistyped password.
      expect(recorded).not.toContain(email);
    };

    it('issues tokens for the right password', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      const pair = await makeService().login({ email: 'ada@example.com', password: 'right-password' }, ANONYMOUS, CLIENT);

      expect(tokens.issue).toHaveBeenCalledWith(user.id, users.managers.transactional);
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

    it('records user.login_succeeded, acted by the user, in the transaction that issues the tokens', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      let issuedInTransaction = false;
      tokens.issue.mockImplementation(async () => {
        issuedInTransaction = users.managers.inTransaction;
        return ISSUED;
      });
      await makeService().login({ email: 'ada@example.com', password: 'right-password' }, ANONYMOUS, CLIENT);

      expect(tokens.issue).toHaveBeenCalledTimes(1);
      expect(tokens.issue.mock.calls[0][1]).toBe(users.managers.transactional);
      expect(issuedInTransaction).toBe(true);
      expect(users.manager.transaction).toHaveBeenCalledTimes(1);
      expect(events()).toEqual([userEvent('user.login_succeeded', { actorType: 'user', actorId: user.id }, user.id, null)]);
      expect(users.managers.writes).toEqual([
        expect.objectContaining({ target: AuditEventEntity, via: 'transaction', inTransaction: true }),
      ]);
      const recorded = JSON.stringify(users.managers.writes);
      expect(recorded).not.toContain('right-password');
      expect(recorded).not.toContain('access-token');
      expect(recorded).not.toContain('refresh-token');
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

  describe('ensureBootstrapAdmin', () => {
    it('creates the admin with a normalised email and a hashed password when missing', async () => {
      await makeService().ensureBootstrapAdmin('  Root@Example.COM ', 'admin-password-0123');

      expect(users.findOneBy).toHaveBeenCalledWith({ email: 'root@example.com' });
      expect(users.save).toHaveBeenCalledTimes(1);
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0]).toMatchObject({ email: 'root@example.com', role: 'admin', passwordHash: 'hash:admin-password-0123' });
    });

    it('promotes an existing user and invalidates their cached access, without a second account', async () => {
      const existing = users.seed({ email: 'root@example.com', role: 'user' });
      await makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123');

      expect(users.update).toHaveBeenCalledWith({ id: existing.id }, { role: 'admin' });
      expect(userAccess.invalidate).toHaveBeenCalledWith(existing.id);
      expect(users.save).not.toHaveBeenCalled();
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0].role).toBe('admin');
      // The configured password does not overwrite the account's own.
      expect(users.rows[0].passwordHash).toBe('hash:right-password');
    });

    it('leaves an existing admin alone', async () => {
      users.seed({ email: 'root@example.com', role: 'admin' });
      await makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123');

      expect(users.update).not.toHaveBeenCalled();
      expect(users.save).not.toHaveBeenCalled();
      expect(userAccess.invalidate).not.toHaveBeenCalled();
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0].role).toBe('admin');
    });

    it('promotes instead of failing when another instance created the account at the same moment', async () => {
      users.saveError = uniqueViolation();
      await expect(makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123')).resolves.toBeUndefined();
      expect(users.update).toHaveBeenCalledWith({ email: 'root@example.com' }, { role: 'admin' });
    });

    it('rethrows a database error that is not a race', async () => {
      const failure = new Error('connection lost');
      users.saveError = failure;
      await expect(makeService().ensureBootstrapAdmin('root@example.com', 'admin-password-0123')).rejects.toBe(failure);
      expect(users.update).not.toHaveBeenCalled();
    });

    it('runs at bootstrap only when configured', async () => {
      await makeService().onApplicationBootstrap();
      expect(users.findOneBy).not.toHaveBeenCalled();

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
