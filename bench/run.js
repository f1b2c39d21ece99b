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
const { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } = require('node:fs');
const net = require('node:net');
const { tmpdir, cpus, totalmem } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { root, machine, freePort, waitFor, api, adminAuth, serverEnv, startServer, ready, stop } = require('./support');

const dist = (path) => require(join(root, 'dist', 'src', path));
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Math.max(1, Math.min(3, Math.round(DURATION / 3)));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const deadline = Date.now() + 10 * 60_000; // never run away: the whole bench stops after 10 minutes

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
    const env = serverEnv({ port, dataDir, admin: ADMIN, logLevel: 'info' });

    console.log(`Argus bench: ${machine()}`);
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
    await ready(base, 60_000, 'Argus to start', deadline);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${rawPort}/`)).ok, 10_000, 'the raw server', deadline);

    const jwt = await adminAuth(base, ADMIN);
    const benchKey = (await api(base, 'POST', '/api/keys', { name: 'bench', rateLimit: { limit: 1_000_000, windowSeconds: 1 } }, jwt)).data;
    const serviceKey = (await api(base, 'POST', '/api/keys', { name: 'bench service', rateLimit: { limit: 1_000_000, windowSeconds: 1 } }, jwt)).data;
    // A machine's OAuth access token (client credentials), presented like a key on the same route.
    const app = (await api(base, 'POST', '/api/oauth/applications', { name: 'bench machine', grantTypes: ['client_credentials'], scopes: ['read:keys'] }, jwt)).data;
    const issued = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=read%3Akeys',
    });
    if (!issued.ok) throw new Error(`POST /oauth/token: ${issued.status} ${await issued.text()}`);
    const oauthToken = (await issued.json()).access_token;
    const { generateApiKey } = dist('api-keys/api-key-format');
    const unknownKeys = Array.from({ length: 1000 }, generateApiKey);
    const memory = { afterSeedMb: rssMb(server.pid) };

    const results = [];
    results.push(await scenario('raw', { url: `http://127.0.0.1:${rawPort}/` }));
    results.push(await scenario('live', { url: `${base}/api/health/live` }));
    results.push(await scenario('key', { url: `${base}/api/auth/verify`, headers: { 'x-api-key': benchKey.key } }));
    results.push(await scenario('jwt', { url: `${base}/api/auth/verify`, headers: jwt }));
    results.push(await scenario('oauth', { url: `${base}/api/auth/verify`, headers: { authorization: `Bearer ${oauthToken}` } }));
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
      await ready(base, 60_000, 'Argus with Redis to start', deadline);
      results.push(await scenario('key-redis', { url: `${base}/api/auth/verify`, headers: { 'x-api-key': benchKey.key } }));
    } else {
      console.log(`  key-redis skipped: no Redis at ${redisUrl}`);
    }

    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    const ratio = (a, b) => (by[a] && by[b] ? Number((by[a].rps / by[b].rps).toFixed(2)) : null);
    const ratios = { 'key/live': ratio('key', 'live'), 'verify-api/live': ratio('verify-api', 'live'), 'jwt/live': ratio('jwt', 'live'), 'oauth/live': ratio('oauth', 'live'), 'live/raw': ratio('live', 'raw'), 'invalid/live': ratio('invalid', 'live'), 'key-redis/live': ratio('key-redis', 'live') };

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
