import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/schema';
import { EmbeddedPostgres } from '../../src/core/database/embedded-postgres';
import { DATA_DIR, SNAPSHOT_ENV, TARBALL, scratchDir, scratchRoot } from './embedded-snapshot';

const ROOT = join(__dirname, '..', '..');
/** What the snapshot is made from: a change to any of these makes a new one. */
const INPUTS = [
  'src/core/database',
  'src/schema.ts',
  'test/support/global-setup.ts',
  'node_modules/@electric-sql/pglite/package.json',
  'node_modules/@electric-sql/pglite-socket/package.json',
  'node_modules/typeorm/package.json',
];
const CACHE_PREFIX = 'argus-test-snapshot-';
/** Snapshots of other migration sets (other branches, older runs) unused for this long are removed. */
const STALE_MS = 3 * 24 * 60 * 60 * 1000;

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/** A hash of the migrations, the schema, the embedded database's code and versions, and this file. */
export function snapshotKey(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(join(ROOT, input)))) {
    if (file.endsWith('.spec.ts')) continue;
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Migrates one embedded database into `dir`, as a tarball and as a data folder. The template
 * databases are dropped first: nothing creates a database in PGlite, and they are two thirds of
 * what every app would otherwise unpack on start (PGlite reads the whole tarball into memory).
 */
async function buildSnapshot(dir: string): Promise<void> {
  const embedded = await EmbeddedPostgres.start({ dataDir: dir, inMemory: true, maxConnections: 3 });
  let tarball: Blob;
  try {
    const dataSource = await new DataSource(dataSourceOptions(embedded.url, 1, true)).initialize();
    try {
      for (const template of ['template0', 'template1']) {
        await dataSource.query(`ALTER DATABASE ${template} WITH IS_TEMPLATE false ALLOW_CONNECTIONS false`);
        await dataSource.query(`DROP DATABASE ${template}`);
      }
      await dataSource.query('CHECKPOINT');
    } finally {
      await dataSource.destroy();
    }
    tarball = await embedded.dumpDataDir();
  } finally {
    await embedded.stop();
  }
  writeFileSync(join(dir, TARBALL), Buffer.from(await tarball.arrayBuffer()));
  const onDisk = await EmbeddedPostgres.start({ dataDir: join(dir, DATA_DIR), inMemory: false, maxConnections: 3, snapshot: tarball });
  await onDisk.stop();
}

/**
 * Migrate once, and once per change of the migrations: the snapshot is kept between runs in a
 * folder named by `snapshotKey()` (on /dev/shm where there is one), so a run whose migrations
 * are those of the last one pays nothing for initdb and the migrations. Built aside and renamed
 * into place, so runs started together (other worktrees, CI) never see half a snapshot.
 */
export async function createEmbeddedSnapshot(): Promise<void> {
  const cached = join(scratchRoot(), `${CACHE_PREFIX}${snapshotKey()}`);
  if (!existsSync(join(cached, DATA_DIR, 'pgdata', 'PG_VERSION')) || !existsSync(join(cached, TARBALL))) {
    const building = scratchDir(`${CACHE_PREFIX}building-`);
    try {
      await buildSnapshot(building);
      rmSync(join(building, 'argus.lock'), { force: true });
      try {
        renameSync(building, cached);
      } catch (error) {
        // Another run finished the same snapshot first: use that one.
        if (!existsSync(join(cached, TARBALL))) throw error;
      }
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
  }
  const now = new Date();
  utimesSync(cached, now, now);
  pruneStale(dirname(cached), cached);
  // Workers start after the global setup and inherit its environment.
  process.env[SNAPSHOT_ENV] = cached;
}

function pruneStale(root: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (!name.startsWith(CACHE_PREFIX) || path === keep) continue;
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
}

/** Jest globalSetup of `npm test`. */
export default createEmbeddedSnapshot;
