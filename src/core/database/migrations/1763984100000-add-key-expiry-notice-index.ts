import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Serves the expiry notifier's query (keys not yet announced, live, with an expiresAt in the
 * notice window): a partial index on exactly those rows, so each pass reads what it announces
 * instead of the whole api_keys table.
 */
export class AddKeyExpiryNoticeIndex1763984100000 implements MigrationInterface {
  name = 'AddKeyExpiryNoticeIndex1763984100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_api_keys_expiry_notice" ON "api_keys" ("expires_at")
        WHERE "expiry_notified_at" IS NULL AND "revoked_at" IS NULL AND "rotated_at" IS NULL AND "expires_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_api_keys_expiry_notice"`);
  }
}
