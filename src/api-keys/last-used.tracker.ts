import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';

/**
 * Keeps `lastUsedAt` fresh without a write per request: uses are remembered in memory and
 * written in one statement every flush interval (and at shutdown), so the stored value is at most
 * one interval stale and the API merges the pending value in meanwhile.
 */
@Injectable()
export class LastUsedTracker implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(LastUsedTracker.name);
  private pending = new Map<string, number>();
  private readonly flusher = new PeriodicTask(
    () => this.flush(),
    (error) => this.logger.warn(`lastUsedAt flush failed: ${error.message}`),
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
  ) {}

  onModuleInit(): void {
    this.flusher.start(this.config.lastUsedFlushSeconds * 1000);
  }

  /** Stops the timer, waits for a flush under way, then writes what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flusher.stop();
    await this.flush();
  }

  record(keyId: string, at: number): void {
    this.pending.set(keyId, at);
  }

  /** The newest use not yet written, if any. */
  pendingFor(keyId: string): Date | undefined {
    const at = this.pending.get(keyId);
    return at === undefined ? undefined : new Date(at);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0 || !this.dataSource.isInitialized) return;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    const times = ids.map((id) => new Date(batch.get(id) as number).toISOString());
    try {
      await this.dataSource.query(
        `UPDATE "api_keys" AS k SET "last_used_at" = u.at
           FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
          WHERE k."id" = u.id AND (k."last_used_at" IS NULL OR k."last_used_at" < u.at)`,
        [ids, times],
      );
    } catch (error) {
      // Keep the uses for the next attempt unless newer ones arrived meanwhile.
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.logger.warn(`Could not write lastUsedAt for ${ids.length} keys: ${(error as Error).message}`);
    }
  }
}
