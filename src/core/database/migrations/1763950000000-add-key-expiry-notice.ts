import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddKeyExpiryNotice1763950000000 implements MigrationInterface {
  name = 'AddKeyExpiryNotice1763950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "expiry_notified_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "expiry_notified_at"`);
  }
}
