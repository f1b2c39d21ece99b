import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SYSTEM_AUDIT } from '../events/audit-context';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { Clock } from '../core/time/clock';
import { ApiKeysConfig, apiKeysConfig } from './api-keys.config';
import { WebhookOutbox } from '../events/webhook-outbox';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyRotationService, Rotation } from './key-rotation.service';

/** Keys rotated per transaction: bounds how long one pass holds its locks. */
const BATCH = 100;
/** Batches per tick; what is left waits for the next tick. */
const MAX_BATCHES = 10;
/** A key whose rotation failed is tried again this much later, so it cannot hold up the others. */
const RETRY_AFTER_MS = 3_600_000;

/** Keys a policy still applies to: not revoked, not already replaced, usable. */
const ELIGIBLE = `revoked_at IS NULL AND rotated_at IS NULL AND is_active
  AND (expires_at IS NULL OR expires_at > $1)`;

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
    @InjectDataSource() private readonly dataSource: DataSource,
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
    if (!this.dataSource.isInitialized) return { notified: 0, rotated: 0 };
    const now = this.clock.now();
    const rotations: Rotation[] = [];
    const pass = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
        `SELECT pg_try_advisory_xact_lock(hashtext('argus:rotation')) AS locked`,
      );
      if (!locked) return { notified: 0, rotated: 0 };
      const notified = await this.announce(manager, now);
      const due: Array<{ id: string }> = await manager.query(
        `SELECT id FROM api_keys
          WHERE rotation_due_at <= $1 AND rotation_policy IS NOT NULL AND ${ELIGIBLE}
          ORDER BY rotation_due_at, id
          LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED`,
        [new Date(now)],
      );
      const keys = manager.getRepository(ApiKeyEntity);
      for (const { id } of due) {
        const old = await keys.findOneOrFail({ where: { id } });
        const policy = old.rotationPolicy;
        if (!policy) continue;
        // A policy keeps the grace it was set with, unless the operator has since lowered the ceiling.
        const graceSeconds = Math.min(policy.gracePeriodSeconds, this.config.rotationMaxGraceSeconds);
        // One key's failure must not undo the batch: it rolls back to its savepoint and waits.
        await manager.query('SAVEPOINT argus_rotate_key');
        try {
          rotations.push(await this.rotation.rotateLocked(manager, old, { graceSeconds, audit: SYSTEM_AUDIT, trigger: 'schedule' }));
          await manager.query('RELEASE SAVEPOINT argus_rotate_key');
        } catch (error) {
          await manager.query('ROLLBACK TO SAVEPOINT argus_rotate_key');
          await manager.query('UPDATE api_keys SET rotation_due_at = $2 WHERE id = $1', [id, new Date(now + RETRY_AFTER_MS)]);
          this.logger.warn(`Scheduled rotation of key ${id} failed, retrying in an hour: ${(error as Error).message}`);
        }
      }
      return { notified, rotated: rotations.length };
    });
    this.rotation.forgetReplaced(rotations);
    return pass;
  }

  /** `key.rotation_due`, once per due date, `notifyDaysBefore` days ahead; the flag is set with the outbox rows. */
  private async announce(manager: EntityManager, now: number): Promise<number> {
    const due: Array<{ id: string; user_id: string; name: string; key_prefix: string; rotation_due_at: Date }> = await manager.query(
      `WITH due AS (
         SELECT id FROM api_keys
          WHERE rotation_due_at IS NOT NULL AND rotation_policy IS NOT NULL AND rotation_notified_at IS NULL AND ${ELIGIBLE}
            AND rotation_due_at - make_interval(days => (rotation_policy->>'notifyDaysBefore')::int) <= $1
          ORDER BY rotation_due_at, id
          LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED),
       marked AS (
         UPDATE api_keys k SET rotation_notified_at = $1 FROM due WHERE k.id = due.id
         RETURNING k.id, k.user_id, k.name, k.key_prefix, k.rotation_due_at)
       SELECT id, user_id, name, key_prefix, rotation_due_at FROM marked`,
      [new Date(now)],
    );
    for (const key of due) {
      await this.outbox.enqueue(manager, {
        type: 'key.rotation_due',
        ownerId: key.user_id,
        keyId: key.id,
        changes: null,
        details: { name: key.name, keyPrefix: key.key_prefix, rotationDueAt: new Date(key.rotation_due_at).toISOString() },
      });
    }
    return due.length;
  }
}
