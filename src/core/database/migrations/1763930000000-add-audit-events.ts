import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddAuditEvents1763930000000 implements MigrationInterface {
  name = 'AddAuditEvents1763930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_events" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "action" varchar(64) NOT NULL,
        "actor_type" varchar(16) NOT NULL,
        "actor_id" uuid,
        "actor_key_id" uuid,
        "target_type" varchar(16) NOT NULL,
        "target_id" uuid,
        "ip" varchar(64),
        "user_agent" varchar(512),
        "request_id" varchar(128),
        "changes" jsonb,
        CONSTRAINT "PK_audit_events" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_occurred_at" ON "audit_events" ("occurred_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_target" ON "audit_events" ("target_id", "occurred_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_actor" ON "audit_events" ("actor_id", "occurred_at")`);
    // Append-only, enforced by the database itself, not just by the API having no such route.
    await queryRunner.query(`
      CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER "audit_events_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "audit_events_append_only"()`);
  }
}
