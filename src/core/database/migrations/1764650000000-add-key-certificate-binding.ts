import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `api_keys.certificate_thumbprint` (issue #14, mutual TLS): the x5t#S256 of the client certificate
 * a key must be presented with. Null (every existing key): no certificate needed. Read with the key's
 * row on verification, so no index.
 */
export class AddKeyCertificateBinding1764650000000 implements MigrationInterface {
  name = 'AddKeyCertificateBinding1764650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "certificate_thumbprint" character varying(43)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "certificate_thumbprint"`);
  }
}
