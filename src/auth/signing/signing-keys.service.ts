import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { conflict } from '../../core/errors/app.exception';
import { PeriodicTask } from '../../core/scheduling/periodic-task';
import { Clock } from '../../core/time/clock';
import { AuditContext, SYSTEM_AUDIT } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { AuthConfig, authConfig } from '../auth.config';
import { AsymmetricAlgorithm, PublicJwk, generateKeyPair, isAsymmetric } from './jws';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningKeyRepository } from './signing-key.repository';
import { SigningKeyStore } from './signing-key.store';

/** How often each instance reloads its keys and checks whether the schedule is due. */
export const SIGNING_KEY_TICK_MS = 60_000;
/** Added to the token lifetime a retired key stays published for: instances' clocks and reloads lag a little. */
export const RETIREMENT_MARGIN_SECONDS = 60;
/** Keys that stopped verifying this long ago are deleted. */
const KEEP_EXPIRED_MS = 30 * 86_400_000;

export type SigningKeyStatus = 'active' | 'retired' | 'expired';

/** A signing key as the admin API shows it: its public half and its dates, never the private part. */
export interface SigningKeyView {
  kid: string;
  alg: AsymmetricAlgorithm;
  status: SigningKeyStatus;
  createdAt: Date;
  activatedAt: Date;
  retiredAt: Date | null;
  expiresAt: Date | null;
  publicJwk: PublicJwk;
}

/**
 * The rules of the signing keys: the first one is made at start-up (one for every instance that
 * starts at once: the creation runs under an advisory lock, and the partial unique index allows
 * one unretired key per algorithm), a key signs for JWT_KEY_ROTATION_INTERVAL and is then
 * replaced, by the schedule or an admin, and a replaced key is still published, and still
 * verifies, for the longest lifetime of a token it may have signed.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SigningKeysService.name);
  /** The longest lifetime of a token another module signs with these keys (OAuth access tokens), see coverTokenLifetime. */
  private coveredLifetimeSeconds = 0;
  private readonly ticker = new PeriodicTask<void>(
    () => this.tick(),
    (error) => this.logger.warn(`Signing key check failed: ${error.message}`),
  );

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly store: SigningKeyStore,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  get algorithm(): AsymmetricAlgorithm | undefined {
    const alg = this.config.jwt.algorithm;
    return isAsymmetric(alg) ? alg : undefined;
  }

  async onModuleInit(): Promise<void> {
    if (!this.algorithm) return;
    await this.ensureActive();
    this.ticker.start(SIGNING_KEY_TICK_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /**
   * Makes the configured algorithm's first key unless one exists, and retires the keys of an
   * algorithm no longer configured, and one whose private half this JWT_SECRET cannot open.
   */
  async ensureActive(): Promise<void> {
    const alg = this.requireAlgorithm();
    await this.store.load();
    if (this.store.active(alg) && this.store.published().every((key) => key.alg === alg || key.retiredAt)) return;
    await this.repository.transaction(async (manager) => {
      const active = await this.repository.listActive(manager);
      const unusable = active.filter((key) => key.alg !== alg || this.store.isUnreadable(key.kid));
      for (const key of unusable) await this.retire(manager, key);
      if (!active.some((key) => !unusable.includes(key))) {
        const created = await this.create(manager, alg);
        await this.audit.record(manager, SYSTEM_AUDIT, {
          action: 'signing_key.created',
          targetType: 'signing_key',
          targetId: created.kid,
          changes: { kid: { from: null, to: created.kid }, alg: { from: null, to: alg } },
        });
      }
    });
    await this.store.changed();
  }

  /**
   * Replaces the signing key: the new one signs from now on, the old one verifies until the tokens
   * it signed have expired. `schedule` rotates only when the key is still due (another instance
   * may have rotated it a moment ago); an admin's rotation always happens.
   */
  async rotate(audit: AuditContext, trigger: 'manual' | 'schedule' = 'manual'): Promise<SigningKeyView | null> {
    const alg = this.requireAlgorithm();
    const now = this.clock.now();
    const created = await this.repository.transaction(async (manager) => {
      const previous = (await this.repository.listActive(manager)).find((key) => key.alg === alg);
      if (trigger === 'schedule' && previous && !this.isDue(previous, now)) return null;
      if (previous) await this.retire(manager, previous);
      const key = await this.create(manager, alg);
      await this.audit.record(manager, audit, {
        action: 'signing_key.rotated',
        targetType: 'signing_key',
        targetId: key.kid,
        changes: { kid: { from: previous?.kid ?? null, to: key.kid } },
      });
      return key;
    });
    if (!created) return null;
    await this.store.changed();
    this.logger.log(`Signing key rotated (${trigger}): ${alg} key ${created.kid} now signs`);
    return this.view(created, now);
  }

  /**
   * A seam for modules above that sign tokens of their own with these keys (the OAuth provider):
   * a retired key must stay published as long as the longest of them can live, not only JWT_EXPIRES_IN.
   */
  coverTokenLifetime(seconds: number): void {
    this.coveredLifetimeSeconds = Math.max(this.coveredLifetimeSeconds, seconds);
  }

  /** Every key still stored, newest first, public parts only. */
  async list(): Promise<SigningKeyView[]> {
    const now = this.clock.now();
    return (await this.repository.listAll()).map((key) => this.view(key, now));
  }

  /** One pass: reload (another instance may have rotated), rotate if due, forget long-expired keys. */
  private async tick(): Promise<void> {
    const alg = this.requireAlgorithm();
    await this.store.load();
    const active = this.store.active(alg);
    if (!active) await this.ensureActive();
    else if (this.isDue(active, this.clock.now())) await this.rotate(SYSTEM_AUDIT, 'schedule');
    await this.repository.deleteExpiredBefore(new Date(this.clock.now() - KEEP_EXPIRED_MS));
  }

  private isDue(key: Pick<SigningKeyEntity, 'activatedAt'>, now: number): boolean {
    return key.activatedAt.getTime() + this.config.jwt.keyRotationIntervalSeconds * 1000 <= now;
  }

  private async retire(manager: EntityManager, key: SigningKeyEntity): Promise<void> {
    const now = this.clock.now();
    const lifetimeMs = (Math.max(this.config.jwt.expiresInSeconds, this.coveredLifetimeSeconds) + RETIREMENT_MARGIN_SECONDS) * 1000;
    await this.repository.retire(manager, key.kid, new Date(now), new Date(now + lifetimeMs));
  }

  private create(manager: EntityManager, alg: AsymmetricAlgorithm): Promise<SigningKeyEntity> {
    const kid = randomUUID();
    const { publicJwk, privatePem } = generateKeyPair(alg, kid);
    const now = this.clock.date();
    return this.repository.insert(manager, {
      kid,
      alg,
      publicJwk,
      privateKey: this.store.seal(privatePem),
      createdAt: now,
      activatedAt: now,
    });
  }

  private view(key: SigningKeyEntity, now: number): SigningKeyView {
    const status: SigningKeyStatus = !key.retiredAt ? 'active' : key.expiresAt && key.expiresAt.getTime() <= now ? 'expired' : 'retired';
    const { kid, alg, createdAt, activatedAt, retiredAt, expiresAt, publicJwk } = key;
    return { kid, alg, status, createdAt, activatedAt, retiredAt, expiresAt, publicJwk };
  }

  private requireAlgorithm(): AsymmetricAlgorithm {
    const alg = this.algorithm;
    if (!alg) throw conflict('JWT_ALGORITHM is HS256: access tokens are signed with JWT_SECRET, and there are no signing keys to rotate');
    return alg;
  }
}
