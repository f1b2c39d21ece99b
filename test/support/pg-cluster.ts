import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net';

const BIN = '/usr/lib/postgresql/15/bin';

/** Why a throwaway PostgreSQL cluster cannot be run here, or undefined when it can. */
export function pgClusterUnavailable(): string | undefined {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl'))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/runuser')) return 'initdb must run as the postgres user (needs root and runuser)';
  return undefined;
}

/**
 * A PostgreSQL server of the test's own, on a free port, that it can stop, restart, freeze
 * (SIGSTOP on the postmaster and every backend) and thaw.
 */
export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PgCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'argus-pg-'));
    chmodSync(dir, 0o700);
    execFileSync('chown', ['postgres:postgres', dir]);
    pgExec('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
    const cluster = new PgCluster(dir, await freePort());
    cluster.start();
    return cluster;
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    pgExec('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start']);
  }

  /** Stops at once, like a crash: clients see their connections drop and new ones refused. */
  stopImmediately(): void {
    pgExec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  /** The postmaster and its children: a frozen server accepts TCP connections but never answers. */
  private pids(): number[] {
    const postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    return [postmaster, ...children];
  }

  freeze(): void {
    for (const pid of this.pids()) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.pids()) process.kill(pid, 'SIGCONT');
  }

  destroy(): void {
    try {
      if (existsSync(join(this.dir, 'data', 'postmaster.pid'))) {
        this.thaw();
        this.stopImmediately();
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function pgExec(binary: string, args: string[]): void {
  execFileSync('/usr/sbin/runuser', ['-u', 'postgres', '--', join(BIN, binary), ...args], { stdio: 'pipe', timeout: 60_000 });
}
