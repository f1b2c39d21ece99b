import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDir, seedDataDir } from './embedded-snapshot';

const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/**
 * Builds dist/ unless it already matches the sources (`npm start`'s own check, so CI, which builds
 * first, pays nothing). Throws with the build output when the build fails.
 */
export function ensureBuilt(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-stamp.mjs'), 'ensure'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface ServerOptions {
  env?: Record<string, string>;
  /** Extra `node` arguments before the script (e.g. `-r` a preload). */
  nodeArgs?: string[];
  /**
   * Start on a copy of the suite's migrated database (see embedded-snapshot) rather than run
   * initdb and the migrations: for tests of something other than a first start.
   */
  seeded?: boolean;
}

/** `node dist/src/main.js` as a real child process on a fresh data folder and a free port. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static spawn(options: ServerOptions = {}): ServerProcess {
    const dataDir = options.seeded ? scratchDir('argus-proc-') : mkdtempSync(join(tmpdir(), 'argus-proc-'));
    if (options.seeded) seedDataDir(dataDir);
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dataDir,
        ARGUS_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(child, dataDir);
  }

  /** Resolves with the base URL once stdout has the "Argus listening on ..." line. */
  async listening(timeoutMs: number): Promise<string> {
    const url = await this.waitFor(/Argus listening on (http:\/\/[^ ]+) /, timeoutMs);
    return url[1];
  }

  /** Waits (bounded) until stdout matches; throws with everything seen so far. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline) {
        throw new Error(
          `stdout never matched ${pattern} (exit ${this.child.exitCode ?? this.child.signalCode}):\n${this.stdout}\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The JSON lines of stdout so far (anything else is skipped). */
  lines(): Record<string, any>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
  }

  /** Kills the process if it still runs and removes its data folder. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
