import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddOAuth1764600000000 implements MigrationInterface {
  name = 'AddOAuth1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "oauth_applications" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "client_id" varchar(64) NOT NULL,
        "name" varchar(100) NOT NULL,
        "owner_id" uuid NOT NULL,
        "organization_id" uuid,
        "grant_types" text array NOT NULL,
        "redirect_uris" text array NOT NULL DEFAULT '{}',
        "post_logout_redirect_uris" text array NOT NULL DEFAULT '{}',
        "scopes" text array NOT NULL,
        "token_endpoint_auth_method" varchar(40) NOT NULL,
        "jwks" jsonb,
        "tls_client_auth_subject_dn" varchar(500),
        "secret_hash" varchar(128),
        "previous_secret_hash" varchar(128),
        "previous_secret_expires_at" timestamptz,
        "dynamically_registered" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "revoked_at" timestamptz,
        CONSTRAINT "PK_oauth_applications" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_oauth_applications_client_id" UNIQUE ("client_id"),
        CONSTRAINT "CHK_oauth_applications_auth_method" CHECK ("token_endpoint_auth_method" IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth', 'none')),
        CONSTRAINT "FK_oauth_applications_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_oauth_applications_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_applications_owner_id" ON "oauth_applications" ("owner_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_applications_organization_id" ON "oauth_applications" ("organization_id")`);

    await queryRunner.query(`
      CREATE TABLE "oauth_records" (
        "model" varchar(40) NOT NULL,
        "id" varchar(256) NOT NULL,
        "payload" jsonb NOT NULL,
        "grant_id" varchar(256),
        "user_code" varchar(256),
        "uid" varchar(256),
        "account_id" uuid,
        "expires_at" timestamptz,
        "consumed_at" timestamptz,
        CONSTRAINT "PK_oauth_records" PRIMARY KEY ("model", "id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_records_grant_id" ON "oauth_records" ("grant_id") WHERE "grant_id" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_records_uid" ON "oauth_records" ("uid") WHERE "uid" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_records_user_code" ON "oauth_records" ("user_code") WHERE "user_code" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "IDX_oauth_records_account_id" ON "oauth_records" ("model", "account_id") WHERE "account_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_oauth_records_expires_at" ON "oauth_records" ("expires_at") WHERE "expires_at" IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE "oauth_revoked_tokens" (
        "id" varchar(300) NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz NOT NULL,
        CONSTRAINT "PK_oauth_revoked_tokens" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_revoked_tokens_expires_at" ON "oauth_revoked_tokens" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "oauth_revoked_tokens"`);
    await queryRunner.query(`DROP TABLE "oauth_records"`);
    await queryRunner.query(`DROP TABLE "oauth_applications"`);
  }
}
