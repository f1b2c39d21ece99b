import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin key list orders every key by `created_at DESC, id ASC`; without an index in exactly
 * that order PostgreSQL sorted the whole table for each page (about 0.8 s at 10^6 keys, page 1
 * included). With it, a page is an index scan, and a `cursor` page a seek.
 */
export class AddApiKeysCreatedAtIndex1763980000000 implements MigrationInterface {
  name = 'AddApiKeysCreatedAtIndex1763980000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_api_keys_created_at_id" ON "api_keys" ("created_at" DESC, "id" ASC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_api_keys_created_at_id"`);
  }
}
