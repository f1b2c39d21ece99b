import { MigrationInterface, QueryRunner } from 'typeorm';

/** The trail refuses every UPDATE and DELETE, as before, unless it is the erasure below. */
const APPEND_ONLY_WITH_ERASURE = `
  CREATE OR REPLACE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('argus.audit_erasure', true) = 'on'
       AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at AND NEW.action = OLD.action
       AND NEW.actor_type = OLD.actor_type AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.actor_key_id IS NOT DISTINCT FROM OLD.actor_key_id AND NEW.target_type = OLD.target_type
       AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
       AND (NEW.ip IS NULL OR NEW.ip = OLD.ip) AND (NEW.user_agent IS NULL OR NEW.user_agent = OLD.user_agent)
       AND (NEW.changes IS NULL OR OLD.changes @> NEW.changes) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
  END
  $$`;

const APPEND_ONLY = `
  CREATE OR REPLACE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
  END
  $$`;

/**
 * The account's rights (issue #13, Account pages):
 * - `users.password_changed_at`: access tokens issued before a password change are refused
 *   (JwtStrategy), so a change cuts off every bearer token, not only refresh tokens and sessions.
 * - Erasure in the audit trail: deleting an account may blank, in the events about it, the
 *   fields that hold personal data (address, user agent, the email in `changes`), and nothing else:
 *   only inside a transaction that sets `argus.audit_erasure`, only towards less (a value becomes
 *   NULL, `changes` loses keys), never the facts (what, who by id, to what, when).
 */
export class AccountRights1764200000000 implements MigrationInterface {
  name = 'AccountRights1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "password_changed_at" timestamptz`);
    await queryRunner.query(APPEND_ONLY_WITH_ERASURE);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(APPEND_ONLY);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "password_changed_at"`);
  }
}
