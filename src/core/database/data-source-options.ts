import type { DataSourceOptions } from 'typeorm';

/** What the application's tables are made of: its entities and the migrations that build them. */
export interface Schema {
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

/** The PostgreSQL options every connection uses: migrations locked in, never `synchronize`. */
export function postgresOptions(schema: Schema, url: string, poolSize: number, migrationsRun: boolean): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    poolSize,
    extra: { connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 },
    logging: false,
  };
}
