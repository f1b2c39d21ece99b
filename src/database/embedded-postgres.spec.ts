import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataDirLockedError, EmbeddedPostgres } from './embedded-postgres';

jest.setTimeout(60_000);

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
  const pid = child.pid as number;
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

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-pg-'));
  });

  afterEach(async () => {
    for (const db of running.splice(0)) await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds an owner-only lock file with its pid while running, and removes it on stop', async () => {
    const db = await start();
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
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
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
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
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    await expect(query(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('takes over a lock naming its own pid that it does not hold (PID 1 in a restarted container)', async () => {
    writeFileSync(lockFile(), String(process.pid));
    await start();
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
  });

  it('takes over a lock file that holds no pid', async () => {
    writeFileSync(lockFile(), 'garbage');
    await start();
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
  });

  it('keeps data across stop and start', async () => {
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

  it('writes nothing to the folder when in memory', async () => {
    const db = await EmbeddedPostgres.start({ dataDir, inMemory: true, maxConnections: 3 });
    running.push(db);
    expect(existsSync(lockFile())).toBe(false);
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
    await expect(query(db.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });
});
