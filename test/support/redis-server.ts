import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort, isListening, timeUntil } from './net';

/** Why fault tests on a Redis of their own cannot run here, or undefined when they can. */
export function redisServerMissing(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return found.error || found.status !== 0 ? 'redis-server is not installed' : undefined;
}

/**
 * A redis-server of the test's own on a free loopback port, that it can kill, restart on the same
 * port, or freeze (SIGSTOP: connections stay open, nothing answers) and thaw.
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  /** Starts it again (on the same port) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await timeUntil(() => isListening(this.port), 5000, 20);
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills it (a crash: no goodbye to clients). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    });
  }
}
