import { HttpException, Logger } from '@nestjs/common';
import { QueryFailedError, Repository } from 'typeorm';
import { AppException } from '../common/errors/app.exception';
import { AppConfig, loadConfig } from '../config/app-config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { Clock } from '../common/time/clock';
import { AuthService } from './auth.service';
import { UserEntity, UserRole } from './entities/user.entity';
import { PasswordService } from './password.service';
import { IssuedTokens, TokenService } from './token.service';
import { UserAccessService } from './user-access.service';

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

/** The part of Repository<UserEntity> that AuthService uses, in memory. */
class FakeUserRepository {
  readonly rows: UserEntity[] = [];
  saveError?: unknown;
  private nextId = 1;

  readonly create = jest.fn((input: Partial<UserEntity>): UserEntity => Object.assign(new UserEntity(), input));

  readonly save = jest.fn(async (user: UserEntity): Promise<UserEntity> => {
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
      role: 'user' as UserRole,
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
type FakeUserAccess = { [K in 'get' | 'invalidate']: jest.MockedFunction<UserAccessService[K]> };

const ISSUED: IssuedTokens = {
  accessToken: 'access-token',
  expiresIn: 3600,
  expiresAt: new Date('2026-01-01T01:00:00.000Z'),
  refreshToken: 'refresh-token',
  refreshExpiresAt: new Date('2026-01-08T00:00:00.000Z'),
};

function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    nodeEnv: 'test',
    port: 0,
    host: '127.0.0.1',
    trustProxy: false,
    logLevel: 'silent',
    database: { poolSize: 1, migrate: false, inMemory: true },
    dataDir: '/nonexistent',
    jwt: { secret: 's'.repeat(48), generated: false, issuer: 'argus', audience: 'argus-api', expiresInSeconds: 3600 },
    refreshExpiresInSeconds: 604_800,
    allowRegistration: true,
    rateLimit: loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48) }).rateLimit,
    apiKeys: {
      cacheTtlSeconds: 60,
      cacheMaxEntries: 1000,
      negativeCacheTtlSeconds: 30,
      lastUsedFlushSeconds: 30,
      rotationGraceSeconds: 86_400,
      rotationMaxGraceSeconds: 604_800,
    },
    ...overrides,
  };
}

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

  const makeService = (config: AppConfig = testConfig()): AuthService =>
    new AuthService(
      users as unknown as Repository<UserEntity>,
      passwords as unknown as PasswordService,
      tokens as unknown as TokenService,
      userAccess as unknown as UserAccessService,
      config,
      new RateLimitService(config, new Clock()),
    );

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
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('register', () => {
    it('stores a user with the hashed password and the user role, and never returns the hash', async () => {
      const response = await makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' });

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

    it('maps a unique violation to 409 conflict', async () => {
      users.saveError = uniqueViolation();
      const error = await rejection(makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' }));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
    });

    it('rethrows any other database error unchanged', async () => {
      const notNull = new QueryFailedError('INSERT ...', [], Object.assign(new Error('null value'), { code: '23502' }));
      users.saveError = notNull;
      await expect(makeService().register({ email: 'ada@example.com', password: 'a-long-enough-password' })).rejects.toBe(notNull);
    });

    it('is refused with 403 forbidden when registration is closed, before any hashing or write', async () => {
      const service = makeService(testConfig({ allowRegistration: false }));
      const error = await rejection(service.register({ email: 'ada@example.com', password: 'a-long-enough-password' }));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('forbidden');
      expect(passwords.hash).not.toHaveBeenCalled();
      expect(users.save).not.toHaveBeenCalled();
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

    it('issues tokens for the right password', async () => {
      const user = users.seed({ email: 'ada@example.com' });
      const pair = await makeService().login({ email: 'ada@example.com', password: 'right-password' });

      expect(tokens.issue).toHaveBeenCalledWith(user.id);
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

    it('spends the time of a real verification on an unknown email, then fails with 401', async () => {
      const message = await expectInvalidCredentials(makeService().login({ email: 'nobody@example.com', password: 'whatever-pass' }));
      expect(passwords.verifyAgainstDummy).toHaveBeenCalledWith('whatever-pass');
      expect(passwords.verify).not.toHaveBeenCalled();
      expect(message).toBe('Invalid email or password');
    });

    it('fails a wrong password with the same 401', async () => {
      users.seed({ email: 'ada@example.com' });
      const message = await expectInvalidCredentials(makeService().login({ email: 'ada@example.com', password: 'wrong-password' }));
      expect(passwords.verify).toHaveBeenCalledWith('hash:right-password', 'wrong-password');
      expect(passwords.verifyAgainstDummy).not.toHaveBeenCalled();
      expect(message).toBe('Invalid email or password');
    });

    it('fails a deactivated user with the right password with the same 401', async () => {
      users.seed({ email: 'ada@example.com', isActive: false });
      const message = await expectInvalidCredentials(makeService().login({ email: 'ada@example.com', password: 'right-password' }));
      expect(passwords.verify).toHaveBeenCalledTimes(1);
      expect(message).toBe('Invalid email or password');
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
