import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddKeyQuota1763910000000 implements MigrationInterface {
  name = 'AddKeyQuota1763910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "quota" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "quota"`);
  }
}
