import { DataSource } from 'typeorm';
import { Session, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { WebhookOutbox } from '../../src/events/webhook-outbox';

/**
 * The fault from the reliability issue, with time compressed through the settings: a receiver on
 * 127.0.0.1 that fails half its requests, and is down for a while (connection refused, then 503
 * to everything), with 200 deliveries queued. Defaults scale the same schedule up (see README).
 */
const COMPRESSED = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '50ms,200ms,500ms,1s',
  WEBHOOK_MAX_ATTEMPTS: '15',
  // Backed off from the first failure in a row, so the probe bounds below are exact.
  WEBHOOK_ENDPOINT_BACKOFF_AFTER: '1',
  WEBHOOK_ENDPOINT_BACKOFF: '20ms',
  WEBHOOK_ENDPOINT_BACKOFF_MAX: '400ms',
  WEBHOOK_DISABLE_AFTER: '1h',
  WEBHOOK_DISABLE_AFTER_FAILURES: '50',
};
const QUEUED = 200;
const DOWN_MS = 1500;

/** A small deterministic generator, so the flaky receiver fails the same requests on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhooks through a receiver outage (e2e)', () => {
  let t: TestApp;
  let owner: Session;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await TestApp.start(COMPRESSED);
    owner = await t.newUser('outage');
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  async function counts(hookId: string): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: number; attempts: number }> = await t.app
      .get(DataSource)
      .query(
        `SELECT status, count(*)::int AS n, sum(attempts)::int AS attempts FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`,
        [hookId],
      );
    const result: Record<string, number> = { pending: 0, succeeded: 0, failed: 0, attempts: 0 };
    for (const row of rows) {
      result[row.status] = row.n;
      result.attempts += row.attempts;
    }
    return result;
  }

  it('loses nothing, keeps the endpoint enabled, and probes a down receiver instead of sending it the queue', async () => {
    // (about 10 s on an idle machine; the budget allows for a loaded one)
    const hook = (await t.post('/api/webhooks', { url: receiver.url, events: ['key.created'] }, owner.auth)).body.data;
    const random = seeded(42);
    let down = false;
    let upAt = 0;
    let firstSuccessAfterUp = 0;
    receiver.statusFor = () => {
      const status = down || random() < 0.5 ? 503 : 200;
      if (upAt && !firstSuccessAfterUp && status === 200) firstSuccessAfterUp = Date.now();
      return status;
    };

    const outbox = t.app.get(WebhookOutbox);
    await t.app.get(DataSource).transaction(async (manager) => {
      for (let i = 0; i < QUEUED; i++) {
        await outbox.enqueue(manager, { type: 'key.created', ownerId: owner.userId, keyId: null, changes: null, details: { n: i } });
      }
    });

    // Flaky until some are through, then down: refused connections, then 503 to everything.
    for (const deadline = Date.now() + 30_000; (await counts(hook.id)).succeeded < 40 && Date.now() < deadline;) {
      await sleep(20);
    }
    await receiver.goDown();
    const beforeDown = await counts(hook.id);
    await sleep(DOWN_MS);
    const refusedPhase = await counts(hook.id);
    await receiver.comeUp();
    down = true;
    const seenBefore503 = receiver.received.length;
    await sleep(DOWN_MS);
    const answered503 = receiver.received.length - seenBefore503;
    down = false;
    upAt = Date.now();

    let settled = await counts(hook.id);
    for (const deadline = Date.now() + 60_000; settled.succeeded < QUEUED && Date.now() < deadline; settled = await counts(hook.id))
      await sleep(50);

    const drainedAt = Date.now();
    expect(settled).toMatchObject({ succeeded: QUEUED, pending: 0, failed: 0 });
    expect(firstSuccessAfterUp - upAt).toBeLessThan(5_000); // the next probe, at most WEBHOOK_ENDPOINT_BACKOFF_MAX away
    const endpoint = (await t.get(`/api/webhooks/${hook.id}`, owner.auth)).body.data;
    expect(endpoint).toMatchObject({ isActive: true, disabledAt: null, consecutiveFailures: 0, failingSince: null, nextProbeAt: null });
    // While down, a bounded number of probes (back-off 20 ms doubling to 400 ms), not the ~150 queued.
    const refusedAttempts = refusedPhase.attempts - beforeDown.attempts;
    expect(refusedAttempts).toBeLessThanOrEqual(10);
    expect(answered503).toBeGreaterThan(0);
    expect(answered503).toBeLessThanOrEqual(10);
    expect(beforeDown.pending).toBeGreaterThan(100); // the queue really was waiting behind the probes
    // The whole schedule is not used up: the most-tried delivery is well under WEBHOOK_MAX_ATTEMPTS.
    const [{ max }] = await t.app
      .get(DataSource)
      .query(`SELECT max(attempts)::int AS max FROM webhook_deliveries WHERE endpoint_id = $1`, [hook.id]);
    expect(max).toBeLessThan(15);
    // Every message arrived at least once; repeats only of ones the receiver had failed.
    const ok = new Set(receiver.received.map((m) => m.headers['webhook-id']));
    expect(ok.size).toBe(QUEUED);
    process.stdout.write(
      `outage: ${refusedAttempts} attempts while refused, ${answered503} probes answered 503 in ${DOWN_MS} ms each, ` +
        `first success ${firstSuccessAfterUp - upAt} ms after the receiver came back, backlog drained after ${drainedAt - upAt} ms, ` +
        `max ${max} attempts for one delivery\n`,
    );
  }, 180_000);
});

describe('webhooks to a flaky receiver (e2e)', () => {
  let t: TestApp;
  let owner: Session;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // A long endpoint back-off: were one failure enough to back the endpoint off, the queue below
    // would wait 30 s behind a probe after each of its failures.
    t = await TestApp.start({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_RETRY_SCHEDULE: '50ms',
      WEBHOOK_MAX_ATTEMPTS: '15',
      WEBHOOK_ENDPOINT_BACKOFF: '30s',
      WEBHOOK_ENDPOINT_BACKOFF_MAX: '30s',
    });
    owner = await t.newUser('flaky');
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('keeps draining an endpoint that fails now and then (fewer than WEBHOOK_ENDPOINT_BACKOFF_AFTER in a row)', async () => {
    const hook = (await t.post('/api/webhooks', { url: receiver.url, events: ['key.created'] }, owner.auth)).body.data as { id: string };
    let answered = 0;
    receiver.statusFor = () => (answered++ % 2 === 0 ? 500 : 200); // every other request fails
    const queued = 20;
    for (let i = 0; i < queued; i++) await t.createKey(owner);
    const deadline = Date.now() + 15_000;
    let succeeded = 0;
    while (Date.now() < deadline) {
      const list: Array<{ status: string }> = (await t.get(`/api/webhooks/${hook.id}/deliveries?limit=100`, owner.auth)).body.data;
      succeeded = list.filter((delivery) => delivery.status === 'succeeded').length;
      if (succeeded === queued) break;
      await sleep(100);
    }
    expect(succeeded).toBe(queued);
    const endpoint = (await t.get(`/api/webhooks/${hook.id}`, owner.auth)).body.data;
    expect(endpoint).toMatchObject({ isActive: true, nextProbeAt: null });
  }, 60_000);
});
