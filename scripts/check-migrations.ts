/**
 * Migration drift check: builds a fresh database, runs every migration (MIGRATIONS), then asks
 * TypeORM for the schema changes the entities would still need on top of it. Any query means the
 * entities and the migrations disagree; they are printed and the exit status is 1. (TypeORM does
 * not compare a partial index's WHERE clause, only its name, columns and uniqueness.) npm's script
 * hides Node's DeprecationWarning: TypeORM's own schema reader overlaps queries on one pg client.
 *
 *   npm run migration:check               # the PostgreSQL server in DATABASE_URL (a scratch database)
 *   npm run migration:check -- --embedded # the embedded database (PGlite, in memory)
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/schema';
import { EmbeddedPostgres } from '../src/core/database/embedded-postgres';

/** The up queries TypeORM's schema builder would run against a migrated database. */
async function driftOn(url: string): Promise<string[]> {
  const dataSource = await new DataSource(dataSourceOptions(url, 1, false)).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return sql.upQueries.map((query) => query.query);
  } finally {
    await dataSource.destroy();
  }
}

async function onServer(adminUrl: string): Promise<string[]> {
  const name = `argus_drift_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return await driftOn(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

async function onEmbedded(): Promise<string[]> {
  const embedded = await EmbeddedPostgres.start({ dataDir: tmpdir(), inMemory: true, maxConnections: 3 });
  try {
    return await driftOn(embedded.url);
  } finally {
    await embedded.stop();
  }
}

async function main(): Promise<number> {
  const embedded = process.argv.includes('--embedded');
  const url = process.env.DATABASE_URL;
  if (!embedded && !url) {
    console.error('migration:check: set DATABASE_URL to a PostgreSQL server, or pass --embedded');
    return 2;
  }
  const where = embedded ? 'the embedded database' : 'PostgreSQL (a scratch database)';
  const queries = embedded ? await onEmbedded() : await onServer(url!);
  if (queries.length === 0) {
    console.log(`migration:check: no drift on ${where}: the migrations build exactly the schema the entities declare`);
    return 0;
  }
  console.error(`migration:check: the entities and the migrations disagree on ${where}; TypeORM would still run:`);
  for (const query of queries) console.error(`  ${query};`);
  console.error('Align the entity declarations with the migrations, or add a migration (never edit an applied one).');
  return 1;
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error('migration:check failed to run:', error);
    process.exit(2);
  },
);
