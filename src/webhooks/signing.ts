import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * Both signatures a receiver may check. `X-Webhook-Signature` is the hex HMAC-SHA256 of the raw
 * body keyed with the secret exactly as shown (the `whsec_...` string's UTF-8 bytes), so the
 * reference documents' `createHmac('sha256', secret)` check works unchanged. The Standard Webhooks
 * trio signs `id.timestamp.body`, so a replayed or re-timed message fails, keyed with the secret's
 * bytes (base64 after `whsec_`), as that specification and its libraries do.
 */
export function signatureHeaders(secret: string, messageId: string, timestampSeconds: number, body: string): Record<string, string> {
  const key = secretBytes(secret);
  return {
    'X-Webhook-Signature': createHmac('sha256', secret).update(body).digest('hex'),
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`,
  };
}
