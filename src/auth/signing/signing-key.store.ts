import { Inject, Injectable } from '@nestjs/common';
import { JsonWebKey, KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { SecretBox } from '../../core/crypto/secret-box';
import { InvalidationBus } from '../../core/invalidation/invalidation-bus';
import { Clock } from '../../core/time/clock';
import { AuthConfig, authConfig } from '../auth.config';
import type { AsymmetricAlgorithm, PublicJwk } from './jws';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningKeyRepository } from './signing-key.repository';

/** A signing key as this instance holds it: the public half parsed once, the private one only for the key that signs. */
export interface LoadedKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  publicJwk: PublicJwk;
  publicKey: KeyObject;
  /** Opened only for the key this instance signs with. */
  privateKey?: KeyObject;
  activatedAt: Date;
  retiredAt: Date | null;
  expiresAt: Date | null;
}

/** However many unknown kids arrive, the table is read at most once per this. */
export const RELOAD_MIN_INTERVAL_MS = 1000;
/** An unknown kid is answered from memory for this long (cleared early when the key set changes). */
export const UNKNOWN_KID_TTL_MS = 30_000;
const UNKNOWN_KIDS_MAX = 1000;

/**
 * Every instance's copy of the `signing_keys` rows that still verify. Reloaded when another
 * instance announces a change on the invalidation bus, on the rotation task's tick, and when a
 * token names a kid it does not hold (a key another instance just made): at most once a second
 * however many random kids are sent (a kid waits for the next read, up to a second), and each
 * kid still unknown after it is remembered for a while, so forged headers cannot turn into
 * database load.
 */
@Injectable()
export class SigningKeyStore {
  private readonly box: SecretBox;
  private keys = new Map<string, LoadedKey>();
  private readonly unknown = new LRUCache<string, number>({ max: UNKNOWN_KIDS_MAX });
  private readonly unreadable = new Set<string>();
  private readonly removedListeners: Array<(kid: string) => void> = [];
  private loading?: Promise<void>;
  private scheduled?: Promise<void>;
  private lastLoadAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly clock: Clock,
    private readonly bus: InvalidationBus,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    this.box = new SecretBox(config.jwt.secret, 'jwt-signing-keys');
    bus.subscribe(
      (invalidation) => {
        if (invalidation.kind === 'signing-keys') void this.load().catch(() => undefined);
      },
      () => void this.load().catch(() => undefined),
    );
  }

  /** Seals a private key for storage. */
  seal(privatePem: string): string {
    return this.box.seal(privatePem);
  }

  /** `listener` hears of each key that no longer verifies (expired or gone), to drop what it verified. */
  onRemoved(listener: (kid: string) => void): void {
    this.removedListeners.push(listener);
  }

  /** Reads the table again (a load under way is shared). */
  load(): Promise<void> {
    this.loading ??= this.read().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** This instance made a change: load it, and tell the others. */
  async changed(): Promise<void> {
    await this.load();
    this.bus.publish({ kind: 'signing-keys' });
  }

  /** The key that signs with `alg` now, if this instance knows one. */
  active(alg: AsymmetricAlgorithm): LoadedKey | undefined {
    for (const key of this.keys.values()) if (key.alg === alg && key.retiredAt === null && key.privateKey) return key;
    return undefined;
  }

  /** The keys to publish: every one that still verifies, signing ones first. */
  published(): LoadedKey[] {
    const now = this.clock.now();
    return [...this.keys.values()]
      .filter((key) => this.usable(key, now))
      .sort((a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null) || b.activatedAt.getTime() - a.activatedAt.getTime());
  }

  /** The key `kid` names, if it still verifies; loads the table (bounded) for a kid not seen yet. */
  async find(kid: string): Promise<LoadedKey | undefined> {
    const now = this.clock.now();
    let key = this.keys.get(kid);
    if (!key) {
      if ((this.unknown.get(kid) ?? 0) > now) return undefined;
      await this.loadSoon(now);
      key = this.keys.get(kid);
      if (!key) this.unknown.set(kid, now + UNKNOWN_KID_TTL_MS);
    }
    return key && this.usable(key, now) ? key : undefined;
  }

  /** Whether `kid` is a key held here that still verifies (no load: the verified-token cache's check). */
  verifies(kid: string): boolean {
    const key = this.keys.get(kid);
    return key !== undefined && this.usable(key, this.clock.now());
  }

  /**
   * A read of the table no earlier than the throttle allows: now if the last one is a second old,
   * else one shared read when the second is up (a kid made just after the last read still loads).
   */
  private loadSoon(now: number): Promise<void> {
    const wait = this.lastLoadAt + RELOAD_MIN_INTERVAL_MS - now;
    if (wait <= 0) return this.load();
    this.scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, wait).unref()).then(() => {
      this.scheduled = undefined;
      return this.load();
    });
    return this.scheduled;
  }

  private usable(key: LoadedKey, now: number): boolean {
    return key.expiresAt === null || key.expiresAt.getTime() > now;
  }

  private async read(): Promise<void> {
    this.lastLoadAt = this.clock.now();
    const rows = await this.repository.listUsable(this.clock.date());
    const next = new Map<string, LoadedKey>();
    for (const row of rows) next.set(row.kid, this.keys.get(row.kid) ?? this.parse(row));
    for (const row of rows) {
      const key = next.get(row.kid) as LoadedKey;
      // Retirement and expiry are the only fields that change; take them from the row.
      key.retiredAt = row.retiredAt;
      key.expiresAt = row.expiresAt;
      if (row.retiredAt === null && row.alg === this.config.jwt.algorithm) key.privateKey ??= this.open(row);
      else key.privateKey = undefined;
    }
    const removed = [...this.keys.keys()].filter((kid) => !next.has(kid));
    this.keys = next;
    this.unknown.clear();
    for (const kid of removed) for (const listener of this.removedListeners) listener(kid);
  }

  /** Whether the private half of `kid` could not be opened (sealed under another JWT_SECRET). */
  isUnreadable(kid: string): boolean {
    return this.unreadable.has(kid);
  }

  private open(row: SigningKeyEntity): KeyObject | undefined {
    try {
      return createPrivateKey(this.box.open(row.privateKey));
    } catch {
      // JWT_SECRET changed: the key cannot sign here; start-up retires it and makes a new one.
      this.unreadable.add(row.kid);
      return undefined;
    }
  }

  private parse(row: SigningKeyEntity): LoadedKey {
    return {
      kid: row.kid,
      alg: row.alg,
      publicJwk: row.publicJwk,
      publicKey: createPublicKey({ key: row.publicJwk as unknown as JsonWebKey, format: 'jwk' }),
      activatedAt: row.activatedAt,
      retiredAt: row.retiredAt,
      expiresAt: row.expiresAt,
    };
  }
}
