import type { UserRepository } from '../../src/users/user.repository';
import { EntityManager } from 'typeorm';
import { Principal } from '../../src/access/principal';
import { ROLE_SCOPES } from '../../src/access/scopes';
import { ApiKeyMapper } from '../../src/api-keys/api-key.mapper';
import { ApiKeyRepository } from '../../src/api-keys/api-key.repository';
import { NewApiKey } from '../../src/api-keys/api-key.repository.types';
import { ApiKeyEntity } from '../../src/api-keys/entities/api-key.entity';
import { KeyDelegation } from '../../src/api-keys/key-delegation';
import { KeyRotationService } from '../../src/api-keys/key-rotation.service';
import { KeySettings } from '../../src/api-keys/key-settings';
import { KeyTransaction } from '../../src/api-keys/key-transaction';
import { KeyUnitOfWork } from '../../src/api-keys/key-unit-of-work';
import { LastUsedTracker } from '../../src/api-keys/last-used.tracker';
import { ManageableKeys } from '../../src/api-keys/manageable-keys';
import { AppException } from '../../src/core/errors/app.exception';
import { loadConfig } from '../../src/app.config';
import { Clock } from '../../src/core/time/clock';
import { AuditContext } from '../../src/events/audit-context';
import { AuditRecorder } from '../../src/events/audit-recorder';
import { KeyScopesService } from '../../src/organizations/key-scopes.service';
import { MembershipAccessService } from '../../src/organizations/membership-access.service';
import { RateLimitService } from '../../src/rate-limit/rate-limit.service';
import { automock } from './automock';

/** The api-keys services' unit tier: the repository, the audit trail and the transaction faked by their interfaces. */

export const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48) });

export const NOW = Date.parse('2026-03-01T12:00:00.000Z');

export class FixedClock extends Clock {
  constructor(private readonly time: number) {
    super();
  }

  override now(): number {
    return this.time;
  }
}

/** A stored key, as the repository would load it. */
export function keyStub(overrides: Partial<ApiKeyEntity> = {}): ApiKeyEntity {
  return Object.assign(new ApiKeyEntity(), {
    id: 'key-1',
    userId: 'user-1',
    name: 'seeded',
    organizationId: null,
    projectId: null,
    parentKeyId: null,
    keyPrefix: 'argus_ab',
    keyHash: 'f'.repeat(64),
    scopes: ['read:keys', 'write:keys'],
    isActive: true,
    revokedAt: null,
    expiresAt: null,
    rateLimit: null,
    quota: null,
    allowedIps: null,
    certificateThumbprint: null,
    rotatedAt: null,
    replacedById: null,
    rotationPolicy: null,
    rotationDueAt: null,
    lastUsedAt: null,
    createdAt: new Date(NOW - 86_400_000),
    updatedAt: new Date(NOW - 86_400_000),
    ...overrides,
  });
}

export const jwtCaller = (role: Principal['role'] = 'user', overrides: Partial<Principal> = {}): Principal => ({
  method: 'jwt',
  userId: 'user-1',
  role,
  scopes: [...ROLE_SCOPES[role]],
  organizationId: null,
  projectId: null,
  expiresAt: null,
  ...overrides,
});

export const keyCaller = (scopes: string[], overrides: Partial<Principal> = {}): Principal => ({
  method: 'api_key',
  userId: 'user-1',
  role: 'user',
  scopes,
  keyId: 'calling-key',
  organizationId: null,
  projectId: null,
  expiresAt: null,
  ...overrides,
});

/** Who acted, as the controller passes it. */
export const AUDIT: AuditContext = {
  actorType: 'user',
  actorId: 'user-1',
  actorKeyId: null,
  ip: '127.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
};

export async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

/**
 * The collaborators of the api-keys services: the repository, the audit recorder and the unit of
 * work are typed fakes; the rules in between (which keys a caller may act on, delegation, limits,
 * the response mapper) are the real ones. `tx` is the one transaction every `unitOfWork.run`
 * hands out, and `inTransaction` says whether one is open.
 */
export function keysTestContext() {
  const clock = new FixedClock(NOW);
  const keys = automock(ApiKeyRepository);
  const audit = automock(AuditRecorder);
  const lastUsed = automock(LastUsedTracker);
  const unitOfWork = automock(KeyUnitOfWork);
  const manager = {} as EntityManager;
  const tx = new KeyTransaction(manager);
  const state = { open: 0, runs: 0 };
  unitOfWork.run.mockImplementation(async (work) => {
    state.open++;
    state.runs++;
    try {
      return await work(tx);
    } finally {
      state.open--;
    }
  });
  let nextId = 1;
  keys.insert.mockImplementation(async (_tx, fields: NewApiKey) =>
    Object.assign(keyStub({ id: `new-${nextId++}`, createdAt: new Date(NOW), updatedAt: new Date(NOW) }), fields),
  );
  keys.save.mockImplementation(async (_tx, key) => key);
  keys.revokeDescendants.mockResolvedValue([]);
  keys.shareLockState.mockResolvedValue({ revokedAt: null, isActive: true });
  const mapper = new ApiKeyMapper(clock, lastUsed, new RateLimitService(config.rateLimit, config, clock));
  const delegation = new KeyDelegation(keys, clock, audit);
  const manageable = new ManageableKeys(keys, new KeyScopesService(undefined as unknown as MembershipAccessService), delegation, {
    getAccess: () => Promise.resolve(null),
  } as unknown as UserRepository);
  const rotation = new KeyRotationService(keys, unitOfWork, clock, audit, config, manageable);
  return {
    clock,
    keys,
    audit,
    lastUsed,
    unitOfWork,
    tx,
    manager,
    get inTransaction(): boolean {
      return state.open > 0;
    },
    get transactions(): number {
      return state.runs;
    },
    mapper,
    delegation,
    manageable,
    rotation,
    settings: new KeySettings(config.rateLimit),
    config,
  };
}

export type KeysTestContext = ReturnType<typeof keysTestContext>;
