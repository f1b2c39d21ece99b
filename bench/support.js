'use strict';
/** What the benches share: the built server as a child process on 127.0.0.1, its settings, and its API. */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const net = require('node:net');
const { cpus, totalmem } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One line on the machine a bench ran on. */
function machine() {
  return `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls `check` every 100 ms until it holds; gives up after `timeoutMs`, or at `deadline` if sooner. */
async function waitFor(check, timeoutMs, what, deadline = Infinity) {
  const until = Math.min(Date.now() + timeoutMs, deadline);
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One API call; resolves to the response envelope, throws on a non-2xx status. */
async function api(base, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The admin's `Authorization` header. */
async function adminAuth(base, admin) {
  const session = (await api(base, 'POST', '/api/auth/login', admin)).data;
  return { authorization: `Bearer ${session.accessToken}` };
}

/**
 * Production settings on 127.0.0.1:`port`, with `admin` as the first admin. The JWT and anonymous
 * defaults (1000/min, 100/h) would turn a bench's requests into 429s: limits stay on, just high
 * enough never to trip. Without Redis unless a bench adds it.
 */
function serverEnv({ port, dataDir, admin, logLevel }) {
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    ARGUS_DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ARGUS_ADMIN_EMAIL: admin.email,
    ARGUS_ADMIN_PASSWORD: admin.password,
    RATE_LIMIT_JWT: '1000000000/1m',
    RATE_LIMIT_ANONYMOUS: '1000000000/1h',
    RATE_LIMIT_ANONYMOUS_BURST: '1000000000/1s',
    RATE_LIMIT_OAUTH: '1000000000/1h',
    RATE_LIMIT_OAUTH_BURST: '1000000000/1s',
    LOG_LEVEL: process.env.LOG_LEVEL ?? logLevel,
  };
  delete env.REDIS_URL;
  return env;
}

/** `node dist/src/main.js`; an unexpected exit prints the end of its stderr. */
function startServer(env) {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
  child.on('exit', (code) => {
    if (code && !child.stopping) console.error(`Argus exited with ${code}:\n${stderr}`);
  });
  return child;
}

/** Waits (bounded) until the server at `base` passes its readiness check. */
function ready(base, timeoutMs, what, deadline) {
  return waitFor(async () => (await fetch(`${base}/api/health`)).ok, timeoutMs, what, deadline);
}

/** SIGTERM, then SIGKILL after 10 s. */
function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.stopping = true;
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

module.exports = { root, sleep, machine, freePort, waitFor, api, adminAuth, serverEnv, startServer, ready, stop };
