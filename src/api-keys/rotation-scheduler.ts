import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SYSTEM_AUDIT } from '../events/audit-context';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { Clock } from '../core/time/clock';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { WebhookOutbox } from '../events/webhook-outbox';
import { ApiKeyRepository } from './api-key.repository';
import { KeyRotationService } from './key-rotation.service';
import { KeyTransaction } from './key-transaction';
import { KeyUnitOfWork } from './key-unit-of-work';

/** Keys rotated per transaction: bounds how long one pass holds its locks. */
const BATCH = 100;
/** Batches per tick; what is left waits for the next tick. */
const MAX_BATCHES = 10;
/** A key whose rotation failed is tried again this much later, so it cannot hold up the others. */
const RETRY_AFTER_MS = 3_600_000;

export interface RotationPass {
  /** Keys announced with `key.rotation_due`. */
  notified: number;
  rotated: number;
}

/**
 * Carries out rotation policies. Every instance runs it; one pass runs at a time across them all
 * (a transaction-scoped advisory lock), and the keys it rotates are locked `FOR UPDATE SKIP LOCKED`
 * and must still be unrotated, so a key is rotated once however many instances tick together, and
 * never at the same moment as its owner rotates it by hand.
 */
@Injectable()
export class RotationScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RotationScheduler.name);
  private readonly ticker = new PeriodicTask<RotationPass>(
    () => this.run(),
    (error) => {
      this.logger.warn(`Scheduled rotation failed: ${error.message}`);
      return { notified: 0, rotated: 0 };
    },
  );

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
    @Inject(apiKeysConfig.KEY) private readonly config: ApiKeysConfig,
    private readonly outbox: WebhookOutbox,
    private readonly rotation: KeyRotationService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.ticker.start(this.config.schedulerIntervalMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /** One tick (calls while one runs share it): notices due, then rotations due. */
  tick(): Promise<RotationPass> {
    return this.ticker.tick();
  }

  private async run(): Promise<RotationPass> {
    const total: RotationPass = { notified: 0, rotated: 0 };
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const pass = await this.pass();
      total.notified += pass.notified;
      total.rotated += pass.rotated;
      if (pass.notified < BATCH && pass.rotated < BATCH) break;
    }
    if (total.rotated > 0) this.logger.log(`Rotated ${total.rotated} key(s) on schedule`);
    return total;
  }

  private async pass(): Promise<RotationPass> {
    if (!this.keys.isAvailable()) return { notified: 0, rotated: 0 };
    const now = this.clock.now();
    return this.unitOfWork.run(async (tx) => {
      if (!(await tx.tryExclusive('argus:rotation'))) return { notified: 0, rotated: 0 };
      const notified = await this.announce(tx, now);
      let rotated = 0;
      for (const id of await this.keys.lockDueForRotation(tx, new Date(now), BATCH)) {
        const old = await this.keys.findById(id, tx.manager);
        const policy = old?.rotationPolicy;
        if (!old || !policy) continue;
        // A policy keeps the grace it was set with, unless the operator has since lowered the ceiling.
        const graceSeconds = Math.min(policy.gracePeriodSeconds, this.config.rotationMaxGraceSeconds);
        // One key's failure must not undo the batch: it rolls back to its savepoint and waits.
        try {
          await tx.savepoint(() => this.rotation.rotateLocked(tx, old, { graceSeconds, audit: SYSTEM_AUDIT, trigger: 'schedule' }));
          rotated++;
        } catch (error) {
          await this.keys.postponeRotation(tx.manager, id, new Date(now + RETRY_AFTER_MS));
          this.logger.warn(`Scheduled rotation of key ${id} failed, retrying in an hour: ${(error as Error).message}`);
        }
      }
      return { notified, rotated };
    });
  }

  /** `key.rotation_due`, once per due date, `notifyDaysBefore` days ahead; the flag is set with the outbox rows. */
  private async announce(tx: KeyTransaction, now: number): Promise<number> {
    const due = await this.keys.markRotationNoticesDue(tx.manager, new Date(now), BATCH);
    for (const key of due) {
      await this.outbox.enqueue(tx.manager, {
        type: 'key.rotation_due',
        ownerId: key.userId,
        keyId: key.id,
        changes: null,
        details: { name: key.name, keyPrefix: key.keyPrefix, rotationDueAt: key.rotationDueAt.toISOString() },
      });
    }
    return due.length;
  }
}
