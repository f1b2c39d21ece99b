import { accessSync, constants, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Migrate once, copy per app: initdb and the migrations cost seconds of WebAssembly per embedded
 * database, so the suites' global setup (global-setup.ts) builds one migrated database and every
 * test app, and every server process that asks for it, starts on a copy. The folder holding it
 * is named by ARGUS_TEST_SNAPSHOT_DIR.
 */
export const SNAPSHOT_ENV = 'ARGUS_TEST_SNAPSHOT_DIR';
/** The database as `EmbeddedPostgres.dumpDataDir` wrote it. */
export const TARBALL = 'embedded.tar';
/** An ARGUS_DATA_DIR whose pgdata/ holds the same database on disk. */
export const DATA_DIR = 'data-dir';

function snapshotDir(): string {
  const dir = process.env[SNAPSHOT_ENV];
  if (!dir) throw new Error(`${SNAPSHOT_ENV} is not set: run the tests through a jest config whose globalSetup creates the snapshot`);
  return dir;
}

let cached: Blob | undefined;

/** The migrated database as `AppOptions.embeddedSnapshot` (read once per test file). */
export function embeddedSnapshot(): Blob {
  cached ??= new Blob([readFileSync(join(snapshotDir(), TARBALL))]);
  return cached;
}

/** Puts a copy of the migrated database into `dataDir`, an ARGUS_DATA_DIR without a database yet. */
export function seedDataDir(dataDir: string): void {
  cpSync(join(snapshotDir(), DATA_DIR, 'pgdata'), join(dataDir, 'pgdata'), { recursive: true });
}

/**
 * A new folder for a copy of the database: on tmpfs (/dev/shm) where there is one, because
 * copying and removing a data folder's thousand files costs seconds on a busy disk.
 */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(scratchRoot(), prefix));
}

/** /dev/shm where there is one, else the temporary folder. */
export function scratchRoot(): string {
  return memoryBackedTmp() ?? tmpdir();
}

function memoryBackedTmp(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}
