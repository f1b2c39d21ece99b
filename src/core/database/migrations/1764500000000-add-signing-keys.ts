import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSigningKeys1764500000000 implements MigrationInterface {
  name = 'AddSigningKeys1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "signing_keys" (
        "kid" varchar(64) NOT NULL,
        "alg" varchar(16) NOT NULL,
        "public_jwk" jsonb NOT NULL,
        "private_key" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "activated_at" timestamptz NOT NULL,
        "retired_at" timestamptz,
        "expires_at" timestamptz,
        CONSTRAINT "PK_signing_keys" PRIMARY KEY ("kid"),
        CONSTRAINT "CHK_signing_keys_alg" CHECK ("alg" IN ('ES256', 'EdDSA', 'RS256')),
        CONSTRAINT "CHK_signing_keys_expiry" CHECK ("retired_at" IS NULL OR "expires_at" IS NOT NULL)
      )`);
    // Exactly one key signs per algorithm: instances racing to create the first one, or to rotate, cannot make two.
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_signing_keys_active_alg" ON "signing_keys" ("alg") WHERE "retired_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "signing_keys"`);
  }
}
