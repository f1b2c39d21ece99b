import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { CoreConfig, coreConfig } from '../config/core.config';
import { SeenMessages } from './seen-messages';

/**
 * What another instance must forget: a key, a user's access, every "unknown key" memory, the
 * memberships of an organisation (its member roles changed, or it was deleted), or its set of
 * JWT signing keys (one was created or retired), an OAuth application (changed or revoked), or an
 * OAuth token or grant that was revoked (until `expiresAt`, epoch ms).
 */
export type Invalidation =
  | { kind: 'key'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'new-key' }
  | { kind: 'organization'; id: string }
  | { kind: 'signing-keys' }
  | { kind: 'oauth-application'; clientId: string }
  | { kind: 'oauth-token-revoked'; id: string; expiresAt: number };

type Transport = 'redis' | 'postgres';

const CHANNEL = 'argus_invalidation';
const RECONNECT_MS = 1000;
/** The longest wait between two attempts to reach Redis again: it is back within this of returning. */
const REDIS_RETRY_MAX_MS = 500;

/**
 * Pushes cache invalidations to every instance so a revocation, deactivation, deletion, rotation
 * or narrowing takes effect everywhere within a second. On a PostgreSQL server every message goes
 * over LISTEN/NOTIFY, and over Redis pub/sub too when REDIS_URL is set: either channel alone
 * delivers it, and receivers drop the second copy. A channel that comes back after losing its
 * connection may have missed messages, so every cache registered here is dropped at once. The
 * embedded database serves a single process, so there it stays local.
 */
@Injectable()
export class InvalidationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly instanceId = randomUUID();
  private readonly handlers: Array<(invalidation: Invalidation) => void> = [];
  private readonly resets: Array<() => void> = [];
  private readonly seen = new SeenMessages();
  private publisher?: Redis;
  private subscriber?: Redis;
  private listener?: Client;
  /** Channels that have been connected once: their next connection follows a loss. */
  private readonly connectedBefore = new Set<Transport>();
  private stopped = false;

  constructor(
    @Inject(coreConfig.KEY) private readonly config: CoreConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Which channels carry invalidations to other instances. */
  get transports(): Transport[] {
    const transports: Transport[] = [];
    if (this.config.redis.url) transports.push('redis');
    if (this.config.database.url) transports.push('postgres');
    return transports;
  }

  async onModuleInit(): Promise<void> {
    if (this.config.redis.url) this.startRedis(this.config.redis.url);
    if (this.config.database.url) await this.startPostgres(this.config.database.url);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
    await this.listener?.end().catch(() => undefined);
  }

  /**
   * `handler` applies each invalidation from another instance; `reset`, when given, drops the whole
   * cache: called when a channel reconnects, since messages sent while it was away are lost to it.
   */
  subscribe(handler: (invalidation: Invalidation) => void, reset?: () => void): void {
    this.handlers.push(handler);
    if (reset) this.resets.push(reset);
  }

  /** Tells the other instances (this one has already applied the change locally). Never throws. */
  publish(invalidation: Invalidation): void {
    const message = JSON.stringify({ ...invalidation, from: this.instanceId, messageId: randomUUID() });
    const failed = (error: Error) => this.logger.warn(`Could not publish an invalidation: ${error.message}`);
    if (this.publisher) this.publisher.publish(CHANNEL, message).catch(failed);
    if (this.config.database.url) this.dataSource.query('SELECT pg_notify($1, $2)', [CHANNEL, message]).catch(failed);
  }

  private receive(raw: string): void {
    let message: Invalidation & { from?: string; messageId?: string };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return;
    }
    if (message.from === this.instanceId) return;
    if (typeof message.messageId === 'string' && !this.seen.first(message.messageId)) return;
    for (const handler of this.handlers) handler(message);
  }

  /** A channel is (again) listening: if it had been before, drop every cache. */
  private listening(transport: Transport): void {
    if (this.connectedBefore.has(transport)) {
      this.logger.warn(`Invalidation channel ${transport} is back: dropping cached keys and access, which may have missed changes`);
      for (const reset of this.resets) reset();
    }
    this.connectedBefore.add(transport);
  }

  private startRedis(url: string): void {
    const options = {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, REDIS_RETRY_MAX_MS),
    };
    this.publisher = new Redis(url, options);
    // Subscribes itself on every connection, so the caches are dropped only once it listens again.
    this.subscriber = new Redis(url, { ...options, autoResubscribe: false });
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    const subscriber = this.subscriber;
    subscriber.on('ready', () => {
      subscriber.subscribe(CHANNEL).then(
        () => this.listening('redis'),
        (error: Error) => {
          this.logger.warn(`Could not subscribe to invalidations: ${error.message}`);
          subscriber.disconnect(true);
        },
      );
    });
  }

  private async startPostgres(url: string): Promise<void> {
    const client = new Client({ connectionString: url });
    client.on('notification', (notification) => notification.payload && this.receive(notification.payload));
    client.on('error', (error) => {
      this.logger.warn(`Invalidation listener lost its connection: ${error.message}`);
      this.reconnectPostgres(url);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
      this.listening('postgres');
    } catch (error) {
      this.logger.warn(`Invalidation listener could not connect: ${(error as Error).message}`);
      client.end().catch(() => undefined);
      this.reconnectPostgres(url);
    }
  }

  private reconnectPostgres(url: string): void {
    if (this.stopped) return;
    const previous = this.listener;
    this.listener = undefined;
    previous?.end().catch(() => undefined);
    setTimeout(() => void (this.stopped ? undefined : this.startPostgres(url)), RECONNECT_MS).unref();
  }
}
