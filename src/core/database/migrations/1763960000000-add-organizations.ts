import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddOrganizations1763960000000 implements MigrationInterface {
  name = 'AddOrganizations1763960000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "organizations" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" varchar(100) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_organizations" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "organization_members" (
        "organization_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "role" varchar(16) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_organization_members" PRIMARY KEY ("organization_id", "user_id"),
        CONSTRAINT "CHK_organization_members_role" CHECK ("role" IN ('owner', 'admin', 'member')),
        CONSTRAINT "FK_organization_members_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_organization_members_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_organization_members_user_id" ON "organization_members" ("user_id")`);
    await queryRunner.query(`
      CREATE TABLE "projects" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "name" varchar(100) NOT NULL,
        "description" varchar(500),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_projects" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_projects_organization_name" UNIQUE ("organization_id", "name"),
        CONSTRAINT "FK_projects_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_projects_organization_id" ON "projects" ("organization_id", "created_at")`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "organization_id" uuid`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "project_id" uuid`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "parent_key_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "CHK_api_keys_project_in_organization" CHECK ("project_id" IS NULL OR "organization_id" IS NOT NULL)`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_project" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_parent_key" FOREIGN KEY ("parent_key_id") REFERENCES "api_keys"("id") ON DELETE SET NULL`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_api_keys_organization_id" ON "api_keys" ("organization_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_api_keys_project_id" ON "api_keys" ("project_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_api_keys_parent_key_id" ON "api_keys" ("parent_key_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_api_keys_parent_key_id"`);
    await queryRunner.query(`DROP INDEX "IDX_api_keys_project_id"`);
    await queryRunner.query(`DROP INDEX "IDX_api_keys_organization_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_parent_key"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_project"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_organization"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "CHK_api_keys_project_in_organization"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "parent_key_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "project_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "organization_id"`);
    await queryRunner.query(`DROP TABLE "projects"`);
    await queryRunner.query(`DROP TABLE "organization_members"`);
    await queryRunner.query(`DROP TABLE "organizations"`);
  }
}
