#!/usr/bin/env node
/**
 * `npm run bench`: Argus's overhead on the authentication hot path, measured.
 *
 * Seeds a user and 100,000 keys, starts Argus in production mode (embedded database unless
 * DATABASE_URL is set), and drives it with autocannon from this separate process on 127.0.0.1:
 * 50 connections, a warm-up, then each scenario twice. Prints a table and the ratios, and writes
 * the same as JSON under bench/results/.
 *
 * BENCH_DURATION (seconds per run, default 10), BENCH_KEYS (default 100000),
 * BENCH_CONNECTIONS (default 50). `npm run bench:smoke` is a few-second version for CI.
 */
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } = require('node:fs');
const net = require('node:net');
const { tmpdir, cpus, totalmem } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const root = join(__dirname, '..');
const dist = (path) => require(join(root, 'dist', 'src', path));
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Math.max(1, Math.min(3, Math.round(DURATION / 3)));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const deadline = Date.now() + 10 * 60_000; // never run away: the whole bench stops after 10 minutes

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(check, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function api(base, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** Inserts the user and the keys straight into the database, before the server holds it. */
async function seed(env) {
  const { loadConfig } = dist('app.config');
  const { dataSourceOptions } = dist('schema');
  const { EmbeddedPostgres } = dist('core/database/embedded-postgres');
  const { DataSource } = require('typeorm');
  const config = loadConfig(env);
  const embedded = config.database.url ? undefined : await EmbeddedPostgres.start({ dataDir: config.dataDir, inMemory: false, maxConnections: 4 });
  const dataSource = await new DataSource(dataSourceOptions(config.database.url ?? embedded.url, 2, true)).initialize();
  try {
    const [{ id }] = await dataSource.query(
      `INSERT INTO users (email, password_hash, role) VALUES ('bench-owner@example.com', 'not-a-login', 'user') RETURNING id`,
    );
    const started = Date.now();
    // Hashes of strings no key can be: the rows exist to size the table and the index.
    await dataSource.query(
      `INSERT INTO api_keys (user_id, name, key_prefix, key_hash, scopes)
       SELECT $1, 'seed ' || g, 'argus_sd', encode(sha256(('bench-seed-' || g)::bytea), 'hex'), '{read:keys}'
         FROM generate_series(1, $2) AS g`,
      [id, KEYS],
    );
    return Date.now() - started;
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

function startServer(env) {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.on('exit', (code) => {
    if (code && !child.stopping) console.error(`Argus exited with ${code}:\n${stderr}`);
  });
  return child;
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.stopping = true;
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function rssMb(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
  } catch {
    return null;
  }
}

function cannon(options) {
  if (Date.now() > deadline) throw new Error('bench deadline passed');
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, pipelining: 1, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function scenario(name, options) {
  await cannon({ ...options, duration: WARMUP });
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await cannon({ ...options, duration: DURATION });
    runs.push({
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts + (options.expectStatus ? r.non2xx - (options.expectStatus >= 300 ? r.non2xx : 0) : r.non2xx),
      statusCodes: r.statusCodeStats,
    });
  }
  const best = runs.reduce((a, b) => (b.rps > a.rps ? b : a));
  const row = { name, rps: Math.round(best.rps), p50: best.p50, p99: best.p99, errors: runs.reduce((n, r) => n + r.errors, 0), runs };
  console.log(`  ${name.padEnd(10)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}`);
  return row;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-bench-'));
  const children = [];
  const cleanup = async () => {
    for (const child of children) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ARGUS_DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      ARGUS_ADMIN_EMAIL: ADMIN.email,
      ARGUS_ADMIN_PASSWORD: ADMIN.password,
      // The JWT and anonymous defaults (1000/min, 100/h) would turn these scenarios into 429s;
      // limits stay on, just high enough never to trip.
      RATE_LIMIT_JWT: '1000000000/1m',
      RATE_LIMIT_ANONYMOUS: '1000000000/1h',
      RATE_LIMIT_ANONYMOUS_BURST: '1000000000/1s',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    };
    delete env.REDIS_URL;

    console.log(`Argus bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    console.log(`database: ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'}; ${CONNECTIONS} connections, ${DURATION} s x ${RUNS} per scenario`);
    const seedMs = await seed(env);
    console.log(`seeded ${KEYS} keys in ${seedMs} ms`);

    const rawPort = await freePort();
    const raw = spawn(
      process.execPath,
      ['-e', `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/json; charset=utf-8'});s.end('{"success":true,"data":{"status":"ok"}}')}).listen(${rawPort},'127.0.0.1')`],
      { stdio: 'ignore' },
    );
    children.push(raw);

    let server = startServer(env);
    children.push(server);
    await waitFor(async () => (await fetch(`${base}/api/health`)).ok, 60_000, 'Argus to start');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${rawPort}/`)).ok, 10_000, 'the raw server');

    const session = await api(base, 'POST', '/api/auth/login', ADMIN);
    const jwt = { authorization: `Bearer ${session.accessToken}` };
    const benchKey = await api(base, 'POST', '/api/keys', { name: 'bench', rateLimit: { limit: 1_000_000, windowSeconds: 1 } }, jwt);
    const serviceKey = await api(base, 'POST', '/api/keys', { name: 'bench service', rateLimit: { limit: 1_000_000, windowSeconds: 1 } }, jwt);
    const { generateApiKey } = dist('api-keys/api-key-format');
    const unknownKeys = Array.from({ length: 1000 }, generateApiKey);
    const memory = { afterSeedMb: rssMb(server.pid) };

    const results = [];
    results.push(await scenario('raw', { url: `http://127.0.0.1:${rawPort}/` }));
    results.push(await scenario('live', { url: `${base}/api/health/live` }));
    results.push(await scenario('key', { url: `${base}/api/auth/verify`, headers: { 'x-api-key': benchKey.key } }));
    results.push(await scenario('jwt', { url: `${base}/api/auth/verify`, headers: jwt }));
    results.push(
      await scenario('verify-api', {
        url: `${base}/api/v1/keys/verify`,
        method: 'POST',
        headers: { 'x-api-key': serviceKey.key, 'content-type': 'application/json' },
        body: JSON.stringify({ key: benchKey.key }),
      }),
    );
    let i = 0;
    results.push(
      await scenario('invalid', {
        url: `${base}/api/auth/verify`,
        expectStatus: 401,
        requests: [{ setupRequest: (req) => ({ ...req, headers: { 'x-api-key': unknownKeys[i++ % unknownKeys.length] } }) }],
      }),
    );
    memory.afterRunsMb = rssMb(server.pid);

    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redisUp = await new Promise((resolve) => {
      const { hostname, port: redisPort } = new URL(redisUrl);
      const socket = net.createConnection({ host: hostname, port: Number(redisPort || 6379) });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (redisUp) {
      await stop(server);
      server = startServer({ ...env, REDIS_URL: redisUrl });
      children.push(server);
      await waitFor(async () => (await fetch(`${base}/api/health`)).ok, 60_000, 'Argus with Redis to start');
      results.push(await scenario('key-redis', { url: `${base}/api/auth/verify`, headers: { 'x-api-key': benchKey.key } }));
    } else {
      console.log(`  key-redis skipped: no Redis at ${redisUrl}`);
    }

    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    const ratio = (a, b) => (by[a] && by[b] ? Number((by[a].rps / by[b].rps).toFixed(2)) : null);
    const ratios = { 'key/live': ratio('key', 'live'), 'verify-api/live': ratio('verify-api', 'live'), 'jwt/live': ratio('jwt', 'live'), 'live/raw': ratio('live', 'raw'), 'invalid/live': ratio('invalid', 'live'), 'key-redis/live': ratio('key-redis', 'live') };

    console.log('\n| scenario | req/s | p50 ms | p99 ms | errors |\n| --- | ---: | ---: | ---: | ---: |');
    for (const r of results) console.log(`| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
    console.log(`\nratios: ${Object.entries(ratios).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`server memory (RSS): ${memory.afterSeedMb} MB after start with ${KEYS} keys, ${memory.afterRunsMb} MB after the runs`);

    const report = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: { connections: CONNECTIONS, durationSeconds: DURATION, runs: RUNS, keys: KEYS, database: env.DATABASE_URL ? 'postgres' : 'embedded', logLevel: env.LOG_LEVEL },
      results,
      ratios,
      memory,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    const file = join(__dirname, 'results', `bench-${report.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`written to ${file}`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
