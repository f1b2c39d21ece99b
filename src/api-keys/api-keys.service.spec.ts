import { createHash } from 'node:crypto';
import { FindOperator, IsNull, Repository } from 'typeorm';
import { Principal } from '../auth/principal';
import { ROLE_SCOPES } from '../auth/scopes';
import { PaginationQueryDto } from '../common/dto/pagination-query.dto';
import { AppException } from '../common/errors/app.exception';
import { Clock } from '../common/time/clock';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { LastUsedTracker } from './last-used.tracker';
import { loadConfig } from '../config/app-config';
import { RateLimitService } from '../rate-limit/rate-limit.service';

const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48) });

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

class FixedClock extends Clock {
  constructor(private readonly time: number) {
    super();
  }

  override now(): number {
    return this.time;
  }
}

/** The fields of an entity that are set (TypeScript's class fields start out as own `undefined` properties). */
function defined<T extends object>(entity: T): Partial<T> {
  return Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined)) as Partial<T>;
}

type KeyWhere = { [K in keyof ApiKeyEntity]?: ApiKeyEntity[K] | FindOperator<unknown> };

function matches(row: ApiKeyEntity, where: KeyWhere): boolean {
  return Object.entries(where).every(([field, expected]) => {
    const actual = row[field as keyof ApiKeyEntity];
    if (expected instanceof FindOperator) {
      if (expected.type === 'isNull') return actual === null;
      throw new Error(`FakeKeyRepository does not support ${expected.type}`);
    }
    return actual === expected;
  });
}

/** The part of Repository<ApiKeyEntity> that ApiKeysService uses, in memory. */
class FakeKeyRepository {
  readonly rows: ApiKeyEntity[] = [];
  private nextId = 1;

  readonly create = jest.fn((input: Partial<ApiKeyEntity>): ApiKeyEntity => Object.assign(new ApiKeyEntity(), input));

  readonly save = jest.fn(async (key: ApiKeyEntity): Promise<ApiKeyEntity> => {
    const existing = key.id ? this.rows.find((row) => row.id === key.id) : undefined;
    if (existing) {
      Object.assign(existing, key, { updatedAt: new Date(NOW) });
      return { ...existing };
    }
    const saved = Object.assign(new ApiKeyEntity(), { id: `key-${this.nextId++}`, lastUsedAt: null, revokedAt: null }, defined(key), {
      createdAt: new Date(NOW),
      updatedAt: new Date(NOW),
    });
    this.rows.push(saved);
    return { ...saved };
  });

  readonly findOne = jest.fn(async ({ where }: { where: KeyWhere }): Promise<ApiKeyEntity | null> => {
    const row = this.rows.find((candidate) => matches(candidate, where));
    return row ? Object.assign(new ApiKeyEntity(), row) : null;
  });

  readonly findAndCount = jest.fn(async (options: { where: KeyWhere; skip: number; take: number }): Promise<[ApiKeyEntity[], number]> => {
    const all = this.rows.filter((row) => matches(row, options.where));
    return [all.slice(options.skip, options.skip + options.take), all.length];
  });

  readonly update = jest.fn(async (where: KeyWhere, patch: Partial<ApiKeyEntity>): Promise<void> => {
    for (const row of this.rows) if (matches(row, where)) Object.assign(row, patch);
  });

  seed(overrides: Partial<ApiKeyEntity> = {}): ApiKeyEntity {
    const row = Object.assign(new ApiKeyEntity(), {
      id: `seed-${this.rows.length + 1}`,
      userId: 'user-1',
      name: 'seeded',
      keyPrefix: 'argus_ab',
      keyHash: 'f'.repeat(64),
      scopes: ['read:keys', 'write:keys'],
      isActive: true,
      revokedAt: null,
      expiresAt: null,
      rateLimit: null,
      allowedIps: null,
      lastUsedAt: null,
      createdAt: new Date(NOW - 86_400_000),
      updatedAt: new Date(NOW - 86_400_000),
      ...overrides,
    });
    this.rows.push(row);
    return row;
  }
}

type FakeVerifier = { [K in 'invalidate' | 'forgetHash']: jest.MockedFunction<ApiKeyVerifier[K]> };
type FakeLastUsed = { pendingFor: jest.MockedFunction<LastUsedTracker['pendingFor']> };

const jwtCaller = (role: Principal['role'] = 'user', overrides: Partial<Principal> = {}): Principal => ({
  method: 'jwt',
  userId: 'user-1',
  role,
  scopes: [...ROLE_SCOPES[role]],
  expiresAt: null,
  ...overrides,
});

const keyCaller = (scopes: string[]): Principal => ({
  method: 'api_key',
  userId: 'user-1',
  role: 'user',
  scopes,
  keyId: 'calling-key',
  expiresAt: null,
});

const createDto = (overrides: Partial<CreateApiKeyDto> = {}): CreateApiKeyDto =>
  Object.assign(new CreateApiKeyDto(), { name: 'ci', ...overrides });

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

describe('ApiKeysService', () => {
  let keys: FakeKeyRepository;
  let verifier: FakeVerifier;
  let lastUsed: FakeLastUsed;
  let service: ApiKeysService;

  beforeEach(() => {
    keys = new FakeKeyRepository();
    verifier = { invalidate: jest.fn(), forgetHash: jest.fn() };
    lastUsed = { pendingFor: jest.fn((_keyId: string): Date | undefined => undefined) };
    service = new ApiKeysService(
      keys as unknown as Repository<ApiKeyEntity>,
      verifier as unknown as ApiKeyVerifier,
      lastUsed as unknown as LastUsedTracker,
      new FixedClock(NOW),
      new RateLimitService(config, new FixedClock(NOW)),
      config,
    );
  });

  describe('createKey', () => {
    it('returns a well-formed key once and stores only its SHA-256', async () => {
      const created = await service.createKey(jwtCaller(), createDto({ scopes: ['read:keys'] }));

      expect(created.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      expect(keys.save).toHaveBeenCalledTimes(1);
      const stored = keys.save.mock.calls[0][0];
      const sha256 = createHash('sha256').update(created.key).digest('hex');
      expect(stored.keyHash).toBe(sha256);
      expect(stored.keyHash).not.toBe(created.key);
      for (const value of Object.values(stored)) expect(value).not.toBe(created.key);
      expect(JSON.stringify(stored)).not.toContain(created.key);
      expect(stored.keyPrefix).toBe(created.key.slice(0, 8));

      expect(created).not.toHaveProperty('keyHash');
      expect(created).toMatchObject({ name: 'ci', scopes: ['read:keys'], keyPrefix: created.key.slice(0, 8), status: 'active' });
      expect(verifier.forgetHash).toHaveBeenCalledWith(sha256);
    });

    it('gives every key a different secret', async () => {
      const first = await service.createKey(jwtCaller(), createDto());
      const second = await service.createKey(jwtCaller(), createDto());
      expect(first.key).not.toBe(second.key);
    });

    it("stores the key for the caller, with the request's settings", async () => {
      const expiresAt = new Date(NOW + 86_400_000);
      await service.createKey(
        jwtCaller(),
        createDto({ scopes: ['read:keys'], expiresAt, rateLimit: { limit: 10, windowSeconds: 60 }, allowedIps: ['10.0.0.0/8'] }),
      );
      expect(keys.save.mock.calls[0][0]).toMatchObject({
        userId: 'user-1',
        name: 'ci',
        isActive: true,
        expiresAt,
        rateLimit: { limit: 10, windowSeconds: 60 },
        allowedIps: ['10.0.0.0/8'],
      });
    });

    it('refuses a scope a JWT caller does not hold with 403 insufficient_scope naming it', async () => {
      const error = await rejection(service.createKey(jwtCaller('user'), createDto({ scopes: ['read:keys', 'admin:all'] })));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain('admin:all');
      expect(error.message).not.toContain('read:keys');
      expect(keys.save).not.toHaveBeenCalled();
    });

    it('refuses a scope the calling key does not hold, even if its owner role would', async () => {
      const error = await rejection(service.createKey(keyCaller(['read:keys']), createDto({ scopes: ['write:keys'] })));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain('write:keys');
      expect(keys.save).not.toHaveBeenCalled();
    });

    it('lets a wildcard holder mint a narrower key', async () => {
      const created = await service.createKey(keyCaller(['read:*']), createDto({ scopes: ['read:projects'] }));
      expect(created.scopes).toEqual(['read:projects']);
    });

    it.each([
      ['in the past', NOW - 1000],
      ['exactly now', NOW],
    ])('refuses expiresAt %s with 400 validation_failed', async (_label, time) => {
      const error = await rejection(service.createKey(jwtCaller(), createDto({ expiresAt: new Date(time) })));
      expect(error.getStatus()).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([{ field: 'expiresAt', messages: [expect.stringContaining('future')] }]);
      expect(keys.save).not.toHaveBeenCalled();
    });

    it("defaults a JWT caller's key to the role's scopes", async () => {
      const userKey = await service.createKey(jwtCaller('user'), createDto());
      expect(userKey.scopes).toEqual([...ROLE_SCOPES.user]);
      const adminKey = await service.createKey(jwtCaller('admin'), createDto());
      expect(adminKey.scopes).toEqual(['admin:all']);
    });

    it("defaults an API-key caller's key to the calling key's scopes, not the role's", async () => {
      const callerScopes = ['read:keys'];
      const created = await service.createKey(keyCaller(callerScopes), createDto());
      expect(created.scopes).toEqual(['read:keys']);
      const stored = keys.save.mock.calls[0][0];
      expect(stored.scopes).not.toBe(callerScopes);
    });
  });

  describe('rate limits and quotas', () => {
    it('refuses an owner a key rate above the ceiling, and lets an admin exceed it', async () => {
      const fast = createDto({ rateLimit: { limit: 1_000_000, windowSeconds: 1 } });
      const error = await rejection(service.createKey(jwtCaller('user'), fast));
      expect(error.getStatus()).toBe(400);
      expect(error.details?.[0].field).toBe('rateLimit');
      await expect(service.createKey(jwtCaller('admin'), fast)).resolves.toMatchObject({
        rateLimit: { limit: 1_000_000, windowSeconds: 1 },
      });
    });

    it('stores a quota and reports its usage for the current period', async () => {
      const created = await service.createKey(jwtCaller(), createDto({ quota: { limit: 500, period: 'day' } }));
      expect(created.quota).toMatchObject({ limit: 500, period: 'day', used: 0, remaining: 500 });
      expect(new Date(created.quota!.resetsAt).getTime()).toBeGreaterThan(NOW);
    });
  });

  describe('updateKey', () => {
    it('narrows scopes, renames, and invalidates the verifier cache', async () => {
      const key = keys.seed({ scopes: ['read:keys', 'write:keys'] });
      const updated = await service.updateKey(jwtCaller(), key.id, { scopes: ['read:keys'], name: 'renamed' });
      expect(updated).toMatchObject({ id: key.id, scopes: ['read:keys'], name: 'renamed' });
      expect(keys.rows[0].scopes).toEqual(['read:keys']);
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it('narrows a wildcard to a covered scope', async () => {
      const key = keys.seed({ scopes: ['read:*'] });
      await expect(service.updateKey(jwtCaller(), key.id, { scopes: ['read:users'] })).resolves.toMatchObject({ scopes: ['read:users'] });
    });

    it('refuses to widen scopes with 400 validation_failed, changing nothing', async () => {
      const key = keys.seed({ scopes: ['read:keys'] });
      const error = await rejection(service.updateKey(jwtCaller(), key.id, { scopes: ['read:keys', 'write:keys'] }));
      expect(error.getStatus()).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(JSON.stringify(error.details)).toContain('write:keys');
      expect(keys.save).not.toHaveBeenCalled();
      expect(keys.rows[0].scopes).toEqual(['read:keys']);
      expect(verifier.invalidate).not.toHaveBeenCalled();
    });

    it('deactivates a key and invalidates it', async () => {
      const key = keys.seed();
      const updated = await service.updateKey(jwtCaller(), key.id, { isActive: false });
      expect(updated).toMatchObject({ isActive: false, status: 'inactive' });
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it('refuses to change a revoked key with 409 conflict', async () => {
      const key = keys.seed({ revokedAt: new Date(NOW - 1000) });
      const error = await rejection(service.updateKey(jwtCaller(), key.id, { isActive: true }));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(keys.save).not.toHaveBeenCalled();
      expect(keys.rows[0].isActive).toBe(true);
    });

    it("answers 404 not_found for another user's key", async () => {
      const key = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.updateKey(jwtCaller(), key.id, { isActive: false }));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
      expect(keys.rows[0].isActive).toBe(true);
      expect(verifier.invalidate).not.toHaveBeenCalled();
    });
  });

  describe('revokeKey', () => {
    it('revokes once, conditionally, and invalidates the verifier cache', async () => {
      const key = keys.seed();
      const revoked = await service.revokeKey('user-1', key.id);

      expect(keys.update).toHaveBeenCalledWith({ id: key.id, revokedAt: IsNull() }, { revokedAt: new Date(NOW) });
      expect(revoked).toMatchObject({ id: key.id, status: 'revoked', revokedAt: new Date(NOW).toISOString() });
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it('is idempotent: a second revoke keeps the first time and still invalidates', async () => {
      const key = keys.seed({ revokedAt: new Date(NOW - 60_000) });
      const again = await service.revokeKey('user-1', key.id);

      expect(keys.update).not.toHaveBeenCalled();
      expect(again).toMatchObject({ status: 'revoked', revokedAt: new Date(NOW - 60_000).toISOString() });
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it("answers 404 not_found for another user's key and leaves it alone", async () => {
      const key = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.revokeKey('user-1', key.id));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
      expect(keys.update).not.toHaveBeenCalled();
      expect(keys.rows[0].revokedAt).toBeNull();
    });
  });

  describe('getKey and listKeys', () => {
    it("answers 404 not_found for another user's key", async () => {
      const key = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.getKey('user-1', key.id));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
    });

    it('merges a pending last use that is newer than the stored one', async () => {
      const key = keys.seed({ lastUsedAt: new Date(NOW - 60_000) });
      lastUsed.pendingFor.mockReturnValue(new Date(NOW - 1000));
      await expect(service.getKey('user-1', key.id)).resolves.toMatchObject({ lastUsedAt: new Date(NOW - 1000).toISOString() });
      expect(lastUsed.pendingFor).toHaveBeenCalledWith(key.id);
    });

    it("lists only the caller's keys, one page at a time", async () => {
      for (let i = 0; i < 3; i++) keys.seed();
      keys.seed({ userId: 'someone-else' });
      const page = Object.assign(new PaginationQueryDto(), { page: 2, limit: 2 });

      const result = await service.listKeys('user-1', page);
      expect(keys.findAndCount).toHaveBeenCalledWith(expect.objectContaining({ where: { userId: 'user-1' }, skip: 2, take: 2 }));
      expect(result.total).toBe(3);
      expect(result.items).toHaveLength(1);
      expect(result.items[0]).not.toHaveProperty('keyHash');
    });
  });
});
