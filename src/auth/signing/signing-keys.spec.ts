import { createPrivateKey } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig, loadConfig } from '../../app.config';
import { AppException } from '../../core/errors/app.exception';
import type { Invalidation, InvalidationBus } from '../../core/invalidation/invalidation-bus';
import { Clock } from '../../core/time/clock';
import { SYSTEM_AUDIT } from '../../events/audit-context';
import type { AuditRecorder } from '../../events/audit-recorder';
import { JwtSigner } from './jwt-signer';
import { JwtVerifier } from './jwt-verifier';
import { generateKeyPair, signJwt } from './jws';
import { SigningKeyEntity } from './signing-key.entity';
import type { NewSigningKey, SigningKeyRepository } from './signing-key.repository';
import { RELOAD_MIN_INTERVAL_MS, SigningKeyStore } from './signing-key.store';
import { RETIREMENT_MARGIN_SECONDS, SigningKeysService } from './signing-keys.service';

const START = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

class MovableClock extends Clock {
  at = START;
  override now(): number {
    return this.at;
  }
}

/** The signing_keys table behind SigningKeyRepository's interface, in memory, counting reads. */
class FakeSigningKeys implements Pick<
  SigningKeyRepository,
  'transaction' | 'listUsable' | 'listAll' | 'listActive' | 'retire' | 'insert' | 'deleteExpiredBefore'
> {
  rows: SigningKeyEntity[] = [];
  reads = 0;
  private readonly manager = {} as EntityManager;

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.manager);
  }
  async listUsable(now: Date) {
    this.reads++;
    return this.rows.filter((row) => !row.expiresAt || row.expiresAt > now).map((row) => ({ ...row }));
  }
  async listAll() {
    return [...this.rows].reverse();
  }
  async listActive() {
    return this.rows.filter((row) => !row.retiredAt);
  }
  async retire(_manager: EntityManager, kid: string, retiredAt: Date, expiresAt: Date) {
    Object.assign(this.rows.find((row) => row.kid === kid && !row.retiredAt) ?? {}, { retiredAt, expiresAt });
  }
  async insert(_manager: EntityManager, key: NewSigningKey) {
    if (this.rows.some((row) => row.alg === key.alg && !row.retiredAt))
      throw new Error('duplicate key value violates UQ_signing_keys_active_alg');
    const row = Object.assign(new SigningKeyEntity(), { ...key, retiredAt: null, expiresAt: null });
    this.rows.push(row);
    return row;
  }
  async deleteExpiredBefore(before: Date) {
    const kept = this.rows.filter((row) => !row.expiresAt || row.expiresAt >= before);
    const removed = this.rows.length - kept.length;
    this.rows = kept;
    return removed;
  }
}

class FakeBus {
  readonly published: Invalidation[] = [];
  private handlers: Array<(invalidation: Invalidation) => void> = [];
  subscribe(handler: (invalidation: Invalidation) => void) {
    this.handlers.push(handler);
  }
  publish(invalidation: Invalidation) {
    this.published.push(invalidation);
  }
  deliver(invalidation: Invalidation) {
    for (const handler of this.handlers) handler(invalidation);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('signing keys', () => {
  let config: AppConfig;
  let clock: MovableClock;
  let rows: FakeSigningKeys;
  let bus: FakeBus;
  let audit: { record: jest.Mock };
  let store: SigningKeyStore;
  let service: SigningKeysService;

  function build(env: Record<string, string> = {}) {
    config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48), JWT_EXPIRES_IN: '1h', JWT_KEY_ROTATION_INTERVAL: '30d', ...env });
    store = new SigningKeyStore(rows as unknown as SigningKeyRepository, clock, bus as unknown as InvalidationBus, config);
    service = new SigningKeysService(rows as unknown as SigningKeyRepository, store, audit as unknown as AuditRecorder, clock, config);
  }

  beforeEach(() => {
    clock = new MovableClock();
    rows = new FakeSigningKeys();
    bus = new FakeBus();
    audit = { record: jest.fn(async () => undefined) };
    build();
  });

  describe('first start', () => {
    it('makes one key, once, audited, and tells the other instances', async () => {
      await service.ensureActive();
      await service.ensureActive();
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({ alg: 'ES256', retiredAt: null, activatedAt: new Date(START) });
      expect(rows.rows[0].privateKey).toMatch(/^v1\./);
      expect(rows.rows[0].privateKey).not.toContain('PRIVATE KEY');
      expect(audit.record).toHaveBeenCalledTimes(1);
      expect(audit.record.mock.calls[0][2]).toMatchObject({ action: 'signing_key.created', targetType: 'signing_key' });
      expect(bus.published).toEqual([{ kind: 'signing-keys' }]);
      expect(store.active('ES256')?.kid).toBe(rows.rows[0].kid);
    });

    it('an instance that finds the key another made uses it', async () => {
      await service.ensureActive();
      const other = new SigningKeyStore(rows as unknown as SigningKeyRepository, clock, bus as unknown as InvalidationBus, config);
      await new SigningKeysService(
        rows as unknown as SigningKeyRepository,
        other,
        audit as unknown as AuditRecorder,
        clock,
        config,
      ).ensureActive();
      expect(rows.rows).toHaveLength(1);
      expect(other.active('ES256')?.kid).toBe(rows.rows[0].kid);
    });

    it('a changed JWT_ALGORITHM retires the old key (still verifying for a token lifetime) and makes one of the new', async () => {
      await service.ensureActive();
      const old = rows.rows[0].kid;
      clock.at += HOUR;
      build({ JWT_ALGORITHM: 'EdDSA' });
      await service.ensureActive();
      expect(rows.rows.map((row) => [row.alg, row.retiredAt?.getTime() ?? null])).toEqual([
        ['ES256', START + HOUR],
        ['EdDSA', null],
      ]);
      expect(await store.find(old)).toBeDefined();
      expect(store.active('EdDSA')).toBeDefined();
    });

    it('a JWT_SECRET that cannot open the stored key retires it and makes a new one', async () => {
      await service.ensureActive();
      const old = rows.rows[0].kid;
      build({ JWT_SECRET: 't'.repeat(48) });
      await service.ensureActive();
      expect(rows.rows.map((row) => row.retiredAt === null)).toEqual([false, true]);
      expect(store.active('ES256')?.kid).not.toBe(old);
      expect(await store.find(old)).toBeDefined(); // public halves are not sealed: its tokens still verify
    });

    it('HS256 has no keys to rotate: 409', async () => {
      build({ JWT_ALGORITHM: 'HS256' });
      await expect(service.rotate(SYSTEM_AUDIT)).rejects.toMatchObject({ status: 409 });
      await expect(service.rotate(SYSTEM_AUDIT)).rejects.toBeInstanceOf(AppException);
    });
  });

  describe('rotation windows', () => {
    it('the previous key stops signing now and verifies for one token lifetime plus the margin, then neither', async () => {
      await service.ensureActive();
      const old = rows.rows[0].kid;
      clock.at += DAY;
      const created = await service.rotate(SYSTEM_AUDIT);
      expect(created).toMatchObject({ status: 'active', alg: 'ES256' });
      const lifetime = (3600 + RETIREMENT_MARGIN_SECONDS) * 1000;
      expect(rows.rows[0]).toMatchObject({ retiredAt: new Date(START + DAY), expiresAt: new Date(START + DAY + lifetime) });
      expect(store.active('ES256')?.kid).toBe(created?.kid);
      expect(store.published().map((key) => key.kid)).toEqual([created?.kid, old]);
      expect((await service.list()).map((key) => key.status)).toEqual(['active', 'retired']);

      clock.at += lifetime - 1;
      expect(await store.find(old)).toBeDefined();
      clock.at += 1;
      expect(await store.find(old)).toBeUndefined();
      expect(store.published().map((key) => key.kid)).toEqual([created?.kid]);
      expect((await service.list()).map((key) => key.status)).toEqual(['active', 'expired']);
    });

    it('the schedule rotates a key once it has signed for JWT_KEY_ROTATION_INTERVAL, and only once across instances', async () => {
      await service.ensureActive();
      clock.at += 30 * DAY - 1;
      await expect(service.rotate(SYSTEM_AUDIT, 'schedule')).resolves.toBeNull();
      clock.at += 1;
      const first = await service.rotate(SYSTEM_AUDIT, 'schedule');
      // A second instance ticking a moment later finds the key it saw as due already replaced.
      await expect(service.rotate(SYSTEM_AUDIT, 'schedule')).resolves.toBeNull();
      expect(first).not.toBeNull();
      expect(rows.rows.filter((row) => !row.retiredAt)).toHaveLength(1);
      expect(audit.record.mock.calls.map((call) => call[2].action)).toEqual(['signing_key.created', 'signing_key.rotated']);
    });
  });

  describe('the key store', () => {
    it('loads the table at most once a second however many unknown kids arrive, remembering each', async () => {
      await service.ensureActive();
      const before = rows.reads;
      clock.at += RELOAD_MIN_INTERVAL_MS;
      await expect(store.find('random-first')).resolves.toBeUndefined();
      expect(rows.reads - before).toBe(1);
      // Within the second: they all wait for one shared read when it is up.
      const found = await Promise.all(Array.from({ length: 50 }, (_, i) => store.find(`random-${i}`)));
      expect(found.every((key) => key === undefined)).toBe(true);
      expect(rows.reads - before).toBe(2);
      clock.at += RELOAD_MIN_INTERVAL_MS;
      await store.find('random-0'); // remembered as unknown: no read
      expect(rows.reads - before).toBe(2);
    });

    it('finds a key another instance made on the token that names it', async () => {
      await service.ensureActive();
      const { publicJwk, privatePem } = generateKeyPair('ES256', 'made-elsewhere');
      rows.rows.push(
        Object.assign(new SigningKeyEntity(), {
          kid: 'made-elsewhere',
          alg: 'ES256',
          publicJwk,
          privateKey: store.seal(privatePem),
          createdAt: clock.date(),
          activatedAt: clock.date(),
          retiredAt: clock.date(),
          expiresAt: new Date(clock.now() + HOUR),
        }),
      );
      clock.at += RELOAD_MIN_INTERVAL_MS;
      expect((await store.find('made-elsewhere'))?.alg).toBe('ES256');
    });

    it('reloads on the invalidation bus, and reports keys that stopped verifying', async () => {
      await service.ensureActive();
      const removed: string[] = [];
      store.onRemoved((kid) => removed.push(kid));
      const old = rows.rows[0].kid;
      // Another instance rotates: this store hears of it on the bus only.
      const otherStore = new SigningKeyStore(rows as unknown as SigningKeyRepository, clock, bus as unknown as InvalidationBus, config);
      await new SigningKeysService(
        rows as unknown as SigningKeyRepository,
        otherStore,
        audit as unknown as AuditRecorder,
        clock,
        config,
      ).rotate(SYSTEM_AUDIT);
      bus.deliver({ kind: 'signing-keys' });
      await settle();
      expect(store.active('ES256')?.kid).not.toBe(old);
      clock.at += 2 * HOUR;
      await store.load();
      expect(removed).toEqual([old]);
    });
  });

  describe('JwtVerifier', () => {
    const claims = (fields: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return { sub: 'u', jti: 'j', iat: now, exp: now + 600, iss: 'argus', aud: 'argus-api', ...fields };
    };

    it('verifies once per token: the second presentation is a cache hit, with no key look-up', async () => {
      await service.ensureActive();
      const verifier = new JwtVerifier(config, store);
      const token = new JwtSigner(config, store).sign(claims());
      const find = jest.spyOn(store, 'find');
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u' });
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u' });
      expect(find).toHaveBeenCalledTimes(1);
      expect(verifier.cache.size).toBe(1);
    });

    it('tells an expired token from an invalid one, and checks iss, aud and nbf', async () => {
      await service.ensureActive();
      const verifier = new JwtVerifier(config, store);
      const signer = new JwtSigner(config, store);
      const now = Math.floor(Date.now() / 1000);
      await expect(verifier.verify(signer.sign(claims({ iat: now - 7200, exp: now - 3600 })))).rejects.toMatchObject({
        code: 'token_expired',
      });
      for (const bad of [{ iss: 'evil' }, { aud: 'other' }, { exp: undefined }, { exp: 'soon' }, { nbf: now + 600 }]) {
        await expect(verifier.verify(signer.sign(claims(bad)))).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
      }
      await expect(verifier.verify(signer.sign(claims({ aud: ['other', 'argus-api'] })))).resolves.toBeDefined();
    });

    it('drops cached tokens of a key that stopped verifying, and refuses them', async () => {
      await service.ensureActive();
      const verifier = new JwtVerifier(config, store);
      const token = new JwtSigner(config, store).sign(claims());
      await verifier.verify(token);
      await service.rotate(SYSTEM_AUDIT);
      rows.rows = rows.rows.filter((row) => !row.retiredAt); // deleted by hand
      await store.load();
      expect(verifier.cache.size).toBe(0);
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'invalid_token' });
    });

    it('HS256: JWT_SECRET verifies, an asymmetric token does not', async () => {
      await service.ensureActive();
      const es256 = new JwtSigner(config, store).sign(claims());
      build({ JWT_ALGORITHM: 'HS256' });
      const verifier = new JwtVerifier(config, store);
      await expect(verifier.verify(new JwtSigner(config, store).sign(claims()))).resolves.toBeDefined();
      await expect(verifier.verify(es256)).rejects.toMatchObject({ code: 'invalid_token' });
      const { privatePem } = generateKeyPair('ES256', 'x');
      await expect(verifier.verify(signJwt(claims(), 'ES256', createPrivateKey(privatePem), 'x'))).rejects.toMatchObject({
        code: 'invalid_token',
      });
    });
  });
});
