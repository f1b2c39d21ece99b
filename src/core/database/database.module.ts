import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { CoreConfig } from '../config/core.config';
import { Schema, postgresOptions } from './data-source-options';
import { DataDirLockedError, EmbeddedPostgres } from './embedded-postgres';

/** A DataSource that also stops the embedded server it runs on once its pool is closed. */
class OwningDataSource extends DataSource {
  constructor(
    options: DataSourceOptions,
    private readonly embedded: EmbeddedPostgres,
  ) {
    super(options);
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    await this.embedded.stop();
  }
}

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so instances starting together on one
 * server take turns instead of racing to create the same tables (TypeORM does not lock).
 */
export async function migrateExclusively(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext('argus:migrations'))`);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext('argus:migrations'))`);
    }
  } finally {
    await runner.release();
  }
}

/** DATABASE_POOL_SIZE applies to a PostgreSQL server; the embedded database takes one connection. */
export const EMBEDDED_POOL_SIZE = 1;

/** `snapshot`: see EmbeddedPostgresOptions; a PostgreSQL server in DATABASE_URL ignores it. */
export async function createDataSource(config: CoreConfig, schema: Schema, snapshot?: Blob): Promise<DataSource> {
  const { url, poolSize, migrate, inMemory } = config.database;
  if (url) {
    const dataSource = await new DataSource(postgresOptions(schema, url, poolSize, false)).initialize();
    try {
      if (migrate) await migrateExclusively(dataSource);
      return dataSource;
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  }

  // The embedded database runs one session: its socket server queues the protocol messages of all
  // connections one by one, so two connections' extended-protocol exchanges (Parse, Bind, Execute)
  // interleave and break each other ("unnamed prepared statement does not exist"). One pooled
  // connection keeps every exchange whole; PGlite executes one statement at a time regardless.
  const embedded = await EmbeddedPostgres.start({
    dataDir: config.dataDir,
    inMemory,
    maxConnections: EMBEDDED_POOL_SIZE + 2,
    snapshot,
  });
  const dataSource = new OwningDataSource(postgresOptions(schema, embedded.url, EMBEDDED_POOL_SIZE, migrate), embedded);
  try {
    return await dataSource.initialize();
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(config: CoreConfig, schema: Schema, embeddedSnapshot?: Blob): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // Retry a server that is still starting (containers), never a locked data folder.
          useFactory: () => ({
            retryAttempts: config.database.url ? 5 : 0,
            retryDelay: 2000,
            toRetry: (error: unknown) => !(error instanceof DataDirLockedError),
          }),
          dataSourceFactory: () => createDataSource(config, schema, embeddedSnapshot),
        }),
      ],
    };
  }
}
