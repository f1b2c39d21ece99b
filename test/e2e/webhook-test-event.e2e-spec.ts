import { createHmac } from 'node:crypto';
import { PASSWORD, Session, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const LOCAL_WEBHOOKS = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '10ms', WEBHOOK_MAX_ATTEMPTS: '2' };

interface DeliveryView {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  payload: { type: string; data: Record<string, unknown> };
}

describe('webhook test events (e2e)', () => {
  let t: TestApp;
  let owner: Session;
  let stranger: Session;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await TestApp.start(LOCAL_WEBHOOKS);
    owner = await t.newUser('tester');
    stranger = await t.newUser('stranger');
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => receiver.close());
  afterAll(() => t.close());

  const register = async (events = ['key.revoked']) => {
    const res = await t.post('/api/webhooks', { url: receiver.url, events }, owner.auth);
    expect(res.status).toBe(201);
    return res.body.data as { id: string; secret: string };
  };

  /** The delivery once the dispatcher has stored an outcome with a response code. */
  async function settled(hookId: string, deliveryId: string, done = (d: DeliveryView) => d.status !== 'pending'): Promise<DeliveryView> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list: DeliveryView[] = (await t.get(`/api/webhooks/${hookId}/deliveries`, owner.auth)).body.data;
      const delivery = list.find((d) => d.id === deliveryId) as DeliveryView;
      if (done(delivery) || Date.now() > deadline) return delivery;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('queues a signed webhook.test delivery to that endpoint, whatever it subscribes to, and records the response code', async () => {
    const hook = await register(['key.revoked']);
    const res = await t.post(`/api/webhooks/${hook.id}/test`, undefined, owner.auth);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, message: 'Test event queued' });
    const queued = res.body.data as DeliveryView;
    expect(queued).toMatchObject({ eventType: 'webhook.test', status: 'pending', attempts: 0, lastStatusCode: null });
    expect(queued.payload).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id, ownerId: owner.userId } });

    const [message] = await receiver.waitFor(1);
    expect(JSON.parse(message.body)).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } });
    expect(message.headers['x-webhook-signature']).toBe(createHmac('sha256', hook.secret).update(message.body).digest('hex'));
    expect(message.headers['webhook-id']).toBeDefined();
    expect(message.body).not.toContain(hook.secret);

    expect(await settled(hook.id, queued.id)).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('shows a failing receiver’s response code, and the test delivery can be redelivered', async () => {
    const hook = await register();
    receiver.statuses = [500, 503];
    const queued = (await t.post(`/api/webhooks/${hook.id}/test`, {}, owner.auth)).body.data as DeliveryView;
    const failed = await settled(hook.id, queued.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 503 });

    const again = await t.post(`/api/webhooks/${hook.id}/deliveries/${queued.id}/redeliver`, {}, owner.auth);
    expect(again.status).toBe(202);
    expect(await settled(hook.id, queued.id)).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
    const ids = receiver.received.map((m) => m.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1); // the same message id on every attempt and the redelivery
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('answers 409 for a disabled endpoint and queues nothing', async () => {
    const hook = await register();
    await t.patch(`/api/webhooks/${hook.id}`, { isActive: false }, owner.auth);
    const res = await t.post(`/api/webhooks/${hook.id}/test`, {}, owner.auth);
    expect([res.status, res.body.code, res.body.error]).toEqual([409, 'conflict', 'Webhook is disabled: enable it to send a test event']);
    expect((await t.get(`/api/webhooks/${hook.id}/deliveries`, owner.auth)).body.data).toEqual([]);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('answers 404 for another user’s endpoint or an unknown one, 400 for a malformed id, 401 without credentials', async () => {
    const hook = await register();
    const foreign = await t.post(`/api/webhooks/${hook.id}/test`, {}, stranger.auth);
    expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
    const unknown = await t.post('/api/webhooks/00000000-0000-4000-8000-000000000000/test', {}, owner.auth);
    expect(unknown.status).toBe(404);
    const malformed = await t.post('/api/webhooks/hook-1/test', {}, owner.auth);
    expect([malformed.status, malformed.body.code]).toEqual([400, 'validation_failed']);
    expect((await t.post(`/api/webhooks/${hook.id}/test`, {})).status).toBe(401);
    expect((await t.get(`/api/webhooks/${hook.id}/deliveries`, owner.auth)).body.data).toEqual([]);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('needs write:webhooks: a read-only key gets 403 insufficient_scope', async () => {
    const hook = await register();
    const reader = await t.createKey(owner, { scopes: ['read:webhooks'] });
    const res = await t.post(`/api/webhooks/${hook.id}/test`, {}, reader.auth);
    expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
    const writer = await t.createKey(owner, { scopes: ['write:webhooks'] });
    expect((await t.post(`/api/webhooks/${hook.id}/test`, {}, writer.auth)).status).toBe(202);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });

  it('from a browser session, needs the CSRF token', async () => {
    const hook = await register();
    const signIn = await t.request('POST', '/api/auth/sessions', {
      body: { email: owner.email, password: PASSWORD },
      headers: { host: 'localhost:3000' },
    });
    const raw = signIn.headers['set-cookie'];
    const cookie = (Array.isArray(raw) ? raw : [String(raw)])
      .map((line) => line.split(';', 1)[0])
      .filter((pair) => !pair.endsWith('='))
      .join('; ');
    const headers = { host: 'localhost:3000', cookie };
    const without = await t.request('POST', `/api/webhooks/${hook.id}/test`, { body: {}, headers });
    expect([without.status, without.body.code]).toEqual([403, 'csrf_invalid']);
    const withToken = await t.request('POST', `/api/webhooks/${hook.id}/test`, {
      body: {},
      headers: { ...headers, 'x-csrf-token': signIn.body.data.csrfToken },
    });
    expect(withToken.status).toBe(202);
    await t.delete(`/api/webhooks/${hook.id}`, owner.auth);
  });
});
