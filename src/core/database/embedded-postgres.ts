import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
  /**
   * A data directory saved by `dumpDataDir`, to start from instead of running initdb: the test
   * suites migrate one database and start every app on a copy. Used only where there is no
   * database yet (in memory, or a folder without one); an existing database is opened as it is.
   */
  snapshot?: Blob;
}

/**
 * Real PostgreSQL (PGlite, compiled to WebAssembly) served on a loopback port so the ordinary
 * `pg` driver, and so TypeORM, use it exactly as they use a PostgreSQL server.
 *
 * PGlite does not stop two processes from opening one folder, and the second silently loses
 * writes; a lock file naming the owner process makes the second process refuse to start.
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
    let hasDatabase = false;
    if (!options.inMemory) {
      mkdirSync(options.dataDir, { recursive: true });
      lockFile = acquireLock(join(options.dataDir, 'argus.lock'), options.dataDir);
      dataPath = join(options.dataDir, 'pgdata');
      hasDatabase = existsSync(join(dataPath, 'PG_VERSION'));
    }
    try {
      const loadDataDir = hasDatabase ? undefined : options.snapshot;
      const db = await PGlite.create(dataPath, { extensions: { pgcrypto }, ...(loadDataDir ? { loadDataDir } : {}) });
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

  /** The whole data directory as an uncompressed tarball, for `snapshot`. */
  dumpDataDir(): Promise<Blob> {
    return this.db.dumpDataDir('none');
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

/**
 * The lock file holds `<pid> <start time>`: the pid, and when that process started (Linux
 * `/proc/<pid>/stat`, clock ticks since boot). A pid is reused by unrelated programs after a crash
 * or reboot, so a lock only counts while a process with that pid *and* that start time runs.
 * Where /proc is missing (macOS), or for a lock holding a pid alone, the owner must at least be a
 * live Node.js process.
 */
function acquireLock(lockFile: string, dataDir: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      const started = processStartTime(process.pid);
      writeSync(fd, started === undefined ? String(process.pid) : `${process.pid} ${started}`);
      closeSync(fd);
      heldLocks.add(lockFile);
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = lockOwner(lockFile);
      if (owner !== undefined) throw new DataDirLockedError(dataDir, owner);
      // The owner died without cleaning up (crash, SIGKILL), its pid now belongs to another
      // program, or it was an earlier run with our pid (PID 1 in a restarted container): stale.
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not acquire ${lockFile}`);
}

/**
 * Throws DataDirLockedError if another live Argus process holds the folder's lock, without
 * taking it. main.ts calls this before building the app, so the refusal is one clear line rather
 * than a stack trace from deep inside the module initialisation (the lock itself is still taken,
 * atomically, by `start`).
 */
export function assertDataDirFree(dataDir: string): void {
  const owner = lockOwner(join(dataDir, 'argus.lock'));
  if (owner !== undefined) throw new DataDirLockedError(dataDir, owner);
}

/** The pid of the live process that holds the lock, or undefined when there is none or it is stale. */
function lockOwner(lockFile: string): number | undefined {
  let content: string;
  try {
    content = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pidText, startedText] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!/^\d+$/.test(pidText ?? '') || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid) return heldLocks.has(lockFile) ? pid : undefined;
  if (!isAlive(pid)) return undefined;
  const started = processStartTime(pid);
  if (started !== undefined && startedText !== undefined) return started === startedText ? pid : undefined;
  return isNodeProcess(pid) === false ? undefined : pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process runs Node.js (/proc/<pid>/cmdline), or undefined where that is unknowable. */
function isNodeProcess(pid: number): boolean | undefined {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /(^|\/)node(js)?(\d+)?(\.exe)?$/i.test(argv0) || argv0.includes('argus');
  } catch {
    return undefined;
  }
}
