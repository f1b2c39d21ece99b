import Redis from 'ioredis';
import { generateApiKey } from '../../src/api-keys/api-key-format';
import { timeUntil } from '../support/net';
import { PgCluster, pgClusterUnavailable } from '../support/pg-cluster';
import { RedisServer, redisServerMissing } from '../support/redis-server';
import { CreatedKey, PASSWORD, Session, TestApp, TestResponse } from '../support/test-app';

const CACHE_TTL_S = 60;
const GRACE_S = 300;
/** Failed authentications an address may spend per hour; the outage sends more requests than this. */
const ANONYMOUS_LIMIT = 20;
/** AUTH_LOOKUP_TIMEOUT_MS: how long an authentication look-up waits for a server that does not answer. */
const LOOKUP_TIMEOUT_MS = 3000;
/** Each poll while waiting for a phase is a request, recorded in `observed`: not too many. */
const POLL_MS = 50;

const skipReason = pgClusterUnavailable() ?? redisServerMissing();
if (skipReason) console.warn(`db-outage integration tests skipped: ${skipReason}`);
const describeIfServers = skipReason ? describe.skip : describe;

/** What every outage answer must be: the contract's 503, with Retry-After, never a 401. */
function expectUnavailable(res: TestResponse): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status: 503, code: 'service_unavailable' });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.headers['www-authenticate']).toBeUndefined();
}

/** Status codes seen per phase, printed at the end (the before/after figures of the fix). */
const observed: Record<string, number[]> = {};
function record(phase: string, res: TestResponse): TestResponse {
  (observed[phase] ??= []).push(res.status);
  return res;
}

describeIfServers('a database outage (integration, own PostgreSQL cluster)', () => {
  let cluster: PgCluster;
  let redis: RedisServer;
  let redisUrl: string;
  let app: TestApp;
  let user: Session;
  let key: CreatedKey;
  let revoked: CreatedKey;

  const forwardAuth = (phase: string, auth: Record<string, string>) =>
    app.get('/api/v1/forward-auth', auth).then((res) => record(phase, res));
  const whoAmI = (phase: string) => app.get('/api/auth/verify', user.auth).then((res) => record(phase, res));
  const verifyKey = (phase: string, presented: string) =>
    app.post('/api/v1/keys/verify', { key: presented }, key.auth).then((res) => record(phase, res));

  beforeAll(async () => {
    cluster = await PgCluster.create();
    redis = await RedisServer.start();
    redisUrl = redis.url;
    app = await TestApp.start(
      {
        // The invalidation bus and the limits run over Redis, which stays up through the outage.
        REDIS_URL: redisUrl,
        API_KEY_CACHE_TTL_SECONDS: String(CACHE_TTL_S),
        API_KEY_STALE_GRACE_SECONDS: String(GRACE_S),
        RATE_LIMIT_ANONYMOUS: `${ANONYMOUS_LIMIT}/1h`,
      },
      cluster.url,
    );
    user = await app.newUser('outage');
    key = await app.createKey(user, { scopes: ['execute:keys'] });
    revoked = await app.createKey(user, { name: 'to be revoked' });
  }, 120_000);

  afterAll(async () => {
    console.log(`db-outage status codes by phase: ${JSON.stringify(observed)}`);
    try {
      cluster?.thaw();
    } catch {
      // not frozen, or already stopped
    }
    await app?.close().catch(() => undefined);
    cluster?.destroy();
    await redis?.stop();
  }, 60_000);

  it('stopped server: serves verified credentials through the grace, then 503s; an eviction still applies; nothing is charged', async () => {
    // Verified (and cached) while the database is up.
    for (const auth of [key.auth, revoked.auth]) expect((await forwardAuth('up', auth)).status).toBe(200);
    expect((await whoAmI('up')).status).toBe(200);

    cluster.stopImmediately();
    app.clock.advance((CACHE_TTL_S + 1) * 1000);

    // Within the grace: the cache entries are past their TTL, the refresh fails, the last verified state answers.
    expect((await forwardAuth('down, within grace: key', key.auth)).status).toBe(200);
    expect((await whoAmI('down, within grace: JWT')).status).toBe(200);
    const verified = await verifyKey('down, within grace: verify API', key.key);
    expect(verified.status).toBe(200);
    expect(verified.body.data).toMatchObject({ valid: true, code: 'VALID', keyId: key.id });

    // A revocation that reaches the instance (another instance wrote it and published it) evicts at once.
    const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      await publisher.publish('argus_invalidation', JSON.stringify({ from: 'another-instance', kind: 'key', id: revoked.id }));
    } finally {
      publisher.disconnect();
    }
    let afterEviction!: TestResponse;
    await timeUntil(
      async () => {
        afterEviction = await forwardAuth('down, evicted key', revoked.auth);
        return afterEviction.status !== 200;
      },
      5000,
      POLL_MS,
    );
    expectUnavailable(afterEviction);

    // What the database must answer is unavailable, never "invalid": an unknown key, a login, a key creation.
    expectUnavailable(await forwardAuth('down, unknown key', { 'x-api-key': generateApiKey() }));
    expectUnavailable(await verifyKey('down, verify API on the evicted key', revoked.key));
    expectUnavailable(record('down, login', await app.post('/api/auth/login', { email: user.email, password: PASSWORD })));
    expectUnavailable(record('down, key create', await app.post('/api/keys', { name: 'during outage' }, user.auth)));

    // Past the grace: 503 with Retry-After for every request, far more of them than the address's anonymous budget.
    app.clock.advance(GRACE_S * 1000);
    for (let i = 0; i < ANONYMOUS_LIMIT + 5; i++) {
      expectUnavailable(await forwardAuth('down, past grace: key', key.auth));
      expectUnavailable(await whoAmI('down, past grace: JWT'));
    }
    expectUnavailable(await verifyKey('down, past grace: verify API', key.key));

    // After recovery, the same address logs in (none of the outage was charged as failed authentication).
    cluster.start();
    await timeUntil(async () => (await app.get('/api/health')).status === 200, 20_000, POLL_MS);
    const login = record('recovered, login', await app.post('/api/auth/login', { email: user.email, password: PASSWORD }));
    expect(login.status).toBe(200);
    expect((await forwardAuth('recovered, key', key.auth)).status).toBe(200);
    expect((await whoAmI('recovered, JWT')).status).toBe(200);
    const afterRevocationMessage = await forwardAuth('recovered, evicted key (not revoked in the database)', revoked.auth);
    expect(afterRevocationMessage.status).toBe(200);
  }, 120_000);

  it('frozen server (SIGSTOP): a look-up gives up after its timeout, serves the grace, then 503s, and recovers on SIGCONT', async () => {
    expect((await forwardAuth('frozen: warm', key.auth)).status).toBe(200);
    expect((await whoAmI('frozen: warm')).status).toBe(200);

    cluster.freeze();
    app.clock.advance((CACHE_TTL_S + 1) * 1000);
    let started = Date.now();
    expect((await forwardAuth('frozen, within grace: key', key.auth)).status).toBe(200);
    expect((await whoAmI('frozen, within grace: JWT')).status).toBe(200);
    // Each refresh waits at most the look-up timeout, and a failed one is not retried on every request.
    expect(Date.now() - started).toBeLessThan(2 * LOOKUP_TIMEOUT_MS + 2000);

    app.clock.advance(GRACE_S * 1000);
    started = Date.now();
    expectUnavailable(await forwardAuth('frozen, past grace: key', key.auth));
    expectUnavailable(await whoAmI('frozen, past grace: JWT'));
    expect(Date.now() - started).toBeLessThan(2 * LOOKUP_TIMEOUT_MS + 2000);

    cluster.thaw();
    let recovered!: TestResponse;
    await timeUntil(
      async () => {
        recovered = await forwardAuth('thawed: key', key.auth);
        return recovered.status === 200;
      },
      20_000,
      POLL_MS,
    );
    expect(recovered.status).toBe(200);
    expect((await app.post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
  }, 120_000);
});
