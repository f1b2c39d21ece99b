import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddKnownLoginAddresses1763990000000 implements MigrationInterface {
  name = 'AddKnownLoginAddresses1763990000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "known_login_addresses" (
        "user_id" uuid NOT NULL,
        "address_hash" char(64) NOT NULL,
        "last_login_at" timestamptz NOT NULL,
        CONSTRAINT "PK_known_login_addresses" PRIMARY KEY ("user_id", "address_hash"),
        CONSTRAINT "FK_known_login_addresses_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "known_login_addresses"`);
  }
}
