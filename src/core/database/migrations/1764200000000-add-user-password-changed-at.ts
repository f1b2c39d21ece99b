import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the password last changed: access tokens issued before it are refused (JwtStrategy), so a
 * password change cuts off every bearer token, not only the refresh tokens and other sessions.
 */
export class AddUserPasswordChangedAt1764200000000 implements MigrationInterface {
  name = 'AddUserPasswordChangedAt1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "password_changed_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "password_changed_at"`);
  }
}
