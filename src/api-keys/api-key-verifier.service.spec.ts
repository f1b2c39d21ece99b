import { QueryFailedError } from 'typeorm';
import { automock } from '../../test/support/automock';
import { AppException } from '../core/errors/app.exception';
import type { Invalidation, InvalidationBus } from '../core/invalidation/invalidation-bus';
import { Clock } from '../core/time/clock';
import { AppConfig, loadConfig } from '../app.config';
import { generateApiKey, hashApiKey } from './api-key-format';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyEntity } from './entities/api-key.entity';

class ManualClock extends Clock {
  time = Date.parse('2026-03-01T12:00:00.000Z');

  override now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** Stored keys, served to the verifier through a typed fake of the one repository method it uses. */
class KeyTable {
  readonly rows: ApiKeyEntity[] = [];
  readonly repository = automock(ApiKeyRepository);

  readonly findByHash = this.repository.findByHash.mockImplementation(async (hash) => {
    const row = this.rows.find((candidate) => candidate.keyHash === hash);
    return row ? Object.assign(new ApiKeyEntity(), row) : null;
  });

  /** Stores a row for a fresh key and hands back the key. */
  add(overrides: Partial<ApiKeyEntity> = {}): { key: string; row: ApiKeyEntity } {
    const key = generateApiKey();
    const row = Object.assign(new ApiKeyEntity(), {
      id: `key-${this.rows.length + 1}`,
      userId: 'user-1',
      name: 'test',
      keyPrefix: key.slice(0, 8),
      keyHash: hashApiKey(key),
      scopes: ['read:keys'],
      isActive: true,
      revokedAt: null,
      expiresAt: null,
      rateLimit: null,
      allowedIps: null,
      certificateThumbprint: null,
      lastUsedAt: null,
      ...overrides,
    });
    this.rows.push(row);
    return { key, row };
  }
}

const CACHE_TTL_SECONDS = 60;
const NEGATIVE_TTL_SECONDS = 30;

/** The configuration the app would load, with the cache settings these tests count on. */
function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 's'.repeat(48),
    ...env,
    API_KEY_CACHE_TTL_SECONDS: String(CACHE_TTL_SECONDS),
    API_KEY_NEGATIVE_CACHE_TTL_SECONDS: String(NEGATIVE_TTL_SECONDS),
    API_KEY_CACHE_MAX_ENTRIES: '1000',
  });
}

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

describe('ApiKeyVerifier', () => {
  let keys: KeyTable;
  let clock: ManualClock;
  let verifier: ApiKeyVerifier;

  const expectRefused = async (presented: string, code: string): Promise<void> => {
    const error = await rejection(verifier.verify(presented));
    expect(error.getStatus()).toBe(401);
    expect(error.code).toBe(code);
  };

  beforeEach(() => {
    keys = new KeyTable();
    clock = new ManualClock();
    verifier = new ApiKeyVerifier(keys.repository, testConfig(), testConfig().apiKeys, clock);
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', 'argos_' + 'a'.repeat(43)],
    ['too short', 'argus_abc'],
    ['bad checksum', 'checksum'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'],
  ])('refuses a malformed key (%s) as invalid_api_key without a query', async (_label, presented) => {
    let key = presented;
    if (presented === 'checksum') {
      const good = generateApiKey();
      key = good.slice(0, -1) + (good.endsWith('a') ? 'b' : 'a');
    }
    await expectRefused(key, 'invalid_api_key');
    expect(keys.findByHash).not.toHaveBeenCalled();
  });

  it('looks a good key up by its hash once, then serves it from the cache', async () => {
    const { key, row } = keys.add({ scopes: ['read:keys', 'write:keys'], rateLimit: { limit: 5, windowSeconds: 60 } });

    for (let i = 0; i < 5; i++) {
      await expect(verifier.verify(key)).resolves.toEqual({
        id: row.id,
        userId: 'user-1',
        scopes: ['read:keys', 'write:keys'],
        isActive: true,
        revoked: false,
        rotated: false,
        expiresAt: null,
        rateLimit: { limit: 5, windowSeconds: 60 },
        allowedIps: null,
        certificateThumbprint: null,
        allowsIp: null,
      });
    }
    expect(keys.findByHash).toHaveBeenCalledTimes(1);
    expect(keys.findByHash).toHaveBeenCalledWith(hashApiKey(key));
    expect(JSON.stringify(keys.findByHash.mock.calls)).not.toContain(key);
  });

  it('costs one query for a burst of concurrent verifications of a cold key', async () => {
    const { key } = keys.add();
    const results = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(key)));
    expect(results.every((record) => record.userId === 'user-1')).toBe(true);
    expect(keys.findByHash).toHaveBeenCalledTimes(1);
  });

  it('looks the key up again once the cache entry expires', async () => {
    const { key } = keys.add();
    await verifier.verify(key);
    clock.advance(CACHE_TTL_SECONDS * 1000);
    await verifier.verify(key);
    expect(keys.findByHash).toHaveBeenCalledTimes(2);
  });

  it('refuses an unknown well-formed key and remembers the miss for the negative ttl', async () => {
    const unknown = generateApiKey();
    for (let i = 0; i < 4; i++) await expectRefused(unknown, 'invalid_api_key');
    expect(keys.findByHash).toHaveBeenCalledTimes(1);

    clock.advance(NEGATIVE_TTL_SECONDS * 1000);
    await expectRefused(unknown, 'invalid_api_key');
    expect(keys.findByHash).toHaveBeenCalledTimes(2);
  });

  it('forgetHash lets a newly created key through despite a cached miss', async () => {
    const key = generateApiKey();
    await expectRefused(key, 'invalid_api_key');

    keys.rows.push(
      Object.assign(new ApiKeyEntity(), {
        id: 'new-key',
        userId: 'user-1',
        keyHash: hashApiKey(key),
        scopes: ['read:keys'],
        isActive: true,
        revokedAt: null,
        expiresAt: null,
        rateLimit: null,
        allowedIps: null,
        certificateThumbprint: null,
      }),
    );
    verifier.forgetHash(hashApiKey(key));
    await expect(verifier.verify(key)).resolves.toMatchObject({ id: 'new-key' });
  });

  it('refuses a revoked key as api_key_revoked', async () => {
    const { key } = keys.add({ revokedAt: new Date(clock.now() - 1000) });
    await expectRefused(key, 'api_key_revoked');
  });

  it('refuses an inactive key as api_key_inactive', async () => {
    const { key } = keys.add({ isActive: false });
    await expectRefused(key, 'api_key_inactive');
  });

  it('reports revocation before inactivity', async () => {
    const { key } = keys.add({ isActive: false, revokedAt: new Date(clock.now() - 1000) });
    await expectRefused(key, 'api_key_revoked');
  });

  it('refuses a key once the clock reaches its expiry, even from the cache', async () => {
    const { key } = keys.add({ expiresAt: new Date(clock.now() + 10_000) });
    await expect(verifier.verify(key)).resolves.toMatchObject({ expiresAt: clock.now() + 10_000 });

    clock.advance(9_999);
    await expect(verifier.verify(key)).resolves.toBeDefined();
    clock.advance(1);
    await expectRefused(key, 'api_key_expired');
    expect(keys.findByHash).toHaveBeenCalledTimes(1);
  });

  it('invalidate(id) forces a fresh look-up that sees the change', async () => {
    const { key, row } = keys.add();
    await verifier.verify(key);

    row.revokedAt = new Date(clock.now());
    await expect(verifier.verify(key)).resolves.toBeDefined(); // still cached
    expect(keys.findByHash).toHaveBeenCalledTimes(1);

    verifier.invalidate(row.id);
    await expectRefused(key, 'api_key_revoked');
    expect(keys.findByHash).toHaveBeenCalledTimes(2);
  });

  it('invalidate(id) only drops that key', async () => {
    const first = keys.add();
    const second = keys.add();
    await verifier.verify(first.key);
    await verifier.verify(second.key);
    expect(keys.findByHash).toHaveBeenCalledTimes(2);

    verifier.invalidate(first.row.id);
    await verifier.verify(second.key);
    expect(keys.findByHash).toHaveBeenCalledTimes(2);
    await verifier.verify(first.key);
    expect(keys.findByHash).toHaveBeenCalledTimes(3);
  });

  it('invalidating a key that is still being loaded keeps that load out of the cache', async () => {
    const { key, row } = keys.add();
    const snapshot = Object.assign(new ApiKeyEntity(), row);
    const slow = deferred<ApiKeyEntity | null>();
    keys.findByHash.mockImplementationOnce(() => slow.promise);

    const inFlight = verifier.verify(key);
    row.revokedAt = new Date(clock.now());
    verifier.invalidate(row.id); // its hash is not known yet: every pending load is discarded
    slow.resolve(snapshot);
    await expect(inFlight).resolves.toMatchObject({ id: row.id, revoked: false });

    await expectRefused(key, 'api_key_revoked');
    expect(keys.findByHash).toHaveBeenCalledTimes(2);
  });

  describe('while the database is unreachable (stale-if-error)', () => {
    const GRACE_SECONDS = 300;
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const databaseDown = () => keys.findByHash.mockImplementation(async () => Promise.reject(refused()));

    /** A bus that delivers what another instance would publish. */
    class LocalBus {
      readonly handlers: Array<(invalidation: Invalidation) => void> = [];
      subscribe(handler: (invalidation: Invalidation) => void): void {
        this.handlers.push(handler);
      }
      publish(): void {}
      deliver(invalidation: Invalidation): void {
        for (const handler of this.handlers) handler(invalidation);
      }
    }

    const withGrace = (graceSeconds: number, bus?: LocalBus) =>
      new ApiKeyVerifier(
        keys.repository,
        testConfig({ API_KEY_STALE_GRACE_SECONDS: String(graceSeconds) }),
        testConfig().apiKeys,
        clock,
        bus as unknown as InvalidationBus,
      );

    it('keeps serving a key verified within the grace after its cache entry expired', async () => {
      verifier = withGrace(GRACE_SECONDS);
      const { key, row } = keys.add();
      await verifier.verify(key);
      databaseDown();
      clock.advance(CACHE_TTL_SECONDS * 1000);
      await expect(verifier.verify(key)).resolves.toMatchObject({ id: row.id });
      clock.advance((GRACE_SECONDS - CACHE_TTL_SECONDS) * 1000 - 1);
      await expect(verifier.verify(key)).resolves.toMatchObject({ id: row.id });
    });

    it('fails with the outage (never a 401) once the key was verified longer ago than the grace', async () => {
      verifier = withGrace(GRACE_SECONDS);
      const { key } = keys.add();
      await verifier.verify(key);
      databaseDown();
      clock.advance(GRACE_SECONDS * 1000);
      await expect(verifier.verify(key)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('with a grace of 0, fails with the outage as soon as the cache entry expires', async () => {
      verifier = withGrace(0);
      const { key } = keys.add();
      await verifier.verify(key);
      databaseDown();
      clock.advance(CACHE_TTL_SECONDS * 1000);
      await expect(verifier.verify(key)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('still refuses a key that expires during the outage', async () => {
      verifier = withGrace(GRACE_SECONDS);
      const { key } = keys.add({ expiresAt: new Date(clock.now() + (CACHE_TTL_SECONDS + 10) * 1000) });
      await verifier.verify(key);
      databaseDown();
      clock.advance(CACHE_TTL_SECONDS * 1000);
      await expect(verifier.verify(key)).resolves.toBeDefined();
      clock.advance(10_000);
      await expectRefused(key, 'api_key_expired');
    });

    it('does not cover a failure that is not an outage', async () => {
      verifier = withGrace(GRACE_SECONDS);
      const { key } = keys.add();
      await verifier.verify(key);
      const bug = new QueryFailedError('SELECT', [], Object.assign(new Error('column does not exist'), { code: '42703' }));
      keys.findByHash.mockImplementation(async () => Promise.reject(bug));
      clock.advance(CACHE_TTL_SECONDS * 1000);
      await expect(verifier.verify(key)).rejects.toBe(bug);
    });

    it('an unknown key is not "invalid" during an outage: its look-up fails with the outage', async () => {
      verifier = withGrace(GRACE_SECONDS);
      databaseDown();
      await expect(verifier.verify(generateApiKey())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('a revocation received from another instance evicts the stale entry at once', async () => {
      const bus = new LocalBus();
      verifier = withGrace(GRACE_SECONDS, bus);
      const { key, row } = keys.add();
      await verifier.verify(key);
      databaseDown();
      clock.advance(CACHE_TTL_SECONDS * 1000);
      await expect(verifier.verify(key)).resolves.toBeDefined();
      bus.deliver({ kind: 'key', id: row.id });
      await expect(verifier.verify(key)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('goes back to the database once it answers again', async () => {
      verifier = withGrace(GRACE_SECONDS);
      const { key, row } = keys.add();
      await verifier.verify(key);
      databaseDown();
      clock.advance(CACHE_TTL_SECONDS * 1000);
      await verifier.verify(key);
      keys.findByHash.mockImplementation(async () => Object.assign(new ApiKeyEntity(), row, { revokedAt: new Date(clock.now()) }));
      clock.advance(1000);
      // The first request after the retry interval answers from the stale entry while the refresh runs...
      await expect(verifier.verify(key)).resolves.toMatchObject({ revoked: false });
      await new Promise((resolve) => setImmediate(resolve));
      // ...and the refreshed record is what counts from then on.
      await expectRefused(key, 'api_key_revoked');
    });
  });
});
