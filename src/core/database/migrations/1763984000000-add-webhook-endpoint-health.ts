import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-endpoint health (when its current run of failures began, and when it may be probed next),
 * no `next_attempt_at` on finished deliveries, and an index that serves the dispatcher's claim of
 * one endpoint's due deliveries.
 */
export class AddWebhookEndpointHealth1763984000000 implements MigrationInterface {
  name = 'AddWebhookEndpointHealth1763984000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" ADD "failing_since" timestamptz`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" ADD "next_probe_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ALTER COLUMN "next_attempt_at" DROP NOT NULL`);
    await queryRunner.query(`UPDATE "webhook_deliveries" SET "next_attempt_at" = NULL WHERE "status" <> 'pending'`);
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_pending" ON "webhook_deliveries" ("endpoint_id", "next_attempt_at") WHERE "status" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_webhook_deliveries_pending"`);
    await queryRunner.query(`UPDATE "webhook_deliveries" SET "next_attempt_at" = "updated_at" WHERE "next_attempt_at" IS NULL`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ALTER COLUMN "next_attempt_at" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" DROP COLUMN "next_probe_at"`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" DROP COLUMN "failing_since"`);
  }
}
