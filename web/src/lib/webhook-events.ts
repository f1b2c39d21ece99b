// The server's event catalogue, imported rather than copied: an event added there appears in the
// dashboard's picker with the next build.
export { WEBHOOK_EVENTS, WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_TEST_EVENT } from '../../../src/events/webhook-events';
