import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { Clock } from '../core/time/clock';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { WebhookOutbox } from '../events/webhook-outbox';
import { ApiKeyRepository } from './api-key.repository';
import { KeyUnitOfWork } from './key-unit-of-work';

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
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.ticker.start(this.config.schedulerIntervalMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /** One pass; resolves to the number of keys announced. */
  tick(): Promise<number> {
    return this.ticker.tick();
  }

  private async announce(): Promise<number> {
    if (!this.keys.isAvailable()) return 0;
    const now = this.clock.now();
    const horizon = new Date(now + this.config.expiringNoticeDays * 86_400_000);
    return this.unitOfWork.run(async (tx) => {
      if (!(await tx.tryExclusive('argus:expiry-notices'))) return 0;
      const due = await this.keys.markExpiryNoticesDue(tx.manager, new Date(now), horizon, BATCH);
      for (const key of due) {
        await this.outbox.enqueue(tx.manager, {
          type: 'key.expiring',
          ownerId: key.userId,
          keyId: key.id,
          changes: { expiresAt: { from: null, to: key.expiresAt.toISOString() } },
        });
      }
      return due.length;
    });
  }
}
