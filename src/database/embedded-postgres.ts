import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** Folder holding the database files and the lock; ignored when `inMemory`. */
  dataDir: string;
  inMemory: boolean;
  /** Must be at least the client pool size, or connections beyond it are refused. */
  maxConnections: number;
}

/**
 * Real PostgreSQL (PGlite, compiled to WebAssembly) served on a loopback port so the ordinary
 * `pg` driver, and so TypeORM, use it exactly as they use a PostgreSQL server.
 *
 * PGlite does not stop two processes from opening one folder, and the second silently loses
 * writes; a lock file holding the owner's pid makes the second process refuse to start.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockFile: string | undefined,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    let lockFile: string | undefined;
    let dataPath = 'memory://';
    if (!options.inMemory) {
      mkdirSync(options.dataDir, { recursive: true });
      lockFile = acquireLock(join(options.dataDir, 'argus.lock'), options.dataDir);
      dataPath = join(options.dataDir, 'pgdata');
    }
    try {
      const db = await PGlite.create(dataPath, { extensions: { pgcrypto } });
      const server = new PGLiteSocketServer({
        db,
        host: '127.0.0.1',
        port: 0,
        maxConnections: options.maxConnections,
      });
      await server.start();
      return new EmbeddedPostgres(db, server, lockFile);
    } catch (error) {
      if (lockFile) rmSync(lockFile, { force: true });
      throw error;
    }
  }

  /** A `pg` connection URL for the loopback server (PGlite accepts any user and password). */
  get url(): string {
    return `postgres://postgres:postgres@${this.server.getServerConn()}/postgres`;
  }

  /** For processes that end with `process.exit` (the TypeORM CLI): drop the lock synchronously. */
  releaseLockSync(): void {
    if (!this.lockFile) return;
    heldLocks.delete(this.lockFile);
    rmSync(this.lockFile, { force: true });
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (this.lockFile) {
      heldLocks.delete(this.lockFile);
      rmSync(this.lockFile, { force: true });
    }
  }
}

export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `ARGUS_DATA_DIR=${dataDir} is in use by another Argus process (pid ${pid}). ` +
        'Stop that process, or point ARGUS_DATA_DIR at another folder, or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Lock files this process holds; any other lock naming our pid is left over from a previous run. */
const heldLocks = new Set<string>();

function acquireLock(lockFile: string, dataDir: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldLocks.add(lockFile);
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      const ownedByUs = owner === process.pid && heldLocks.has(lockFile);
      const ownedByOther = owner !== process.pid && Number.isInteger(owner) && owner > 0 && isAlive(owner);
      if (ownedByUs || ownedByOther) throw new DataDirLockedError(dataDir, owner);
      // The owner died without cleaning up (crash, SIGKILL), or it was an earlier run with our pid
      // (PID 1 in a restarted container): the lock is stale.
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not acquire ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
