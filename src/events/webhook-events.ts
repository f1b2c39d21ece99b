/**
 * The webhook event catalogue, free of any framework import so the dashboard (web/) builds its
 * event picker from the same list the API validates against.
 */

/** The events an endpoint subscribes to, each announcing a change to one of its owner's keys or OAuth applications. */
export const WEBHOOK_EVENTS = [
  'key.created',
  'key.rotated',
  'key.revoked',
  'key.deactivated',
  'key.expiring',
  'key.rotation_due',
  'application.created',
  'application.secret_rotated',
  'application.revoked',
  'consent.granted',
  'consent.revoked',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/**
 * Sent on request (`POST /api/webhooks/:id/test`) to that one endpoint, whatever it subscribes
 * to: not subscribable, since nothing happens that it announces.
 */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Every event type a delivery can carry. */
export const DELIVERY_EVENT_TYPES = [...WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT] as const;
export type DeliveryEventType = (typeof DELIVERY_EVENT_TYPES)[number];

/** What each event means, as the dashboard's event picker says it. */
export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'key.created': 'A key was created',
  'key.rotated': 'A key was rotated (by you or its rotation policy)',
  'key.revoked': 'A key was revoked',
  'key.deactivated': 'A key was deactivated (by you or an admin)',
  'key.expiring': 'A key expires soon (KEY_EXPIRING_NOTICE_DAYS ahead)',
  'key.rotation_due': 'A scheduled rotation is coming up',
  'application.created': 'An OAuth application was registered',
  'application.secret_rotated': "An OAuth application's client secret was rotated",
  'application.revoked': 'An OAuth application was revoked',
  'consent.granted': 'A user authorized one of your OAuth applications',
  'consent.revoked': 'A user withdrew their consent to one of your OAuth applications',
};
