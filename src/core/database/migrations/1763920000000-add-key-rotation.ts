import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddKeyRotation1763920000000 implements MigrationInterface {
  name = 'AddKeyRotation1763920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "rotated_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "replaced_by_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_replaced_by" FOREIGN KEY ("replaced_by_id") REFERENCES "api_keys"("id") ON DELETE SET NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_replaced_by"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "replaced_by_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "rotated_at"`);
  }
}
