import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Invalidation, InvalidationBus } from '../../core/invalidation/invalidation-bus';
import { PeriodicTask } from '../../core/scheduling/periodic-task';
import { Clock } from '../../core/time/clock';
import { OAuthRevokedTokensRepository } from './revoked-tokens.repository';

/** How often each instance drops expired entries, in memory and in the table. */
export const REVOCATION_PURGE_MS = 10 * 60_000;

/**
 * The deny list of OAuth access tokens: ids are a token's `jti`, or `grant:<grantId>` for every
 * token of a withdrawn consent. Access tokens are JWTs checked offline, so the list is held in
 * memory on every instance (`isRevoked` is synchronous, on every request): loaded at boot, added to
 * by `revoke` here and by the bus kind `oauth-token-revoked` from other instances, and bounded by
 * expiry (an entry lasts only until the latest moment its token could still verify).
 */
@Injectable()
export class OAuthTokenRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OAuthTokenRevocations.name);
  /** id → expiry (epoch ms). */
  private readonly entries = new Map<string, number>();
  private readonly listeners: Array<(id: string) => void> = [];
  private readonly purger = new PeriodicTask<void>(
    () => this.purge(),
    (error) => this.logger.warn(`Could not purge expired OAuth token revocations: ${error.message}`),
  );

  constructor(
    private readonly repository: OAuthRevokedTokensRepository,
    private readonly bus: InvalidationBus,
    private readonly clock: Clock,
  ) {
    bus.subscribe(
      (message) => this.receive(message),
      // A channel that was away may have missed revocations: read them again from the table.
      () => void this.load().catch((error: Error) => this.logger.warn(`Could not reload OAuth token revocations: ${error.message}`)),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.load();
    this.purger.start(REVOCATION_PURGE_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.purger.stop();
  }

  /** Denies `id` until `expiresAt` on every instance: stored first, so a boot after this sees it too. */
  async revoke(id: string, expiresAt: Date): Promise<void> {
    const now = this.clock.now();
    if (expiresAt.getTime() <= now) return;
    await this.repository.insert(id, expiresAt, new Date(now));
    this.add(id, expiresAt.getTime());
    this.bus.publish({ kind: 'oauth-token-revoked', id, expiresAt: expiresAt.getTime() });
  }

  isRevoked(id: string): boolean {
    const expiresAt = this.entries.get(id);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.clock.now()) return true;
    this.entries.delete(id);
    return false;
  }

  /** `listener(id)` runs when an id is denied here or by another instance (caches of verified tokens drop it). */
  onRevoked(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries here and in the table (every instance does; the DELETE is idempotent). */
  async purge(): Promise<void> {
    const now = this.clock.now();
    for (const [id, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(id);
    await this.repository.deleteExpired(new Date(now));
  }

  private async load(): Promise<void> {
    for (const row of await this.repository.listUnexpired(this.clock.date())) this.add(row.id, row.expiresAt.getTime());
  }

  private receive(message: Invalidation): void {
    if (message.kind !== 'oauth-token-revoked' || typeof message.id !== 'string' || typeof message.expiresAt !== 'number') return;
    this.add(message.id, message.expiresAt);
  }

  private add(id: string, expiresAt: number): void {
    if (expiresAt <= this.clock.now()) return;
    this.entries.set(id, Math.max(expiresAt, this.entries.get(id) ?? 0));
    for (const listener of this.listeners) listener(id);
  }
}
