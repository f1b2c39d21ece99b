import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Session, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { ExpiryNotifier } from '../../src/api-keys/expiry-notifier';

const LOCAL_WEBHOOKS = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '10ms',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_ENDPOINT_BACKOFF: '10ms',
  WEBHOOK_ENDPOINT_BACKOFF_MAX: '50ms',
  WEBHOOK_DISABLE_AFTER: '1h',
  WEBHOOK_DISABLE_AFTER_FAILURES: '6',
};

/** How long to wait for the dispatcher to store outcomes before reading them. */
const SETTLE_MS = 30_000;

/**
 * What a receiver does: `X-Webhook-Signature` with the secret as shown (constant time), and the
 * Standard Webhooks headers with that specification's own library.
 */
function verifySignatures(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const hex = createHmac('sha256', secret).update(body).digest('hex');
  const plain = Buffer.from(String(headers['x-webhook-signature']));
  const plainOk = plain.length === hex.length && timingSafeEqual(plain, Buffer.from(hex));
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
  } catch {
    return false;
  }
  return plainOk;
}

/** A delivery as `GET /api/webhooks/:id/deliveries` lists it. */
interface DeliveryView {
  eventType: string;
  status: string;
  [field: string]: unknown;
}

describe('webhooks (e2e)', () => {
  let t: TestApp;
  let owner: Session;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await TestApp.start(LOCAL_WEBHOOKS);
    owner = await t.newUser('hooked');
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => receiver.close());
  afterAll(() => t.close());

  const register = async (events = ['key.created', 'key.rotated', 'key.revoked', 'key.deactivated'], session = owner) => {
    const res = await t.post('/api/webhooks', { url: receiver.url, events }, session.auth);
    expect(res.status).toBe(201);
    return res.body.data as { id: string; secret: string };
  };

  /**
   * The endpoint's deliveries once `count` of them have a final status. The receiver sees a
   * request before the dispatcher has stored its outcome, so reading at once would race it. The
   * bound is generous: on a loaded machine a retry schedule takes many times longer than idle.
   */
  async function deliveriesOnceSettled(hookId: string, count: number): Promise<DeliveryView[]> {
    return readUntil(
      () => deliveriesOf(hookId),
      (list) => list.filter((delivery) => delivery.status !== 'pending').length >= count,
    );
  }

  const deliveriesOf = async (hookId: string): Promise<DeliveryView[]> =>
    (await t.get(`/api/webhooks/${hookId}/deliveries`, owner.auth)).body.data;

  /** `read()` again every 20 ms until `done` holds for what it gave, or SETTLE_MS have passed; the last reading either way. */
  async function readUntil<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('shows the secret once, and never again', async () => {
    const hook = await register();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await t.get('/api/webhooks', owner.auth);
    const one = await t.get(`/api/webhooks/${hook.id}`, owner.auth);
    for (const res of [list, one]) expect(res.text).not.toContain(hook.secret.slice(6));
    expect(one.body.data).toMatchObject({ id: hook.id, url: receiver.url, isActive: true, consecutiveFailures: 0 });
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('delivers key events signed both ways, with the subscribed types only', async () => {
    const hook = await register(['key.created', 'key.revoked']);
    const key = await t.createKey(owner, { name: 'watched' });
    await t.patch(`/api/keys/${key.id}`, { name: 'renamed' }, owner.auth); // not subscribed to updates
    await t.delete(`/api/keys/${key.id}`, owner.auth);
    const [created, revoked] = await receiver.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(2);

    for (const message of [created, revoked]) {
      expect(message.headers['content-type']).toBe('application/json');
      expect(verifySignatures(hook.secret, message.headers, message.body)).toBe(true);
      expect(verifySignatures(hook.secret, message.headers, message.body.replace('key.', 'kex.'))).toBe(false);
      expect(Number(message.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
      expect(message.body).not.toContain(key.key);
    }
    expect(JSON.parse(created.body)).toMatchObject({ type: 'key.created', data: { keyId: key.id, ownerId: owner.userId } });
    expect(JSON.parse(revoked.body)).toMatchObject({ type: 'key.revoked', data: { keyId: key.id } });

    const deliveries = { body: { data: await deliveriesOnceSettled(hook.id, 2) } };
    expect(deliveries.body.data.map((d: { eventType: string; status: string }) => [d.eventType, d.status])).toEqual([
      ['key.revoked', 'succeeded'],
      ['key.created', 'succeeded'],
    ]);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it("passes the reference document's receiver check unchanged, and the Standard Webhooks library's", async () => {
    const hook = await register(['key.created']);
    receiver.secret = hook.secret;
    await t.createKey(owner, { name: 'référence ✓' });
    const [message] = await receiver.waitFor(1);
    const [delivery] = await deliveriesOnceSettled(hook.id, 1);
    expect(receiver.checks).toEqual({ total: 1, passed: 1 });
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
    // The body is compact JSON, exactly JSON.stringify of the payload, so re-serialising keeps it.
    expect(message.body).toBe(JSON.stringify(JSON.parse(message.body)));
    expect(message.body).toBe(JSON.stringify(delivery.payload));
    expect(new Webhook(hook.secret).verify(message.body, message.headers as Record<string, string>)).toMatchObject({ type: 'key.created' });
    expect(() => new Webhook(hook.secret).verify(message.body + ' ', message.headers as Record<string, string>)).toThrow();
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('announces deactivation, by the owner or an admin, and rotation', async () => {
    const hook = await register(['key.deactivated', 'key.rotated']);
    const key = await t.createKey(owner);
    await t.patch(`/api/keys/${key.id}`, { isActive: false }, owner.auth);
    await t.patch(`/api/keys/${key.id}`, { isActive: true }, owner.auth);
    const admin = await t.admin();
    await t.put(`/api/admin/api-keys/${key.id}`, { isActive: false }, admin.auth);
    await t.put(`/api/admin/api-keys/${key.id}`, { isActive: true }, admin.auth);
    await t.post(`/api/keys/${key.id}/rotate`, {}, owner.auth);
    const messages = await receiver.waitFor(3);
    expect(messages.map((m) => JSON.parse(m.body).type).sort()).toEqual(['key.deactivated', 'key.deactivated', 'key.rotated']);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('retries after 500s with the same message id, then succeeds', async () => {
    const hook = await register(['key.created']);
    receiver.statuses = [500, 503];
    await t.createKey(owner);
    const attempts = await receiver.waitFor(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    const [delivery] = await deliveriesOnceSettled(hook.id, 1);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200 });
    // The endpoint is marked healthy just after the delivery's success is stored.
    expect((await endpointOnce(hook.id, (e) => e.consecutiveFailures === 0)).consecutiveFailures).toBe(0);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  /** The endpoint once `done` holds for it (the dispatcher stores an outcome just after the receiver answered). */
  async function endpointOnce(hookId: string, done: (endpoint: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return readUntil(async () => (await t.get(`/api/webhooks/${hookId}`, owner.auth)).body.data, done);
  }

  it('gives up after the whole schedule, does not follow redirects, and shows no next attempt once finished', async () => {
    const hook = await register(['key.created']);
    receiver.statuses = Array(20).fill(302);
    await t.createKey(owner);
    await receiver.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(4); // WEBHOOK_MAX_ATTEMPTS
    const [failed] = await deliveriesOnceSettled(hook.id, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 302, nextAttemptAt: null });
    expect(failed.lastError).toContain('redirects are not followed');
    // Four failures in a row are not enough to disable it: it must also have failed for WEBHOOK_DISABLE_AFTER.
    const endpoint = await endpointOnce(hook.id, (e) => e.consecutiveFailures === 4);
    expect(endpoint).toMatchObject({ isActive: true, consecutiveFailures: 4, failingSince: expect.any(String), disabledAt: null });

    receiver.statuses = [];
    const key = await t.createKey(owner);
    const list = await deliveriesOnceSettled(hook.id, 2);
    expect(list[0]).toMatchObject({ status: 'succeeded', attempts: 1, nextAttemptAt: null, deliveredAt: expect.any(String) });
    expect((list[0].payload as { data: { keyId: string } }).data.keyId).toBe(key.id);
    expect(await endpointOnce(hook.id, (e) => e.consecutiveFailures === 0)).toMatchObject({ failingSince: null, nextProbeAt: null });
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('disables an endpoint only after failing for WEBHOOK_DISABLE_AFTER, keeps its backlog, and sends it once re-enabled', async () => {
    const hook = await register(['key.created']);
    receiver.statuses = Array(100).fill(503);
    for (let i = 0; i < 3; i++) await t.createKey(owner); // 12 attempts in all (WEBHOOK_MAX_ATTEMPTS each)
    // 6 failures (WEBHOOK_DISABLE_AFTER_FAILURES) within milliseconds: backed off, not disabled.
    let endpoint = await endpointOnce(hook.id, (e) => (e.consecutiveFailures as number) >= 6);
    expect(endpoint).toMatchObject({ isActive: true, disabledAt: null, nextProbeAt: expect.any(String) });
    t.clock.advance(3_600_000);
    try {
      endpoint = await endpointOnce(hook.id, (e) => e.isActive === false);
    } finally {
      t.clock.advance(-3_600_000);
    }
    expect(endpoint).toMatchObject({ isActive: false, disabledAt: expect.any(String) });
    // Disabled: nothing is sent, and the undelivered messages stay pending rather than failed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(seen);
    const kept: Array<DeliveryView & { id: string }> = (await t.get(`/api/webhooks/${hook.id}/deliveries`, owner.auth)).body.data;
    const pending = kept.filter((d) => d.status === 'pending').map((d) => d.id);
    expect(pending.length).toBeGreaterThan(0); // disabling failed none of them

    receiver.statuses = [];
    const enabled = await t.patch(`/api/webhooks/${hook.id}`, { isActive: true }, owner.auth);
    expect(enabled.body.data).toMatchObject({
      isActive: true,
      consecutiveFailures: 0,
      failingSince: null,
      nextProbeAt: null,
      disabledAt: null,
    });
    const delivered = (await deliveriesOnceSettled(hook.id, 3)) as Array<DeliveryView & { id: string }>;
    expect(delivered.filter((d) => pending.includes(d.id)).map((d) => d.status)).toEqual(pending.map(() => 'succeeded'));
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  /** The endpoint's newest delivery once `done` holds for it (its outcome is stored just after the receiver answered). */
  async function firstDeliveryOnce(hookId: string, done: (delivery: DeliveryView) => boolean): Promise<DeliveryView> {
    return (
      await readUntil(
        () => deliveriesOf(hookId),
        ([delivery]) => delivery !== undefined && done(delivery),
      )
    )[0];
  }

  it('a user-disabled endpoint keeps its pending deliveries until enabled again', async () => {
    const hook = await register(['key.created']);
    receiver.statuses = [503];
    // The 503 is held back until the endpoint is disabled: otherwise the 10 ms retry can beat the PATCH.
    const release = receiver.holdAnswers();
    await t.createKey(owner);
    await receiver.waitFor(1);
    await t.patch(`/api/webhooks/${hook.id}`, { isActive: false }, owner.auth);
    release();
    const paused = await firstDeliveryOnce(hook.id, (d) => d.attempts === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
    expect(paused).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await t.get(`/api/webhooks/${hook.id}/deliveries`, owner.auth)).body.data[0]).toMatchObject({ status: 'pending', attempts: 1 });
    await t.patch(`/api/webhooks/${hook.id}`, { isActive: true }, owner.auth);
    const [sent] = await deliveriesOnceSettled(hook.id, 1);
    expect(sent).toMatchObject({ status: 'succeeded', attempts: 2, messageId: paused.messageId });
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('redelivers one delivery, or every failed one, with the same webhook-id', async () => {
    const hook = await register(['key.created']);
    receiver.statuses = Array(8).fill(500); // two deliveries x WEBHOOK_MAX_ATTEMPTS
    await t.createKey(owner);
    await t.createKey(owner);
    const failed = await deliveriesOnceSettled(hook.id, 2);
    expect(failed.map((d) => d.status)).toEqual(['failed', 'failed']);

    // Paused, so the redelivery stays pending while the second request proves it is refused (409).
    await t.patch(`/api/webhooks/${hook.id}`, { isActive: false }, owner.auth);
    const one = await t.post(`/api/webhooks/${hook.id}/deliveries/${failed[0].id}/redeliver`, {}, owner.auth);
    expect(one.status).toBe(202);
    expect(one.body.data).toMatchObject({ id: failed[0].id, status: 'pending', attempts: 0, messageId: failed[0].messageId });
    expect((await t.post(`/api/webhooks/${hook.id}/deliveries/${failed[0].id}/redeliver`, {}, owner.auth)).status).toBe(409);
    expect((await t.patch(`/api/webhooks/${hook.id}`, { isActive: true }, owner.auth)).status).toBe(200);
    await receiver.waitFor(9);
    expect(receiver.received[8].headers['webhook-id']).toBe(failed[0].messageId);

    const all = await t.post(`/api/webhooks/${hook.id}/deliveries/redeliver`, {}, owner.auth);
    expect(all.status).toBe(202);
    expect(all.body.data).toEqual({ requeued: 1 });
    await receiver.waitFor(10);
    const done = await deliveriesOnceSettled(hook.id, 2);
    expect(done.map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    expect((await t.post(`/api/webhooks/${hook.id}/deliveries/redeliver`, {}, owner.auth)).body.data).toEqual({ requeued: 0 });
    // A succeeded one may be sent again too.
    expect((await t.post(`/api/webhooks/${hook.id}/deliveries/${done[1].id}/redeliver`, {}, owner.auth)).status).toBe(202);
    await receiver.waitFor(11);

    const stranger = await t.newUser('redeliver-stranger');
    expect((await t.post(`/api/webhooks/${hook.id}/deliveries/${done[0].id}/redeliver`, {}, stranger.auth)).status).toBe(404);
    expect((await t.post(`/api/webhooks/${hook.id}/deliveries/redeliver`, {}, stranger.auth)).status).toBe(404);
    const missing = await t.post(`/api/webhooks/${hook.id}/deliveries/00000000-0000-4000-8000-000000000000/redeliver`, {}, owner.auth);
    expect(missing.status).toBe(404);
    const malformed = await t.post(`/api/webhooks/${hook.id}/deliveries/nope/redeliver`, {}, owner.auth);
    expect(malformed.status).toBe(400);
    expect(malformed.body.details[0].field).toBe('deliveryId');
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('announces key.expiring once, KEY_EXPIRING_NOTICE_DAYS before expiry', async () => {
    const hook = await register(['key.expiring']);
    const day = 86_400_000;
    const soon = await t.createKey(owner, { expiresAt: new Date(t.clock.now() + 3 * day).toISOString() });
    await t.createKey(owner, { expiresAt: new Date(t.clock.now() + 30 * day).toISOString() });
    const revoked = await t.createKey(owner, { expiresAt: new Date(t.clock.now() + 2 * day).toISOString() });
    await t.delete(`/api/keys/${revoked.id}`, owner.auth);

    const notifier = t.app.get(ExpiryNotifier);
    expect(await notifier.tick()).toBe(1);
    expect(await notifier.tick()).toBe(0);
    const [message] = await receiver.waitFor(1);
    expect(JSON.parse(message.body)).toMatchObject({ type: 'key.expiring', data: { keyId: soon.id, ownerId: owner.userId } });

    // Once the 30-day key comes within the notice period, it is announced too (and only it).
    t.clock.advance(25 * day);
    try {
      expect(await notifier.tick()).toBe(1);
      await receiver.waitFor(2);
    } finally {
      t.clock.advance(-25 * day);
    }
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('is private to its owner (404), validated (400), and needs the webhook scopes', async () => {
    const hook = await register();
    const stranger = await t.newUser('stranger');
    for (const res of [
      await t.get(`/api/webhooks/${hook.id}`, stranger.auth),
      await t.patch(`/api/webhooks/${hook.id}`, { events: ['key.created'] }, stranger.auth),
      await t.delete(`/api/webhooks/${hook.id}`, stranger.auth),
      await t.get(`/api/webhooks/${hook.id}/deliveries`, stranger.auth),
    ]) {
      expect(res.status).toBe(404);
    }
    for (const body of [
      { url: 'ftp://x/y', events: ['key.created'] },
      { url: receiver.url, events: [] },
      { url: receiver.url, events: ['key.exploded'] },
      { url: receiver.url },
    ]) {
      expect((await t.post('/api/webhooks', body, owner.auth)).status).toBe(400);
    }
    const readOnly = await t.createKey(owner, { scopes: ['read:keys'] });
    expect((await t.post('/api/webhooks', { url: receiver.url, events: ['key.created'] }, readOnly.auth)).body.code).toBe(
      'insufficient_scope',
    );
    expect((await t.get('/api/webhooks')).status).toBe(401);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });
});

describe('webhook SSRF protection (e2e)', () => {
  let t: TestApp;
  let owner: Session;

  beforeAll(async () => {
    t = await TestApp.start({ WEBHOOK_POLL_MS: '50' });
    owner = await t.newUser('ssrf');
  });
  afterAll(() => t.close());

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://10.0.0.5/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/hook',
    'http://[fd00::1]/hook',
    'http://0.0.0.0/hook',
    'http://[::127.0.0.1]/',
    'http://[2002:7f00:1::]/',
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[100::1]/',
    'http://[fec0::1]/',
    'http://[2001:db8::1]/',
    'http://192.0.2.1/',
    'http://198.51.100.7/',
  ])('refuses %s at registration', async (url) => {
    const res = await t.post('/api/webhooks', { url, events: ['key.created'] }, owner.auth);
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('url');
  });

  it('accepts a public address', async () => {
    const res = await t.post('/api/webhooks', { url: 'https://93.184.216.34/hook', events: ['key.created'] }, owner.auth);
    expect(res.status).toBe(201);
  });
});
