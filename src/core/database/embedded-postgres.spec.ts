import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { embeddedSnapshot, scratchDir, seedDataDir } from '../../../test/support/embedded-snapshot';
import { MAIN, ensureBuilt } from '../../../test/support/server-process';
import { DataDirLockedError, EmbeddedPostgres, assertDataDirFree } from './embedded-postgres';

/**
 * Run in a child process: takes the folder's lock through EmbeddedPostgres (as built into dist/,
 * which the test needs anyway, rather than through ts-node's compiler) and holds it.
 */
const HOLD_LOCK_SCRIPT = `
  const { EmbeddedPostgres } = require('./dist/src/core/database/embedded-postgres');
  EmbeddedPostgres.start({ dataDir: process.argv[1], inMemory: false, maxConnections: 2 }).then(() => {
    console.log('locked');
    setInterval(() => {}, 1000);
  });
`;

// initdb on an empty folder is seconds of WebAssembly on an idle machine, a minute or more on a busy one.
jest.setTimeout(240_000);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  const pid = child.pid;
  expect(pid).toBeGreaterThan(0);
  expect(isAlive(pid)).toBe(false);
  return pid;
}

async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('EmbeddedPostgres', () => {
  let dataDir: string;
  const running: EmbeddedPostgres[] = [];

  const start = async (): Promise<EmbeddedPostgres> => {
    const db = await EmbeddedPostgres.start({ dataDir, inMemory: false, maxConnections: 3 });
    running.push(db);
    return db;
  };

  const stop = async (db: EmbeddedPostgres): Promise<void> => {
    running.splice(running.indexOf(db), 1);
    await db.stop();
  };

  const lockFile = (): string => join(dataDir, 'argus.lock');
  const emptyFolder = (): void => rmSync(join(dataDir, 'pgdata'), { recursive: true });
  /** This process's pid and, on Linux, its start time. */
  const ownLock = new RegExp(`^${process.pid}( \\d+)?$`);

  // The lock tests need a folder with a database, not a new one each: a copy costs milliseconds,
  // initdb seconds. The tests of a first start begin from an empty folder instead.
  beforeEach(() => {
    dataDir = scratchDir('argus-pg-');
    seedDataDir(dataDir);
  });

  afterEach(async () => {
    for (const db of running.splice(0)) await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds an owner-only lock file with its pid while running, and removes it on stop', async () => {
    const db = await start();
    expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
    expect(statSync(lockFile()).mode & 0o777).toBe(0o600);
    await expect(query(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);

    await stop(db);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a second start on the same folder, naming the folder and the owner pid', async () => {
    const first = await start();

    const second = EmbeddedPostgres.start({ dataDir, inMemory: false, maxConnections: 3 });
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    const error = (await second.catch((e: unknown) => e)) as DataDirLockedError;
    expect(error.name).toBe('DataDirLockedError');
    expect(error.message).toContain(dataDir);
    expect(error.message).toContain(`pid ${process.pid}`);

    // The refused start left the owner's lock alone, and the owner still works.
    expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
    await expect(query(first.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);

    await stop(first);
    expect(existsSync(lockFile())).toBe(false);
    const third = await start();
    await expect(query(third.url, 'SELECT 2 AS two')).resolves.toEqual([{ two: 2 }]);
  });

  it('takes over a stale lock left by a process that died', async () => {
    const pid = deadPid();
    writeFileSync(lockFile(), String(pid));

    const db = await start();
    expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
    await expect(query(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('takes over a lock naming its own pid that it does not hold (PID 1 in a restarted container)', async () => {
    writeFileSync(lockFile(), String(process.pid));
    await start();
    expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
  });

  it('takes over a lock file that holds no pid', async () => {
    writeFileSync(lockFile(), 'garbage');
    await start();
    expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
  });

  describe('a lock naming a live process that is not the Argus that wrote it', () => {
    let other: ChildProcess;
    beforeEach(async () => {
      // A program that is not Argus (nor Node.js), alive for the test: a pid reused after a crash.
      other = spawn('sleep', ['30'], { stdio: 'ignore' });
      await new Promise((resolve) => other.once('spawn', resolve));
    });
    afterEach(() => {
      other.kill('SIGKILL');
    });

    it('is stale when it holds a pid alone and that process is not Node.js', async () => {
      writeFileSync(lockFile(), String(other.pid));
      const db = await start();
      expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
      await expect(query(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    });

    it('is stale when the start time it records is not that process’s', async () => {
      if (!existsSync(`/proc/${other.pid}/stat`)) return console.log('skipped: no /proc on this platform');
      writeFileSync(lockFile(), `${other.pid} 1`);
      await start();
      expect(readFileSync(lockFile(), 'utf8')).toMatch(ownLock);
    });
  });

  it('refuses a lock held by another live Argus process (pid and start time match)', async () => {
    // A second Node.js process takes the lock for real and holds it.
    ensureBuilt();
    const holder = spawn(process.execPath, ['-e', HOLD_LOCK_SCRIPT, dataDir], {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
        holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
      });
      expect(readFileSync(lockFile(), 'utf8')).toMatch(new RegExp(`^${holder.pid}( \\d+)?$`));
      const refused = EmbeddedPostgres.start({ dataDir, inMemory: false, maxConnections: 3 });
      await expect(refused).rejects.toThrow(`in use by another Argus process (pid ${holder.pid})`);
      expect(() => assertDataDirFree(dataDir)).toThrow(DataDirLockedError);

      // The real server on that folder: one clear line and exit 1, no stack trace.
      const server = spawnSync(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', ARGUS_DATA_DIR: dataDir, PORT: '0' },
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(server.status).toBe(1);
      expect(server.stderr).toContain(`ARGUS_DATA_DIR=${dataDir} is in use by another Argus process (pid ${holder.pid})`);
      expect(`${server.stdout}${server.stderr}`).not.toMatch(/^\s+at /m);
      expect(`${server.stdout}${server.stderr}`).not.toContain('ExceptionHandler');
    } finally {
      holder.kill('SIGKILL');
    }
  }, 240_000);

  it('keeps data across stop and start', async () => {
    emptyFolder();
    const first = await start();
    await query(first.url, 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await query(first.url, 'INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)', [1, 'kept', 2, 'also kept']);
    await stop(first);

    const second = await start();
    await expect(query(second.url, 'SELECT id, body FROM notes ORDER BY id')).resolves.toEqual([
      { id: 1, body: 'kept' },
      { id: 2, body: 'also kept' },
    ]);
  });

  it('starts a new database from a snapshot, and opens an existing one as it is', async () => {
    const snapshot = embeddedSnapshot();
    const tables = async (db: EmbeddedPostgres) =>
      (
        await query<{ migrations: string | null; mark: string | null }>(
          db.url,
          `SELECT to_regclass('migrations')::text AS migrations, to_regclass('mark')::text AS mark`,
        )
      )[0];

    // The folder already has a database: the snapshot must not replace it.
    const existing = await start();
    await query(existing.url, 'CREATE TABLE mark (id int)');
    await stop(existing);
    const reopened = await EmbeddedPostgres.start({ dataDir, inMemory: false, maxConnections: 3, snapshot });
    running.push(reopened);
    await expect(tables(reopened)).resolves.toEqual({ migrations: 'migrations', mark: 'mark' });
    await stop(reopened);

    emptyFolder();
    const onDisk = await EmbeddedPostgres.start({ dataDir, inMemory: false, maxConnections: 3, snapshot });
    running.push(onDisk);
    await expect(tables(onDisk)).resolves.toEqual({ migrations: 'migrations', mark: null });

    const inMemory = await EmbeddedPostgres.start({ dataDir, inMemory: true, maxConnections: 3, snapshot });
    running.push(inMemory);
    await expect(tables(inMemory)).resolves.toEqual({ migrations: 'migrations', mark: null });
  });

  it('writes nothing to the folder when in memory', async () => {
    emptyFolder();
    const db = await EmbeddedPostgres.start({ dataDir, inMemory: true, maxConnections: 3 });
    running.push(db);
    expect(existsSync(lockFile())).toBe(false);
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
    await expect(query(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });
});
