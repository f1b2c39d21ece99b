// The receiver code of the reference document /work/shared/reference/003 ("Webhook Signatures"),
// copied unchanged (plain JS, so neither the compiler nor the formatter touches it).
const crypto = require('crypto');

function verifyWebhookSignature(payload, signature, secret) {
  const expectedSignature = crypto.createHmac('sha256', secret).update(payload).digest('hex');

  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSignature));
}

module.exports = { verifyWebhookSignature };
