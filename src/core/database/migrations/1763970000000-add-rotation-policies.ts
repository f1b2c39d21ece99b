import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddRotationPolicies1763970000000 implements MigrationInterface {
  name = 'AddRotationPolicies1763970000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "rotation_policy" jsonb`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "rotation_due_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "rotation_notified_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "sealed_key" text`);
    await queryRunner.query(
      `CREATE INDEX "IDX_api_keys_rotation_due_at" ON "api_keys" ("rotation_due_at") WHERE "rotation_due_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_api_keys_rotation_due_at"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "sealed_key"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "rotation_notified_at"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "rotation_due_at"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "rotation_policy"`);
  }
}
