import { createHash } from 'node:crypto';
import { FindOperator, Repository } from 'typeorm';
import { Principal } from '../access/principal';
import { ROLE_SCOPES } from '../access/scopes';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { AppException } from '../core/errors/app.exception';
import { Clock } from '../core/time/clock';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeysService } from './api-keys.service';
import { KeyRotationService } from './key-rotation.service';
import { ManageableKeys } from './manageable-keys';
import { KeyScopesService } from '../organizations/key-scopes.service';
import { MembershipAccessService } from '../organizations/membership-access.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { LastUsedTracker } from './last-used.tracker';
import { loadConfig } from '../app.config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { AuditContext } from '../events/audit-context';
import { AuditEventEntity } from '../events/audit-event.entity';
import { AuditRecorder } from '../events/audit-recorder';
import type { WebhookOutbox } from '../events/webhook-outbox';

/** These units' audit rows are what they assert; webhook fan-out is the outbox's own concern. */
const NO_WEBHOOKS = { enqueue: () => Promise.resolve() } as unknown as WebhookOutbox;

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
    /** The service's raw queries: lock a minting key's row, or revoke every descendant of a key. */
    query: jest.fn(async (sql: string, [parentId, now]: [string, Date]): Promise<Array<Record<string, unknown>>> => {
      const rows = (this.repository as { rows: ApiKeyEntity[] }).rows;
      if (sql.includes('FOR SHARE')) {
        const parent = rows.find((row) => row.id === parentId);
        return parent ? [{ revoked_at: parent.revokedAt, is_active: parent.isActive }] : [];
      }
      const revoked: Array<{ id: string; user_id: string }> = [];
      const parents = [parentId];
      while (parents.length > 0) {
        const parent = parents.shift();
        for (const row of rows.filter((candidate) => candidate.parentKeyId === parent)) {
          parents.push(row.id);
          if (row.revokedAt) continue;
          row.revokedAt = now;
          revoked.push({ id: row.id, user_id: row.userId });
        }
      }
      return revoked;
    }),
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

/** The part of Repository<ApiKeyEntity> that ApiKeysService uses, in memory. */
class FakeKeyRepository {
  readonly rows: ApiKeyEntity[] = [];
  readonly managers = new FakeManagers(this, ApiKeyEntity);
  readonly manager = this.managers.manager;
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

  readonly findOne = jest.fn(async ({ where, lock }: { where: KeyWhere; lock?: { mode: string } }): Promise<ApiKeyEntity | null> => {
    // As TypeORM: a row lock needs a transaction.
    if (lock && !this.managers.inTransaction) throw new Error('FakeKeyRepository: a lock outside a transaction');
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
      quota: null,
      allowedIps: null,
      rotatedAt: null,
      replacedById: null,
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
  organizationId: null,
  projectId: null,
  expiresAt: null,
  ...overrides,
});

const keyCaller = (scopes: string[]): Principal => ({
  organizationId: null,
  projectId: null,
  method: 'api_key',
  userId: 'user-1',
  role: 'user',
  scopes,
  keyId: 'calling-key',
  expiresAt: null,
});

/** Who acted, as the controller passes it. */
const AUDIT: AuditContext = {
  actorType: 'user',
  actorId: 'user-1',
  actorKeyId: null,
  ip: '127.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
};

/** The whole row AuditRecorder writes for an event on a key under AUDIT. */
const keyEvent = (action: string, targetId: string, changes: Record<string, { from: unknown; to: unknown }> | null) => ({
  action,
  actorType: 'user',
  actorId: 'user-1',
  actorKeyId: null,
  targetType: 'api_key',
  targetId,
  ip: '127.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
  changes,
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

  /** The audit rows written so far. */
  const events = (): Array<Record<string, unknown>> => keys.managers.events;

  /** Every audit row went into AuditEventEntity through the transaction's own manager, while it was open. */
  const expectWrittenInTransaction = (): void => {
    for (const write of keys.managers.writes) {
      expect(write).toMatchObject({ target: AuditEventEntity, via: 'transaction', inTransaction: true });
    }
    expect(keys.manager.insert).not.toHaveBeenCalled();
  };

  beforeEach(() => {
    keys = new FakeKeyRepository();
    verifier = { invalidate: jest.fn(), forgetHash: jest.fn() };
    lastUsed = { pendingFor: jest.fn((_keyId: string): Date | undefined => undefined) };
    const audit = new AuditRecorder(NO_WEBHOOKS);
    service = new ApiKeysService(
      keys as unknown as Repository<ApiKeyEntity>,
      verifier as unknown as ApiKeyVerifier,
      lastUsed as unknown as LastUsedTracker,
      new FixedClock(NOW),
      new RateLimitService(config.rateLimit, config, new FixedClock(NOW)),
      config.apiKeys,
      config.rateLimit,
      audit,
      new KeyRotationService(
        keys as unknown as Repository<ApiKeyEntity>,
        verifier as unknown as ApiKeyVerifier,
        new FixedClock(NOW),
        audit,
        config,
        new ManageableKeys(new KeyScopesService(undefined as unknown as MembershipAccessService)),
      ),
      new ManageableKeys(new KeyScopesService(undefined as unknown as MembershipAccessService)),
    );
  });

  describe('createKey', () => {
    it('refuses to mint from a key revoked (or deactivated) since it authenticated, and writes nothing', async () => {
      keys.seed({ id: 'calling-key', revokedAt: new Date(NOW - 1) });
      const revoked = await rejection(service.createKey(keyCaller(['read:keys', 'write:keys']), createDto(), AUDIT));
      expect(revoked).toMatchObject({ status: 401, code: 'api_key_revoked' });
      keys.rows[0].revokedAt = null;
      keys.rows[0].isActive = false;
      const inactive = await rejection(service.createKey(keyCaller(['read:keys', 'write:keys']), createDto(), AUDIT));
      expect(inactive).toMatchObject({ status: 401, code: 'api_key_inactive' });
      expect(keys.save).not.toHaveBeenCalled();
      expect(events()).toEqual([]);
    });

    it('returns a well-formed key once and stores only its SHA-256', async () => {
      const created = await service.createKey(jwtCaller(), createDto({ scopes: ['read:keys'] }), AUDIT);

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

    it('records key.created for the new key, in the transaction that stores it, with neither the key nor its hash', async () => {
      const created = await service.createKey(jwtCaller(), createDto({ scopes: ['read:keys'] }), AUDIT);

      expect(keys.manager.transaction).toHaveBeenCalledTimes(1);
      expect(events()).toEqual([
        keyEvent('key.created', created.id, { name: { from: null, to: 'ci' }, scopes: { from: null, to: ['read:keys'] } }),
      ]);
      expect(created.id).toBe(keys.rows[0].id);
      expectWrittenInTransaction();
      const hash = createHash('sha256').update(created.key).digest('hex');
      const recorded = JSON.stringify(keys.managers.writes);
      expect(recorded).not.toContain(created.key);
      expect(recorded).not.toContain(hash);
      expect(recorded).not.toContain(created.key.slice(6));
    });

    it('records nothing when the key is refused', async () => {
      await rejection(service.createKey(jwtCaller('user'), createDto({ scopes: ['admin:all'] }), AUDIT));
      await rejection(service.createKey(jwtCaller(), createDto({ expiresAt: new Date(NOW) }), AUDIT));
      expect(events()).toEqual([]);
    });

    it('gives every key a different secret', async () => {
      const first = await service.createKey(jwtCaller(), createDto(), AUDIT);
      const second = await service.createKey(jwtCaller(), createDto(), AUDIT);
      expect(first.key).not.toBe(second.key);
    });

    it("stores the key for the caller, with the request's settings", async () => {
      const expiresAt = new Date(NOW + 86_400_000);
      await service.createKey(
        jwtCaller(),
        createDto({ scopes: ['read:keys'], expiresAt, rateLimit: { limit: 10, windowSeconds: 60 }, allowedIps: ['10.0.0.0/8'] }),
        AUDIT,
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
      const error = await rejection(service.createKey(jwtCaller('user'), createDto({ scopes: ['read:keys', 'admin:all'] }), AUDIT));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain('admin:all');
      expect(error.message).not.toContain('read:keys');
      expect(keys.save).not.toHaveBeenCalled();
    });

    it('refuses a scope the calling key does not hold, even if its owner role would', async () => {
      const error = await rejection(service.createKey(keyCaller(['read:keys']), createDto({ scopes: ['write:keys'] }), AUDIT));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain('write:keys');
      expect(keys.save).not.toHaveBeenCalled();
    });

    it('lets a wildcard holder mint a narrower key', async () => {
      keys.seed({ id: 'calling-key' });
      const created = await service.createKey(keyCaller(['read:*']), createDto({ scopes: ['read:projects'] }), AUDIT);
      expect(created.scopes).toEqual(['read:projects']);
    });

    it.each([
      ['in the past', NOW - 1000],
      ['exactly now', NOW],
    ])('refuses expiresAt %s with 400 validation_failed', async (_label, time) => {
      const error = await rejection(service.createKey(jwtCaller(), createDto({ expiresAt: new Date(time) }), AUDIT));
      expect(error.getStatus()).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([{ field: 'expiresAt', messages: [expect.stringContaining('future')] }]);
      expect(keys.save).not.toHaveBeenCalled();
    });

    it("defaults a JWT caller's key to the role's scopes", async () => {
      const userKey = await service.createKey(jwtCaller('user'), createDto(), AUDIT);
      expect(userKey.scopes).toEqual([...ROLE_SCOPES.user]);
      const adminKey = await service.createKey(jwtCaller('admin'), createDto(), AUDIT);
      expect(adminKey.scopes).toEqual(['admin:all']);
    });

    it("defaults an API-key caller's key to the calling key's scopes, not the role's", async () => {
      const callerScopes = ['read:keys'];
      keys.seed({ id: 'calling-key' });
      const created = await service.createKey(keyCaller(callerScopes), createDto(), AUDIT);
      expect(keys.rows.find((row) => row.id === created.id)?.parentKeyId).toBe('calling-key');
      expect(created.scopes).toEqual(['read:keys']);
      const stored = keys.save.mock.calls[0][0];
      expect(stored.scopes).not.toBe(callerScopes);
    });
  });

  describe('rate limits and quotas', () => {
    it('refuses an owner a key rate above the ceiling, and lets an admin exceed it', async () => {
      const fast = createDto({ rateLimit: { limit: 1_000_000, windowSeconds: 1 } });
      const error = await rejection(service.createKey(jwtCaller('user'), fast, AUDIT));
      expect(error.getStatus()).toBe(400);
      expect(error.details?.[0].field).toBe('rateLimit');
      await expect(service.createKey(jwtCaller('admin'), fast, AUDIT)).resolves.toMatchObject({
        rateLimit: { limit: 1_000_000, windowSeconds: 1 },
      });
    });

    it('stores a quota and reports its usage for the current period', async () => {
      const created = await service.createKey(jwtCaller(), createDto({ quota: { limit: 500, period: 'day' } }), AUDIT);
      expect(created.quota).toMatchObject({ limit: 500, period: 'day', used: 0, remaining: 500 });
      expect(new Date(created.quota!.resetsAt).getTime()).toBeGreaterThan(NOW);
    });
  });

  describe('updateKey', () => {
    it('narrows scopes, renames, and invalidates the verifier cache', async () => {
      const key = keys.seed({ scopes: ['read:keys', 'write:keys'] });
      const updated = await service.updateKey(jwtCaller(), key.id, { scopes: ['read:keys'], name: 'renamed' }, AUDIT);
      expect(updated).toMatchObject({ id: key.id, scopes: ['read:keys'], name: 'renamed' });
      expect(keys.rows[0].scopes).toEqual(['read:keys']);
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
      expect(keys.findOne).toHaveBeenCalledWith({ where: { id: key.id, userId: 'user-1' }, lock: { mode: 'pessimistic_write' } });
    });

    it('records key.updated with a from/to diff of only the fields that changed', async () => {
      const key = keys.seed({ scopes: ['read:keys', 'write:keys'], name: 'seeded', isActive: true });
      await service.updateKey(jwtCaller(), key.id, { scopes: ['read:keys'], name: 'renamed', isActive: true, quota: null }, AUDIT);

      expect(events()).toEqual([
        keyEvent('key.updated', key.id, {
          scopes: { from: ['read:keys', 'write:keys'], to: ['read:keys'] },
          name: { from: 'seeded', to: 'renamed' },
        }),
      ]);
      expectWrittenInTransaction();
      expect(JSON.stringify(keys.managers.writes)).not.toContain(key.keyHash);
    });

    it('records a changed rate limit and quota from their old to their new settings', async () => {
      const key = keys.seed({ rateLimit: { limit: 10, windowSeconds: 60 }, quota: null });
      await service.updateKey(jwtCaller(), key.id, { rateLimit: null, quota: { limit: 100, period: 'day' } }, AUDIT);

      expect(events()).toEqual([
        keyEvent('key.updated', key.id, {
          rateLimit: { from: { limit: 10, windowSeconds: 60 }, to: null },
          quota: { from: null, to: { limit: 100, period: 'day' } },
        }),
      ]);
    });

    it('records nothing when nothing changed, and still saves and invalidates', async () => {
      const key = keys.seed({ name: 'seeded', scopes: ['read:keys'], isActive: true });
      await service.updateKey(jwtCaller(), key.id, { name: 'seeded', scopes: ['read:keys'], isActive: true }, AUDIT);
      await service.updateKey(jwtCaller(), key.id, {}, AUDIT);

      expect(events()).toEqual([]);
      expect(keys.save).toHaveBeenCalledTimes(2);
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it('records key.updated for a deactivation', async () => {
      const key = keys.seed();
      await service.updateKey(jwtCaller(), key.id, { isActive: false }, AUDIT);
      expect(events()).toEqual([keyEvent('key.updated', key.id, { isActive: { from: true, to: false } })]);
    });

    it('narrows a wildcard to a covered scope', async () => {
      const key = keys.seed({ scopes: ['read:*'] });
      await expect(service.updateKey(jwtCaller(), key.id, { scopes: ['read:users'] }, AUDIT)).resolves.toMatchObject({
        scopes: ['read:users'],
      });
    });

    it('refuses to widen scopes with 400 validation_failed, changing nothing', async () => {
      const key = keys.seed({ scopes: ['read:keys'] });
      const error = await rejection(service.updateKey(jwtCaller(), key.id, { scopes: ['read:keys', 'write:keys'] }, AUDIT));
      expect(error.getStatus()).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(JSON.stringify(error.details)).toContain('write:keys');
      expect(keys.save).not.toHaveBeenCalled();
      expect(keys.rows[0].scopes).toEqual(['read:keys']);
      expect(verifier.invalidate).not.toHaveBeenCalled();
      expect(events()).toEqual([]);
    });

    it('deactivates a key and invalidates it', async () => {
      const key = keys.seed();
      const updated = await service.updateKey(jwtCaller(), key.id, { isActive: false }, AUDIT);
      expect(updated).toMatchObject({ isActive: false, status: 'inactive' });
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it('refuses to change a revoked key with 409 conflict', async () => {
      const key = keys.seed({ revokedAt: new Date(NOW - 1000) });
      const error = await rejection(service.updateKey(jwtCaller(), key.id, { isActive: true }, AUDIT));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(keys.save).not.toHaveBeenCalled();
      expect(keys.rows[0].isActive).toBe(true);
      expect(events()).toEqual([]);
    });

    it("answers 404 not_found for another user's key", async () => {
      const key = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.updateKey(jwtCaller(), key.id, { isActive: false }, AUDIT));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
      expect(keys.rows[0].isActive).toBe(true);
      expect(verifier.invalidate).not.toHaveBeenCalled();
      expect(keys.save).not.toHaveBeenCalled();
      expect(events()).toEqual([]);
    });
  });

  describe('revokeKey', () => {
    it('revokes once, under a row lock, and invalidates the verifier cache', async () => {
      const key = keys.seed();
      const revoked = await service.revokeKey(jwtCaller(), key.id, AUDIT);

      // The row is locked inside the transaction, so of concurrent revokes one writes, the others see it revoked.
      expect(keys.findOne).toHaveBeenCalledWith({ where: { id: key.id, userId: 'user-1' }, lock: { mode: 'pessimistic_write' } });
      expect(keys.save).toHaveBeenCalledTimes(1);
      expect(keys.save.mock.calls[0][0]).toMatchObject({ id: key.id, revokedAt: new Date(NOW) });
      expect(keys.rows[0].revokedAt).toEqual(new Date(NOW));
      expect(keys.update).not.toHaveBeenCalled();
      expect(revoked).toMatchObject({ id: key.id, status: 'revoked', revokedAt: new Date(NOW).toISOString() });
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
    });

    it('is idempotent: a second revoke keeps the first time and still invalidates', async () => {
      const key = keys.seed({ revokedAt: new Date(NOW - 60_000) });
      const again = await service.revokeKey(jwtCaller(), key.id, AUDIT);

      expect(keys.update).not.toHaveBeenCalled();
      expect(keys.save).not.toHaveBeenCalled();
      expect(again).toMatchObject({ status: 'revoked', revokedAt: new Date(NOW - 60_000).toISOString() });
      expect(verifier.invalidate).toHaveBeenCalledWith(key.id);
      expect(events()).toEqual([]);
    });

    it('records key.revoked once: a second revoke records nothing', async () => {
      const key = keys.seed();
      await service.revokeKey(jwtCaller(), key.id, AUDIT);
      const again = await service.revokeKey(jwtCaller(), key.id, AUDIT);

      expect(again).toMatchObject({ status: 'revoked', revokedAt: new Date(NOW).toISOString() });
      expect(events()).toEqual([keyEvent('key.revoked', key.id, { revokedAt: { from: null, to: new Date(NOW) } })]);
      expectWrittenInTransaction();
      expect(keys.save).toHaveBeenCalledTimes(1);
      expect(verifier.invalidate).toHaveBeenCalledTimes(2);
    });

    it("answers 404 not_found for another user's key and leaves it alone", async () => {
      const key = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.revokeKey(jwtCaller(), key.id, AUDIT));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
      expect(keys.update).not.toHaveBeenCalled();
      expect(keys.rows[0].revokedAt).toBeNull();
      expect(keys.save).not.toHaveBeenCalled();
      expect(events()).toEqual([]);
    });
  });

  describe('rotateKey', () => {
    const GRACE_MS = config.apiKeys.rotationGraceSeconds * 1000;

    it('issues a successor, ends the old key after the grace period, and records key.rotated on the old key', async () => {
      const old = keys.seed({ scopes: ['read:keys'], rateLimit: { limit: 10, windowSeconds: 60 } });
      const rotated = await service.rotateKey(jwtCaller(), old.id, {}, AUDIT);

      expect(rotated.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      expect(rotated).toMatchObject({
        name: old.name,
        scopes: ['read:keys'],
        rateLimit: { limit: 10, windowSeconds: 60 },
        status: 'active',
      });
      expect(rotated.previousKey).toEqual({ id: old.id, expiresAt: new Date(NOW + GRACE_MS).toISOString() });
      const successor = keys.rows.find((row) => row.id === rotated.id);
      const hash = createHash('sha256').update(rotated.key).digest('hex');
      expect(successor?.keyHash).toBe(hash);
      expect(keys.rows.find((row) => row.id === old.id)).toMatchObject({
        rotatedAt: new Date(NOW),
        replacedById: rotated.id,
        expiresAt: new Date(NOW + GRACE_MS),
      });
      expect(keys.findOne).toHaveBeenCalledWith({ where: { id: old.id, userId: 'user-1' }, lock: { mode: 'pessimistic_write' } });
      expect(verifier.invalidate).toHaveBeenCalledWith(old.id);
      expect(verifier.forgetHash).toHaveBeenCalledWith(hash);

      expect(events()).toEqual([
        keyEvent('key.rotated', old.id, {
          replacedById: { from: null, to: rotated.id },
          expiresAt: { from: null, to: new Date(NOW + GRACE_MS) },
        }),
      ]);
      expectWrittenInTransaction();
      const recorded = JSON.stringify(keys.managers.writes);
      expect(recorded).not.toContain(rotated.key);
      expect(recorded).not.toContain(hash);
      expect(recorded).not.toContain(old.keyHash);
    });

    it('keeps an earlier expiry of the old key, and records no expiry change', async () => {
      const expiresAt = new Date(NOW + 3_600_000);
      const old = keys.seed({ expiresAt });
      const rotated = await service.rotateKey(jwtCaller(), old.id, { gracePeriodSeconds: 86_400 }, AUDIT);

      expect(rotated.previousKey).toEqual({ id: old.id, expiresAt: expiresAt.toISOString() });
      expect(events()).toEqual([
        keyEvent('key.rotated', old.id, {
          replacedById: { from: null, to: rotated.id },
        }),
      ]);
    });

    it.each([
      ['a revoked', { revokedAt: new Date(NOW - 1000) }],
      ['an already rotated', { rotatedAt: new Date(NOW - 1000), replacedById: 'seed-9' }],
    ])('refuses %s key with 409 conflict, storing and recording nothing', async (_label, state: Partial<ApiKeyEntity>) => {
      const old = keys.seed(state);
      const error = await rejection(service.rotateKey(jwtCaller(), old.id, {}, AUDIT));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(keys.save).not.toHaveBeenCalled();
      expect(keys.rows).toHaveLength(1);
      expect(events()).toEqual([]);
    });

    it("answers 404 not_found for another user's key, recording nothing", async () => {
      const old = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.rotateKey(jwtCaller(), old.id, {}, AUDIT));
      expect(error.getStatus()).toBe(404);
      expect(keys.save).not.toHaveBeenCalled();
      expect(events()).toEqual([]);
    });
  });

  describe('getKey and listKeys', () => {
    it("answers 404 not_found for another user's key", async () => {
      const key = keys.seed({ userId: 'someone-else' });
      const error = await rejection(service.getKey(jwtCaller(), key.id));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
    });

    it('merges a pending last use that is newer than the stored one', async () => {
      const key = keys.seed({ lastUsedAt: new Date(NOW - 60_000) });
      lastUsed.pendingFor.mockReturnValue(new Date(NOW - 1000));
      await expect(service.getKey(jwtCaller(), key.id)).resolves.toMatchObject({ lastUsedAt: new Date(NOW - 1000).toISOString() });
      expect(lastUsed.pendingFor).toHaveBeenCalledWith(key.id);
    });

    it("lists only the caller's keys, one page at a time", async () => {
      for (let i = 0; i < 3; i++) keys.seed();
      keys.seed({ userId: 'someone-else' });
      const page = Object.assign(new PaginationQueryDto(), { page: 2, limit: 2 });

      const result = await service.listKeys(jwtCaller(), page);
      expect(keys.findAndCount).toHaveBeenCalledWith(expect.objectContaining({ where: { userId: 'user-1' }, skip: 2, take: 2 }));
      expect(result.total).toBe(3);
      expect(result.items).toHaveLength(1);
      expect(result.items[0]).not.toHaveProperty('keyHash');
    });
  });
});
