import { MigrationInterface, QueryRunner } from 'typeorm';

/** TOTP two-factor: the users flag, the sealed secret, one-time recovery codes and login challenges. */
export class AddMfa1764100000000 implements MigrationInterface {
  name = 'AddMfa1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "mfa_enabled" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE TABLE "mfa_totp" (
        "user_id" uuid NOT NULL,
        "secret" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "confirmed_at" timestamptz,
        "last_used_step" bigint,
        CONSTRAINT "PK_mfa_totp" PRIMARY KEY ("user_id"),
        CONSTRAINT "FK_mfa_totp_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "mfa_recovery_codes" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "code_hash" char(64) NOT NULL,
        "used_at" timestamptz,
        CONSTRAINT "PK_mfa_recovery_codes" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_mfa_recovery_codes_user_code" UNIQUE ("user_id", "code_hash"),
        CONSTRAINT "FK_mfa_recovery_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "mfa_challenges" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "token_hash" char(64) NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "consumed_at" timestamptz,
        CONSTRAINT "PK_mfa_challenges" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_mfa_challenges_token_hash" UNIQUE ("token_hash"),
        CONSTRAINT "FK_mfa_challenges_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_mfa_challenges_user_id" ON "mfa_challenges" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mfa_challenges"`);
    await queryRunner.query(`DROP TABLE "mfa_recovery_codes"`);
    await queryRunner.query(`DROP TABLE "mfa_totp"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "mfa_enabled"`);
  }
}
