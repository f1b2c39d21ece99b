import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { Clock } from '../core/time/clock';
import { ApiKeysConfig, apiKeysConfig } from '../api-keys/api-keys.config';
import { WebhooksConfig, webhooksConfig } from './webhooks.config';
import { WebhookOutbox } from '../events/webhook-outbox';

const BATCH = 500;

/**
 * Announces `key.expiring` once per key, KEY_EXPIRING_NOTICE_DAYS before its expiresAt. Every
 * instance runs it; a transaction-scoped advisory lock lets one pass run at a time, and the
 * per-key flag is set in the same transaction as the outbox rows, so each key is announced once.
 */
@Injectable()
export class ExpiryNotifier implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiryNotifier.name);
  private readonly ticker = new PeriodicTask(
    () => this.announce(),
    (error) => {
      this.logger.warn(`Expiry notices failed: ${error.message}`);
      return 0;
    },
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
    @Inject(apiKeysConfig.KEY) private readonly keysConfig: ApiKeysConfig,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.ticker.start(this.keysConfig.schedulerIntervalMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /** One pass; resolves to the number of keys announced. */
  tick(): Promise<number> {
    return this.ticker.tick();
  }

  private async announce(): Promise<number> {
    if (!this.dataSource.isInitialized) return 0;
    const now = this.clock.now();
    const horizon = new Date(now + this.config.expiringNoticeDays * 86_400_000);
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
        `SELECT pg_try_advisory_xact_lock(hashtext('argus:expiry-notices')) AS locked`,
      );
      if (!locked) return 0;
      const due: Array<{ id: string; user_id: string; expires_at: Date }> = await manager.query(
        `WITH due AS (
           SELECT id FROM api_keys
            WHERE expiry_notified_at IS NULL AND revoked_at IS NULL AND rotated_at IS NULL
              AND expires_at IS NOT NULL AND expires_at > $1 AND expires_at <= $2
            LIMIT ${BATCH}),
         marked AS (
           UPDATE api_keys k SET expiry_notified_at = $1 FROM due WHERE k.id = due.id
           RETURNING k.id, k.user_id, k.expires_at)
         SELECT id, user_id, expires_at FROM marked`,
        [new Date(now), horizon],
      );
      for (const key of due) {
        await this.outbox.enqueue(manager, {
          type: 'key.expiring',
          ownerId: key.user_id,
          keyId: key.id,
          changes: { expiresAt: { from: null, to: new Date(key.expires_at).toISOString() } },
        });
      }
      return due.length;
    });
  }
}
