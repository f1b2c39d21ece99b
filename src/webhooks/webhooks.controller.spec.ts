import { ROLE_SCOPES, Scope } from '../access/scopes';
import {
  ControllerContext,
  KEY_ID,
  PROJECT_ID,
  USER_ID,
  apiKey,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { deliveryView, webhookView } from '../../test/support/controller-fixtures';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook.dto';
import { TEST_EVENT_QUEUED_MESSAGE, WEBHOOK_CREATED_MESSAGE, WebhooksController } from './webhooks.controller';
import { conflict, notFound } from '../core/errors/app.exception';
import { WebhooksService } from './webhooks.service';

const WEBHOOK_ID = KEY_ID;
const DELIVERY_ID = PROJECT_ID;
const hook = `/api/webhooks/${WEBHOOK_ID}`;

describe(WebhooksController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(WebhooksService);
  const auth = () => ctx.as(userJwt());

  beforeAll(async () => {
    ctx = await controllerSetup(WebhooksController, [{ provide: WebhooksService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  // Every row has four cells: Jest hands a shorter row's missing cell over as a done callback.
  const routes: Array<[string, string, Scope, unknown]> = [
    ['POST', '/api/webhooks', 'write:webhooks', { url: 'https://example.com/hook', events: ['key.created'] }],
    ['GET', '/api/webhooks', 'read:webhooks', undefined],
    ['GET', hook, 'read:webhooks', undefined],
    ['PATCH', hook, 'write:webhooks', { isActive: true }],
    ['DELETE', hook, 'delete:webhooks', undefined],
    ['GET', `${hook}/deliveries`, 'read:webhooks', undefined],
    ['POST', `${hook}/deliveries/redeliver`, 'write:webhooks', {}],
    ['POST', `${hook}/deliveries/${DELIVERY_ID}/redeliver`, 'write:webhooks', {}],
    ['POST', `${hook}/test`, 'write:webhooks', undefined],
  ];

  it.each(routes)('%s %s: 401 unauthorized without credentials', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url, { body });
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes)('%s %s: 403 insufficient_scope for a key without %s', async (method, url, scope, body) => {
    const res = await ctx.request(method, url, { body, headers: ctx.as(apiKey(ROLE_SCOPES.user.filter((held) => held !== scope))) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: `Missing required scope: ${scope}` })]);
    expect(callsTo(service)).toEqual([]);
  });

  it.each(routes.filter(([, url]) => url.startsWith(hook)))('%s %s: 400 for a malformed id', async (method, url, _scope, body) => {
    const res = await ctx.request(method, url.replace(WEBHOOK_ID, 'hook-1'), { body, headers: auth() });
    expect([res.status, res.body]).toEqual([
      400,
      errorBody('validation_failed', { details: [{ field: 'id', messages: ['id must be a UUID'] }] }),
    ]);
    expect(callsTo(service)).toEqual([]);
  });

  describe('POST /api/webhooks', () => {
    it('registers for the caller with the parsed body, 201 with the once-only secret message', async () => {
      const created = { ...webhookView(), secret: 'whsec_secret' };
      service.createWebhook.mockResolvedValue(created);
      const body = { url: 'https://example.com/hook', events: ['key.created', 'key.revoked'] };
      const res = await ctx.request('POST', '/api/webhooks', { body, headers: ctx.as(apiKey(['write:webhooks'])) });

      expect([res.status, res.body]).toEqual([201, { success: true, data: created, message: WEBHOOK_CREATED_MESSAGE }]);
      const [userId, dto] = service.createWebhook.mock.calls[0];
      expect(userId).toBe(USER_ID);
      expect(dto).toBeInstanceOf(CreateWebhookDto);
      expect(dto).toEqual(body);
    });

    it.each<[string, unknown, string]>([
      ['a missing url', { events: ['key.created'] }, 'url'],
      ['a url that is not http(s)', { url: 'ftp://example.com/hook', events: ['key.created'] }, 'url'],
      ['no events', { url: 'https://example.com/hook', events: [] }, 'events'],
      ['an unknown event', { url: 'https://example.com/hook', events: ['key.exploded'] }, 'events'],
      ['a repeated event', { url: 'https://example.com/hook', events: ['key.created', 'key.created'] }, 'events'],
      ['an unknown field', { url: 'https://example.com/hook', events: ['key.created'], secret: 'mine' }, 'secret'],
    ])('refuses %s with 400 naming the field', async (_case, body, field) => {
      const res = await ctx.request('POST', '/api/webhooks', { body, headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('GET /api/webhooks lists the caller’s endpoints, paginated', async () => {
    const items = [webhookView()];
    service.listWebhooks.mockResolvedValue({ items, total: 1 });
    const res = await ctx.request('GET', '/api/webhooks?limit=1', { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 1, limit: 1, total: 1 } }]);
    const [userId, page] = service.listWebhooks.mock.calls[0];
    expect(userId).toBe(USER_ID);
    expect(page).toBeInstanceOf(PaginationQueryDto);
    expect(page).toEqual({ page: 1, limit: 1 });
  });

  it('GET /api/webhooks/:id reads one of the caller’s endpoints', async () => {
    const found = webhookView();
    service.getWebhook.mockResolvedValue(found);
    const res = await ctx.request('GET', hook, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: found }]);
    expect(service.getWebhook.mock.calls).toEqual([[USER_ID, WEBHOOK_ID]]);
  });

  describe('PATCH /api/webhooks/:id', () => {
    it('updates with the parsed body', async () => {
      const updated = webhookView({ events: ['key.rotated'] });
      service.updateWebhook.mockResolvedValue(updated);
      const res = await ctx.request('PATCH', hook, { body: { events: ['key.rotated'], isActive: true }, headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: updated }]);
      const [userId, id, dto] = service.updateWebhook.mock.calls[0];
      expect([userId, id]).toEqual([USER_ID, WEBHOOK_ID]);
      expect(dto).toBeInstanceOf(UpdateWebhookDto);
      expect(dto).toEqual({ events: ['key.rotated'], isActive: true });
    });

    it.each<[unknown, string]>([
      [{ url: 'not a url' }, 'url'],
      [{ isActive: 'yes' }, 'isActive'],
      [{ consecutiveFailures: 0 }, 'consecutiveFailures'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await ctx.request('PATCH', hook, { body, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [expect.objectContaining({ field })]]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('DELETE /api/webhooks/:id removes the endpoint, 200 with no data', async () => {
    service.deleteWebhook.mockResolvedValue(undefined);
    const res = await ctx.request('DELETE', hook, { headers: auth() });
    expect([res.status, res.body]).toEqual([200, { success: true, data: null, message: 'Webhook deleted' }]);
    expect(service.deleteWebhook.mock.calls).toEqual([[USER_ID, WEBHOOK_ID]]);
  });

  describe('GET /api/webhooks/:id/deliveries', () => {
    it('lists a page of deliveries', async () => {
      const items = [deliveryView()];
      service.listDeliveries.mockResolvedValue({ items, total: 40 });
      const res = await ctx.request('GET', `${hook}/deliveries?page=2`, { headers: auth() });
      expect([res.status, res.body]).toEqual([200, { success: true, data: items, meta: { page: 2, limit: 20, total: 40 } }]);
      expect(service.listDeliveries.mock.calls).toEqual([[USER_ID, WEBHOOK_ID, expect.objectContaining({ page: 2, limit: 20 })]]);
    });

    it.each(['page=-1', 'limit=x', 'status=failed'])('refuses ?%s with 400', async (query) => {
      const res = await ctx.request('GET', `${hook}/deliveries?${query}`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(callsTo(service)).toEqual([]);
    });
  });

  it('POST /api/webhooks/:id/deliveries/redeliver requeues the failed ones, 202 with the count', async () => {
    service.redeliverFailed.mockResolvedValue(3);
    const res = await ctx.request('POST', `${hook}/deliveries/redeliver`, { body: {}, headers: auth() });
    expect([res.status, res.body]).toEqual([202, { success: true, data: { requeued: 3 }, message: 'Failed deliveries requeued' }]);
    expect(service.redeliverFailed.mock.calls).toEqual([[USER_ID, WEBHOOK_ID]]);
  });

  describe('POST /api/webhooks/:id/deliveries/:deliveryId/redeliver', () => {
    it('requeues one delivery, 202', async () => {
      const delivery = deliveryView();
      service.redeliver.mockResolvedValue(delivery);
      const res = await ctx.request('POST', `${hook}/deliveries/${DELIVERY_ID}/redeliver`, { body: {}, headers: auth() });
      expect([res.status, res.body]).toEqual([202, { success: true, data: delivery, message: 'Delivery requeued' }]);
      expect(service.redeliver.mock.calls).toEqual([[USER_ID, WEBHOOK_ID, DELIVERY_ID]]);
    });

    it('refuses a malformed delivery id with 400 naming deliveryId', async () => {
      const res = await ctx.request('POST', `${hook}/deliveries/last/redeliver`, { body: {}, headers: auth() });
      expect([res.status, res.body.details]).toEqual([400, [{ field: 'deliveryId', messages: ['deliveryId must be a UUID'] }]]);
      expect(callsTo(service)).toEqual([]);
    });
  });

  describe('POST /api/webhooks/:id/test', () => {
    it('queues a test event for the caller’s endpoint, 202 with the delivery', async () => {
      const delivery = deliveryView({ eventType: 'webhook.test', payload: { type: 'webhook.test' } });
      service.sendTestEvent.mockResolvedValue(delivery);
      const res = await ctx.request('POST', `${hook}/test`, { headers: ctx.as(apiKey(['write:webhooks'])) });
      expect([res.status, res.body]).toEqual([202, { success: true, data: delivery, message: TEST_EVENT_QUEUED_MESSAGE }]);
      expect(service.sendTestEvent.mock.calls).toEqual([[USER_ID, WEBHOOK_ID]]);
    });

    it('takes an empty JSON body too', async () => {
      service.sendTestEvent.mockResolvedValue(deliveryView({ eventType: 'webhook.test' }));
      const res = await ctx.request('POST', `${hook}/test`, { body: {}, headers: auth() });
      expect(res.status).toBe(202);
    });

    it('answers 404 in the error shape for an endpoint that is not the caller’s', async () => {
      service.sendTestEvent.mockRejectedValue(notFound('Webhook'));
      const res = await ctx.request('POST', `${hook}/test`, { headers: auth() });
      expect([res.status, res.body]).toEqual([404, errorBody('not_found', { error: 'Webhook not found' })]);
    });

    it('answers 409 for a disabled endpoint', async () => {
      service.sendTestEvent.mockRejectedValue(conflict('Webhook is disabled: enable it to send a test event'));
      const res = await ctx.request('POST', `${hook}/test`, { headers: auth() });
      expect([res.status, res.body.code]).toEqual([409, 'conflict']);
    });

    it('refuses a read-only key with 403 before reaching the service', async () => {
      const res = await ctx.request('POST', `${hook}/test`, { headers: ctx.as(apiKey(['read:webhooks'])) });
      expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
      expect(callsTo(service)).toEqual([]);
    });
  });
});
