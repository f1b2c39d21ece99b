import { TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

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
