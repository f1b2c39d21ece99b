import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/**
 * What another instance must forget: a key, a user's access, every "unknown key" memory, or the
 * memberships of an organisation (its member roles changed, or it was deleted).
 */
export type Invalidation =
  { kind: 'key'; id: string } | { kind: 'user'; id: string } | { kind: 'new-key' } | { kind: 'organization'; id: string };

const CHANNEL = 'argus_invalidation';
const RECONNECT_MS = 1000;

/**
 * Pushes cache invalidations to every instance so a revocation, deactivation, deletion, rotation
 * or narrowing takes effect everywhere within a second: over Redis pub/sub when REDIS_URL is set,
 * else over PostgreSQL LISTEN/NOTIFY on a shared server. The embedded database serves a single
 * process, so there it stays local. The caches' bounded lifetime is the safety net for a lost message.
 */
@Injectable()
export class InvalidationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly instanceId = randomUUID();
  private readonly handlers: Array<(invalidation: Invalidation) => void> = [];
  private publisher?: Redis;
  private subscriber?: Redis;
  private listener?: Client;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Which transport carries invalidations to other instances. */
  get transport(): 'redis' | 'postgres' | 'local' {
    if (this.config.rateLimit.redisUrl) return 'redis';
    return this.config.database.url ? 'postgres' : 'local';
  }

  async onModuleInit(): Promise<void> {
    if (this.transport === 'redis') this.startRedis(this.config.rateLimit.redisUrl as string);
    if (this.transport === 'postgres') await this.startPostgres(this.config.database.url as string);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
    await this.listener?.end().catch(() => undefined);
  }

  subscribe(handler: (invalidation: Invalidation) => void): void {
    this.handlers.push(handler);
  }

  /** Tells the other instances (this one has already applied the change locally). Never throws. */
  publish(invalidation: Invalidation): void {
    const message = JSON.stringify({ from: this.instanceId, ...invalidation });
    if (this.publisher) {
      this.publisher
        .publish(CHANNEL, message)
        .catch((error: Error) => this.logger.warn(`Could not publish an invalidation: ${error.message}`));
    } else if (this.transport === 'postgres') {
      this.dataSource
        .query('SELECT pg_notify($1, $2)', [CHANNEL, message])
        .catch((error: Error) => this.logger.warn(`Could not publish an invalidation: ${error.message}`));
    }
  }

  private receive(raw: string): void {
    let message: Invalidation & { from?: string };
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (message.from === this.instanceId) return;
    for (const handler of this.handlers) handler(message);
  }

  private startRedis(url: string): void {
    const options = {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    // Re-subscribes by itself after a reconnect (ioredis autoResubscribe).
    this.subscriber.subscribe(CHANNEL).catch((error: Error) => this.logger.warn(`Could not subscribe to invalidations: ${error.message}`));
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
    } catch (error) {
      this.logger.warn(`Invalidation listener could not connect: ${(error as Error).message}`);
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
