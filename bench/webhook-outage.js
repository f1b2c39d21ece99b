#!/usr/bin/env node
/**
 * `npm run bench:webhook-outage`: webhook delivery through a receiver outage, in real time, with the
 * DEFAULT webhook settings (only WEBHOOK_ALLOW_PRIVATE=true, so the receiver may be on 127.0.0.1).
 *
 * Starts the built Argus (`npm run build` first) on a free port with a temporary data directory,
 * registers a `key.created` endpoint pointing at a receiver in this process that answers 500 to a
 * random half of its requests, creates 200 keys over ~10 s, and during that takes the receiver
 * down for 30 s: its socket closed, so connections are refused (OUTAGE_MODE=refused, the default),
 * or still listening and answering 503 to everything (OUTAGE_MODE=503). Then it comes back, still
 * failing half, and the script waits until every delivery has succeeded, or gives up.
 *
 * Prints: requests while down, attempts that never reached the receiver (refused), time from the
 * receiver's return to the first success and until all deliveries succeeded, the most attempts one
 * delivery needed, how many ended `failed`, and whether the endpoint stayed enabled.
 *
 * OUTAGE_MODE (refused|503), BENCH_EVENTS (200), BENCH_SPREAD_S (10), BENCH_OUTAGE_S (30),
 * BENCH_OUTAGE_AT_S (2: seconds into the key creation when the receiver goes down),
 * BENCH_GIVE_UP_MIN (10: the whole run stops after this, with what it has).
 */
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { sleep, machine, freePort, api, adminAuth, serverEnv, startServer, ready, stop } = require('./support');

const MODE = process.env.OUTAGE_MODE ?? 'refused';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_S ?? 10) * 1000;
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_S ?? 30) * 1000;
const OUTAGE_AT_MS = Number(process.env.BENCH_OUTAGE_AT_S ?? 2) * 1000;
const GIVE_UP_MS = Number(process.env.BENCH_GIVE_UP_MIN ?? 10) * 60_000;
const ADMIN = { email: 'outage-admin@example.com', password: 'outage-admin-password' };
const started = Date.now();
const deadline = started + GIVE_UP_MS;
const secs = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

if (!['refused', '503'].includes(MODE)) throw new Error(`OUTAGE_MODE must be refused or 503 (got ${MODE})`);

/** The flaky receiver: 500 to a random half; while down, refused (socket closed) or 503 to all. */
class Receiver {
  constructor(port) {
    this.port = port;
    this.down = false;
    this.downAt = null;
    this.upAt = null;
    this.requests = []; // { at, id, status }
    this.succeeded = new Map(); // webhook-id -> time of its first 2xx
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        const status = this.down ? 503 : Math.random() < 0.5 ? 500 : 200;
        const at = Date.now();
        this.requests.push({ at, id, status });
        if (status === 200 && !this.succeeded.has(id)) this.succeeded.set(id, at);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
      });
    });
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => (this.server.off('error', reject), resolve()));
    });
  }

  async goDown() {
    this.downAt = Date.now();
    this.down = true;
    if (MODE === 'refused') {
      const closed = new Promise((resolve) => this.server.close(resolve));
      this.server.closeAllConnections(); // keep-alive sockets too: nothing reaches us until we return
      await closed;
    }
  }

  async comeBack() {
    if (MODE === 'refused') await this.listen();
    this.down = false;
    this.upAt = Date.now();
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function allDeliveries(base, auth, endpointId) {
  const rows = [];
  for (let page = 1; page <= Math.ceil(EVENTS / 100) + 1; page++) {
    const { data, meta } = await api(base, 'GET', `/api/webhooks/${endpointId}/deliveries?limit=100&page=${page}`, undefined, auth);
    rows.push(...data);
    if (rows.length >= meta.total || data.length === 0) break;
  }
  return rows;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-outage-'));
  let server;
  let receiver;
  const cleanup = async () => {
    await stop(server);
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // 200 key creations in 10 s plus the polling stay under serverEnv's request limits.
    const env = serverEnv({ port, dataDir, admin: ADMIN, logLevel: 'warn' });
    delete env.DATABASE_URL;
    for (const name of Object.keys(env)) if (name.startsWith('WEBHOOK_')) delete env[name];
    env.WEBHOOK_ALLOW_PRIVATE = 'true';

    console.log(`Argus webhook outage bench: ${machine()}`);
    console.log(`default webhook settings; ${EVENTS} key.created events over ${SPREAD_MS / 1000} s; receiver fails half, down ${OUTAGE_MS / 1000} s (${MODE}) from ${OUTAGE_AT_MS / 1000} s in`);

    receiver = new Receiver(await freePort());
    await receiver.listen();
    server = startServer(env);
    await ready(base, 90_000, 'Argus to start', deadline);

    const auth = await adminAuth(base, ADMIN);
    const endpoint = (await api(base, 'POST', '/api/webhooks', { url: `http://127.0.0.1:${receiver.port}/hooks`, events: ['key.created'] }, auth)).data;

    const createdFrom = Date.now();
    const outage = sleep(OUTAGE_AT_MS)
      .then(() => receiver.goDown())
      .then(() => sleep(OUTAGE_MS))
      .then(() => receiver.comeBack());
    for (let i = 0; i < EVENTS; i++) {
      const due = createdFrom + (i * SPREAD_MS) / EVENTS;
      if (due > Date.now()) await sleep(due - Date.now());
      await api(base, 'POST', '/api/keys', { name: `outage ${i}` }, auth).catch((error) => {
        throw new Error(`creating key ${i + 1} of ${EVENTS}: ${error.message}`);
      });
    }
    const createdMs = Date.now() - createdFrom;
    await outage;
    console.log(`created ${EVENTS} keys in ${secs(createdMs)}; receiver down ${secs(receiver.upAt - receiver.downAt)}`);

    let rows = [];
    let gaveUp = false;
    while (receiver.succeeded.size < EVENTS) {
      if (Date.now() > deadline) {
        gaveUp = true;
        break;
      }
      await sleep(1000);
    }
    rows = await allDeliveries(base, auth, endpoint.id);
    const allAt = gaveUp ? null : Math.max(...receiver.succeeded.values());
    const endpointNow = (await api(base, 'GET', `/api/webhooks/${endpoint.id}`, undefined, auth)).data;

    const whileDown = receiver.requests.filter((r) => r.at >= receiver.downAt && r.at < receiver.upAt);
    const afterUp = receiver.requests.filter((r) => r.at >= receiver.upAt);
    const firstSuccess = afterUp.find((r) => r.status === 200);
    const attemptsSum = rows.reduce((n, d) => n + d.attempts, 0);
    const count = (status) => rows.filter((d) => d.status === status).length;
    const maxAttempts = Math.max(0, ...rows.map((d) => d.attempts));
    const histogram = {};
    for (const d of rows) histogram[d.attempts] = (histogram[d.attempts] ?? 0) + 1;
    const pending = rows.filter((d) => d.status === 'pending' && d.nextAttemptAt);
    const lastDue = pending.length ? Math.max(...pending.map((d) => Date.parse(d.nextAttemptAt))) : null;

    const figures = {
      mode: MODE,
      deliveries: rows.length,
      requestsWhileDown: whileDown.length,
      attemptsNotReachingReceiver: attemptsSum - receiver.requests.length,
      requestsTotal: receiver.requests.length,
      firstSuccessAfterReturnMs: firstSuccess ? firstSuccess.at - receiver.upAt : null,
      allSucceededAfterReturnMs: allAt === null ? null : allAt - receiver.upAt,
      succeeded: count('succeeded'),
      pending: count('pending'),
      failed: count('failed'),
      maxAttempts,
      attemptsHistogram: histogram,
      endpointIsActive: endpointNow.isActive,
      gaveUpAfterMs: gaveUp ? Date.now() - started : null,
      lastPendingDueAfterReturnMs: lastDue === null ? null : lastDue - receiver.upAt,
    };
    console.log(`\nrequests the receiver saw while down: ${figures.requestsWhileDown}${MODE === 'refused' ? ' (socket closed)' : ' (all answered 503)'}`);
    console.log(`attempts that never reached the receiver (refused connections): ${figures.attemptsNotReachingReceiver}`);
    console.log(`requests in all: ${figures.requestsTotal} for ${rows.length} deliveries`);
    console.log(`first success after the receiver returned: ${secs(figures.firstSuccessAfterReturnMs)}`);
    console.log(`all ${EVENTS} succeeded after the receiver returned: ${gaveUp ? `not yet, gave up after ${secs(figures.gaveUpAfterMs)}` : secs(figures.allSucceededAfterReturnMs)}`);
    if (gaveUp) console.log(`  still pending: ${figures.pending}; the last is due ${secs(figures.lastPendingDueAfterReturnMs)} after the return`);
    console.log(`succeeded ${figures.succeeded}, pending ${figures.pending}, failed ${figures.failed}; most attempts on one delivery: ${maxAttempts}`);
    console.log(`deliveries by attempts: ${JSON.stringify(histogram)}`);
    console.log(`endpoint isActive: ${figures.endpointIsActive}`);
    console.log(`\n${JSON.stringify(figures)}`);
    return figures.failed === 0 && figures.endpointIsActive ? 0 : 2;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
