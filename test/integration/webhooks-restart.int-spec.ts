import { TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { DataSource } from 'typeorm';
import { ExpiryNotifier } from '../../src/api-keys/expiry-notifier';
import { DeliveryClaims } from '../../src/webhooks/delivery-claims';
import { WebhookDeliveryRepository } from '../../src/webhooks/webhook-delivery.repository';
import { WebhookEndpointRepository } from '../../src/webhooks/webhook-endpoint.repository';

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

describe('a crashed worker (integration)', () => {
  it('its claimed delivery is sent again by another instance once the lease runs out, with the same webhook-id', async () => {
    const receiver = await WebhookReceiver.start();
    // WEBHOOK_TIMEOUT_MS 1000: the lease is 2 x 1 s + 1 s = 3 s (it was a fixed 60 s).
    const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '1000' };
    const first = await TestApp.start({ ...env, WEBHOOK_POLL_MS: '60000' });
    let second: TestApp | undefined;
    try {
      const owner = await first.newUser('crash');
      const hook = await first.post('/api/webhooks', { url: receiver.url, events: ['key.created'] }, owner.auth);
      await first.createKey(owner);
      // What a worker does before sending, and all a crash leaves behind: the claim.
      const claims = new DeliveryClaims(first.app.get(WebhookEndpointRepository), first.app.get(WebhookDeliveryRepository), 3000, 10, 5);
      const [claim] = await claims.claim(Date.now());
      expect(claim.deliveryIds).toHaveLength(1);
      const claimedAt = Date.now();
      const databaseUrl = first.databaseUrl as string;
      await first.app.close();

      second = await TestApp.start({ ...env, WEBHOOK_POLL_MS: '50' }, databaseUrl);
      const [message] = await receiver.waitFor(1, 30_000);
      const waited = Date.now() - claimedAt;
      expect(waited).toBeGreaterThanOrEqual(2900); // not before the lease ends: no second sender meanwhile
      expect(waited).toBeLessThan(20_000); // well under the old 60 s
      const [delivery] = (await second.get(`/api/webhooks/${hook.body.data.id}/deliveries`, owner.auth)).body.data;
      expect(message.headers['webhook-id']).toBe(delivery.messageId);
    } finally {
      await second?.close();
      await first.close().catch(() => undefined);
      await receiver.close();
    }
  });
});

describe('the expiry notifier query (integration)', () => {
  it('reads a partial index on PostgreSQL instead of the whole api_keys table', async () => {
    const t = await TestApp.start({ WEBHOOK_POLL_MS: '60000' });
    try {
      const owner = await t.newUser('many-keys');
      const db = t.app.get(DataSource);
      const rows = 200_000;
      // Mostly keys that never expire or were announced already, a few due soon.
      await db.query(
        `INSERT INTO api_keys (user_id, name, key_prefix, key_hash, expires_at, expiry_notified_at)
         SELECT $1, 'k' || n, 'argus_', encode(sha256(n::text::bytea), 'hex'),
                CASE WHEN n % 1000 = 0 THEN now() + interval '2 days' WHEN n % 3 = 0 THEN now() - interval '1 day' END,
                CASE WHEN n % 3 = 0 AND n % 1000 <> 0 THEN now() - interval '8 days' END
           FROM generate_series(1, ${rows}) AS n`,
        [owner.userId],
      );
      await db.query('ANALYZE api_keys');
      const query = `SELECT id FROM api_keys
        WHERE expiry_notified_at IS NULL AND revoked_at IS NULL AND rotated_at IS NULL
          AND expires_at IS NOT NULL AND expires_at > now() AND expires_at <= now() + interval '7 days' LIMIT 500`;
      const explain = async () => {
        const [{ 'QUERY PLAN': plan }] = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`);
        return { text: JSON.stringify(plan), ms: plan[0]['Execution Time'] as number };
      };
      const withIndex = await explain();
      expect(withIndex.text).toContain('IDX_api_keys_expiry_notice');
      expect(withIndex.text).not.toContain('Seq Scan');
      const runner = db.createQueryRunner();
      await runner.startTransaction();
      let withoutMs = 0;
      try {
        await runner.query('DROP INDEX "IDX_api_keys_expiry_notice"');
        const [{ 'QUERY PLAN': plan }] = await runner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`);
        withoutMs = plan[0]['Execution Time'];
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      process.stdout.write(
        `expiry notifier query on ${rows} keys: ${withIndex.ms.toFixed(2)} ms with the index, ${withoutMs.toFixed(2)} ms without\n`,
      );
    } finally {
      await t.close();
    }
  }, 180_000);
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
