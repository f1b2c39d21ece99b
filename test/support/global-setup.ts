import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/schema';
import { EmbeddedPostgres } from '../../src/core/database/embedded-postgres';
import { DATA_DIR, SNAPSHOT_ENV, TARBALL, scratchDir } from './embedded-snapshot';

/** Migrates one embedded database and saves it, as a tarball and as a data folder, for the workers to copy. */
export async function createEmbeddedSnapshot(): Promise<void> {
  const dir = scratchDir('argus-snapshot-');
  const embedded = await EmbeddedPostgres.start({ dataDir: dir, inMemory: true, maxConnections: 3 });
  let tarball: Blob;
  try {
    const dataSource = await new DataSource(dataSourceOptions(embedded.url, 1, true)).initialize();
    await dataSource.destroy();
    tarball = await embedded.dumpDataDir();
  } finally {
    await embedded.stop();
  }
  writeFileSync(join(dir, TARBALL), Buffer.from(await tarball.arrayBuffer()));
  const onDisk = await EmbeddedPostgres.start({ dataDir: join(dir, DATA_DIR), inMemory: false, maxConnections: 3, snapshot: tarball });
  await onDisk.stop();
  // Workers start after the global setup and inherit its environment.
  process.env[SNAPSHOT_ENV] = dir;
}

/** Jest globalSetup of `npm test`. */
export default createEmbeddedSnapshot;
