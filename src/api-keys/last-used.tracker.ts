import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { ApiKeyRepository } from './api-key.repository';

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
    private readonly keys: ApiKeyRepository,
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
    if (this.pending.size === 0 || !this.keys.isAvailable()) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.keys.recordLastUsed(batch);
    } catch (error) {
      // Keep the uses for the next attempt unless newer ones arrived meanwhile.
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.logger.warn(`Could not write lastUsedAt for ${batch.size} keys: ${(error as Error).message}`);
    }
  }
}
