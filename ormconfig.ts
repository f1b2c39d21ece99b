import { DataSource } from 'typeorm';
import { loadConfig } from './src/app.config';
import { dataSourceOptions } from './src/schema';
import { EmbeddedPostgres } from './src/core/database/embedded-postgres';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run`, `migration:generate`): the
 * PostgreSQL server in DATABASE_URL, or else the embedded database under ARGUS_DATA_DIR
 * (which must not be open in a running Argus at the same time: its lock file refuses it).
 */
async function cliDataSource(): Promise<DataSource> {
  const config = loadConfig();
  if (config.database.url) return new DataSource(dataSourceOptions(config.database.url, 2, false));
  const embedded = await EmbeddedPostgres.start({ dataDir: config.dataDir, inMemory: false, maxConnections: 4 });
  // The CLI ends with process.exit, which skips async clean-up: release the lock on the way out.
  process.once('exit', () => embedded.releaseLockSync());
  return new DataSource(dataSourceOptions(embedded.url, 2, false));
}

export default cliDataSource();
