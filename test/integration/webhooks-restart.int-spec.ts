import { TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { ExpiryNotifier } from '../../src/webhooks/expiry-notifier';

describe('webhook outbox across a restart (integration)', () => {
  it('a delivery written before a stop is sent by the next process', async () => {
    const receiver = await WebhookReceiver.start();
    // The first process never gets to send (its worker polls once a minute).
    const first = await TestApp.start({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '60000' });
    let second: TestApp | undefined;
    try {
      const owner = await first.newUser('restart');
      const hook = await first.post('/api/webhooks', { url: receiver.url, events: ['key.created'] }, owner.auth);
      const key = await first.createKey(owner);
      const pending = await first.get(`/api/webhooks/${hook.body.data.id}/deliveries`, owner.auth);
      expect(pending.body.data).toMatchObject([{ status: 'pending', attempts: 0 }]);
      const databaseUrl = first.databaseUrl as string;
      await first.app.close();

      second = await TestApp.start({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' }, databaseUrl);
      const [message] = await receiver.waitFor(1);
      expect(JSON.parse(message.body)).toMatchObject({ type: 'key.created', data: { keyId: key.id } });
      expect(message.headers['webhook-id']).toBe(pending.body.data[0].messageId);
    } finally {
      await second?.close();
      await first.close().catch(() => undefined);
      await receiver.close();
    }
  });
});

describe('expiry notices with two instances (integration)', () => {
  it('announce each key once, however many instances run the pass at once', async () => {
    const receiver = await WebhookReceiver.start();
    const a = await TestApp.start({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' });
    const b = await TestApp.start({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' }, a.databaseUrl);
    try {
      const owner = await a.newUser('expiring');
      await a.post('/api/webhooks', { url: receiver.url, events: ['key.expiring'] }, owner.auth);
      for (let i = 0; i < 5; i++) await a.createKey(owner, { expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
      // One pass per instance, at the same moment (calls within one instance share its pass).
      const counts = await Promise.all([a, b].map((app) => app.app.get(ExpiryNotifier).tick()));
      expect(counts.reduce((sum, n) => sum + n, 0)).toBe(5);
      await receiver.waitFor(5);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(5);
      expect(new Set(receiver.received.map((m) => JSON.parse(m.body).data.keyId)).size).toBe(5);
    } finally {
      await b.close();
      await a.close();
      await receiver.close();
    }
  });
});
