import { join } from 'node:path';
import { freePort } from '../support/net';
import { ServerProcess, ensureBuilt } from '../support/server-process';

/** The real server (`node dist/src/main.js`) as a child process: what reaches stdout, and when. */

jest.setTimeout(240_000);

/** Polls until the server answers (bounded), whatever its logs say. */
async function answering(server: ServerProcess, base: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited ${server.child.exitCode}:\n${server.stdout}\n${server.stderr}`);
    try {
      if ((await fetch(`${base}/api/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${base} did not answer within ${timeoutMs} ms:\n${server.stdout.slice(-2000)}\n${server.stderr}`);
}

interface Started {
  server: ServerProcess;
  base: string;
  answeredAt: number;
}

/** Every server spawned, so afterAll stops them even when a start timed out. */
const spawned: ServerProcess[] = [];

async function start(nodeArgs: string[] = []): Promise<Started> {
  const port = await freePort();
  const server = ServerProcess.spawn({ env: { PORT: String(port) }, nodeArgs, seeded: true });
  spawned.push(server);
  const base = `http://127.0.0.1:${port}`;
  await answering(server, base, 180_000);
  return { server, base, answeredAt: Date.now() };
}

/** A request whose log line the test can find by its request id. */
async function lastRequest(base: string, requestId: string): Promise<void> {
  const response = await fetch(`${base}/api/auth/verify`, { headers: { 'x-request-id': requestId } });
  expect(response.status).toBe(401);
  await response.arrayBuffer();
}

describe('server process logs (e2e, real child process)', () => {
  // Three servers start together (each start is seconds of module loading; the migrated database
  // is copied in, as none of these tests is about a first start).
  let plain: Started;
  let interrupted: Started;
  let crashing: Started;

  beforeAll(async () => {
    ensureBuilt();
    [plain, interrupted, crashing] = await Promise.all([
      start(),
      start(),
      start(['-r', join(__dirname, '..', 'support', 'throw-on-sigusr2.js')]),
    ]);
  }, 240_000);
  afterAll(async () => {
    for (const server of spawned.splice(0)) await server.dispose();
  });

  it('prints the listening line and the JWT_SECRET warning within 2 s of the server answering', async () => {
    await plain.server.waitFor(
      /Argus listening on http:\/\/127\.0\.0\.1:\d+ with embedded PostgreSQL/,
      Math.max(0, plain.answeredAt + 2_000 - Date.now()),
    );
    expect(plain.server.stdout).toContain('JWT_SECRET is not set');
  });

  it('writes a request line within about a second, not when 4 KB have piled up', async () => {
    await lastRequest(plain.base, 'within-a-second');
    await expect(plain.server.waitFor(/"reqId":"within-a-second"/, 2_500)).resolves.toBeTruthy();
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s flushes the last request line (with its error code) and exits %i', async (signal, exitCode) => {
    const { server, base } = signal === 'SIGTERM' ? plain : interrupted;
    const requestId = `last-before-${signal}`;
    await lastRequest(base, requestId);
    server.child.kill(signal);
    const exit = await server.exited;
    expect(exit).toEqual({ code: exitCode, signal: null });
    const line = server.lines().find((entry) => entry.reqId === requestId);
    expect(line).toMatchObject({ req: { method: 'GET', url: '/api/auth/verify' }, res: { statusCode: 401 }, code: 'unauthorized' });
  });

  it('on an uncaught error logs it as fatal, flushes the last request line and exits 1', async () => {
    const { server, base } = crashing;
    await lastRequest(base, 'last-before-crash');
    server.child.kill('SIGUSR2');
    const exit = await server.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    const entries = server.lines();
    expect(entries.find((entry) => entry.reqId === 'last-before-crash')).toMatchObject({ res: { statusCode: 401 } });
    expect(entries.find((entry) => entry.level === 60)).toMatchObject({
      msg: expect.stringContaining('Uncaught exception: deliberate uncaught error from the exit-path test'),
    });
  });
});
